import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../../core/index.js';
import { chaos } from '../../helpers/seeded.js';
import { tempDir } from './temp-dir.js';

const writer = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));

/** Starts the writer child and resolves once it has acknowledged `acks` commits. */
function runWriter(
  dir: string,
  round: number,
  acks: number,
): Promise<{ child: ChildProcess; acked: string[]; cases: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(round)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked: string[] = [];
  const cases: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`writer too slow; stderr: ${stderr}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ACK ')) acked.push(line.slice(4));
        if (line.startsWith('CASE ')) cases.push(line.slice(5));
      }
      if (acked.length >= acks) {
        clearTimeout(timer);
        resolve({ child, acked, cases });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (acked.length < acks) reject(new Error(`writer exited ${code}: ${stderr}`));
    });
  });
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** The messages stored, and which of `cases` are not readable as resolved (from the archive or the journal). */
async function stored(dir: string, cases: readonly string[]): Promise<{ ids: Set<string>; missingCases: string[] }> {
  const store = new EmbeddedStore(dir);
  await store.open();
  try {
    const ids = new Set<string>();
    for (let c = 0; c < 7; c++) for (const m of await store.listMessages(`cnv_${c}`)) ids.add(m.id);
    expect(await store.lastEventSeq()).toBeGreaterThanOrEqual(ids.size);
    const missingCases: string[] = [];
    for (const id of cases) {
      const c = await store.getConversation(id);
      if (c?.mode !== 'resolved' || c.flowState !== `state of ${id}`) missingCases.push(id);
    }
    return { ids, missingCases };
  } finally {
    await store.close();
  }
}

describe('the embedded store survives kill -9', () => {
  it('after a kill at any moment, every acknowledged message is there and every file parses', async () => {
    const { random, replay } = chaos();
    const dir = tempDir();
    const allAcked: string[] = [];
    const allCases: string[] = [];
    for (let round = 0; round < 4; round++) {
      const { child, acked, cases } = await runWriter(dir, round, 50 + Math.floor(random() * 400));
      // Let it keep writing (and checkpointing) for a random moment, then pull the plug.
      await new Promise((r) => setTimeout(r, random() * 50));
      await kill9(child);
      allAcked.push(...acked);
      allCases.push(...cases);
      const { ids, missingCases } = await stored(dir, allCases);
      const lost = allAcked.filter((id) => !ids.has(id));
      expect(lost, replay).toEqual([]);
      // Resolved cases of earlier rounds are read from the archive in state.json, copied on by every checkpoint.
      expect(missingCases, replay).toEqual([]);
    }
    expect(allCases.length).toBeGreaterThan(40);
    // state.json is JSON lines too: a header, then one line per record or batch of them.
    for (const line of readFileSync(join(dir, 'state.json'), 'utf8').split('\n').filter(Boolean)) {
      expect(() => JSON.parse(line)).not.toThrow();
    }
    for (const segment of readdirSync(join(dir, 'journal'))) {
      const lines = readFileSync(join(dir, 'journal', segment), 'utf8')
        .split('\n')
        .filter(Boolean);
      for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    }
    expect(readdirSync(join(dir, 'journal')).length).toBeGreaterThan(1);
  });

  it('a data directory held by a live process is refused; its lock is taken over once that process is killed', async () => {
    const dir = tempDir();
    const { child } = await runWriter(dir, 0, 5);
    const second = new EmbeddedStore(dir);
    await expect(second.open()).rejects.toMatchObject({
      code: 'E_STORE_LOCKED',
      message: expect.stringContaining(`pid ${child.pid}`),
    });
    await kill9(child);
    const third = new EmbeddedStore(dir);
    await third.open();
    expect(await third.countMessages()).toBeGreaterThanOrEqual(5);
    await third.close();
  });
});
