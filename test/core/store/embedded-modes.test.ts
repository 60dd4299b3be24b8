import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../../core/index.js';
import { conversation, customer, message } from './store-contract.js';
import { tempDir } from './temp-dir.js';

const root = tempDir('caredesk-modes-');

/** Every file and directory under `dir` (not `dir` itself) with its permission bits, e.g. `journal/00000001.jsonl 644`. */
function modesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, prefix))) {
    const path = join(prefix, name);
    const st = statSync(join(dir, path));
    out.push(`${path} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) out.push(...modesUnder(dir, path));
  }
  return out;
}

/** Writes enough for several journal segments, a checkpoint with an archive, and returns the open store. */
async function writtenStore(dir: string): Promise<EmbeddedStore> {
  const store = new EmbeddedStore(dir, { fsync: false, segmentBytes: 2_000 });
  await store.open();
  await store.commit({ customers: [customer('cus_1')], conversations: [conversation('cnv_1', 'cus_1')] });
  for (let i = 0; i < 20; i++) await store.commit({ messages: [message(`m${i}`, 'cnv_1')] });
  await store.commit({ conversations: [conversation('cnv_1', 'cus_1', { mode: 'resolved' })] });
  await store.checkpoint();
  await store.commit({ messages: [message('m20', 'cnv_1')] });
  await store.checkpoint();
  return store;
}

const shared = (modes: string[]): string[] =>
  modes.filter((m) => (Number.parseInt(m.split(' ')[1] as string, 8) & 0o077) !== 0);

describe('data at rest is readable by its user only', () => {
  it('a data directory the store creates is 0700 and every file it writes in it 0600', async () => {
    const dir = join(root, 'new', 'data');
    const store = await writtenStore(dir);
    try {
      const modes = modesUnder(dir);
      expect(modes).toContain('LOCK 600');
      expect(modes).toContain('state.json 600');
      expect(modes.filter((m) => m.startsWith('journal/')).length).toBeGreaterThan(2);
      expect(shared(modes)).toEqual([]);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    } finally {
      await store.close();
    }
    expect(shared(modesUnder(dir))).toEqual([]);
  });

  it('in a directory that already exists, its mode is left as it is and what the store writes is still 0600', async () => {
    const dir = join(root, 'existing');
    mkdirSync(dir, { mode: 0o755 });
    const store = await writtenStore(dir);
    await store.close();
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    const modes = modesUnder(dir);
    expect(modes).toContain('journal 700');
    expect(shared(modes)).toEqual([]);
  });
});
