import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { caredesk } from './run-caredesk.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function kbDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'caredesk-kb-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const article = (id: string, title: string, questions: string[]) => ({
  id,
  topic: 'billing',
  title,
  body: `${title}: what to do, step by step.`,
  questions,
});

describe('caredesk kb check', () => {
  it('passes the knowledge base caredesk ships', async () => {
    const r = await caredesk(['kb', 'check']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+ articles \(en, it\)\nok: every article is reachable/);
  });

  it('names example questions two articles share, and exits 1', async () => {
    const dir = kbDir({
      'en.json': [
        article('pay-bill', 'How to pay your bill', ['how do I pay my bill', 'where is my invoice']),
        article('download-invoice', 'Download your invoices', ['where is my invoice', 'get a copy of my invoice']),
      ],
    });
    const r = await caredesk(['kb', 'check', '--dir', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('2 articles (en)');
    expect(r.stdout).toContain(
      'overlap: "where is my invoice" is an example question of pay-bill and download-invoice',
    );
  });

  it('a file that is not valid stops with a message naming it', async () => {
    const dir = kbDir({ 'en.json': '[{"id": "Bad Id"' });
    const r = await caredesk(['kb', 'check', '--dir', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(join(dir, 'en.json'));
  });

  it('a folder that is not there stops with a message naming it', async () => {
    const r = await caredesk(['kb', 'check', '--dir', join(tmpdir(), 'caredesk-no-such-kb')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no knowledge base folder at .*caredesk-no-such-kb/);
  });
});
