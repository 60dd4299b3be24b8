/**
 * `caredesk customers export | erase` on a data directory no server runs on:
 * the command opens the store itself (through a running server is
 * test/e2e/erasure.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../core/index.js';
import { conversation, message } from '../core/store/store-contract.js';
import { caredesk } from './run-caredesk.js';

let root: string;
let dataDir: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'caredesk-customers-cli-'));
  dataDir = join(root, 'data');
  const store = new EmbeddedStore(dataDir, { fsync: false });
  await store.open();
  await store.commit({
    customers: [
      {
        id: 'cus_1',
        displayName: 'Piet Jansen',
        identities: [{ channel: 'telegram', externalId: '55501' }],
        createdAt: new Date().toISOString(),
      },
    ],
    conversations: [conversation('cnv_1', 'cus_1', { mode: 'resolved' })],
    messages: [message('m1', 'cnv_1', { text: 'my meter reads 04711' })],
  });
  await store.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('caredesk customers', () => {
  it('exports a customer as JSON to stdout or to a file only its owner reads', async () => {
    const printed = await caredesk(['customers', 'export', 'cus_1', '--data-dir', dataDir]);
    expect(printed.status, printed.stderr).toBe(0);
    const data = JSON.parse(printed.stdout);
    expect(data.customer).toMatchObject({ id: 'cus_1', displayName: 'Piet Jansen' });
    expect(data.conversations[0].messages[0].text).toBe('my meter reads 04711');

    const file = join(root, 'piet.json');
    const written = await caredesk(['customers', 'export', 'cus_1', '--data-dir', dataDir, '-o', file]);
    expect(written.status, written.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).customer.id).toBe('cus_1');
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it('refuses an erasure without a reason, and an unknown customer, saying what to do', async () => {
    const noReason = await caredesk(['customers', 'erase', 'cus_1', '--data-dir', dataDir]);
    expect(noReason.status).toBe(1);
    expect(noReason.stderr).toContain('--reason is required');
    const unknown = await caredesk(['customers', 'export', 'cus_nobody', '--data-dir', dataDir]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('No customer with id "cus_nobody"');
  });

  it('erases a customer: the export afterwards has their case, and none of their words', async () => {
    const erased = await caredesk(['customers', 'erase', 'cus_1', '--reason', 'asked by email', '--data-dir', dataDir]);
    expect(erased.status, erased.stderr).toBe(0);
    expect(erased.stdout).toMatch(/Erased customer cus_1: 1 conversations, 1 messages/);
    const after = await caredesk(['customers', 'export', 'cus_1', '--data-dir', dataDir]);
    expect(after.stdout).not.toContain('Piet');
    expect(after.stdout).not.toContain('04711');
    expect(JSON.parse(after.stdout).conversations).toHaveLength(1);
  });
});
