import { appendFileSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../../core/index.js';
import { conversation, customer, message } from './store-contract.js';
import { tempDir } from './temp-dir.js';

const root = tempDir();
let n = 0;

/** A data directory with a few committed batches and a checkpoint, closed. */
async function dataDir(options = {}): Promise<string> {
  const dir = join(root, `d${++n}`);
  const store = new EmbeddedStore(dir, options);
  await store.open();
  await store.commit({ customers: [customer('cus_1')], conversations: [conversation('cnv_1', 'cus_1')] });
  for (let i = 0; i < 5; i++) await store.commit({ messages: [message(`m${i}`, 'cnv_1')] });
  await store.close();
  return dir;
}

const segments = (dir: string): string[] => readdirSync(join(dir, 'journal')).map((f) => join(dir, 'journal', f));

describe('the embedded store on damaged files', () => {
  it('refuses a corrupt state.json, names it, and leaves it byte for byte', async () => {
    const dir = await dataDir();
    const file = join(dir, 'state.json');
    const original = readFileSync(file);
    const damaged = Buffer.from(original);
    damaged[Math.floor(damaged.length / 2)] = 0x21;
    writeFileSync(file, damaged);
    const store = new EmbeddedStore(dir);
    await expect(store.open()).rejects.toMatchObject({
      code: 'E_STORE_CORRUPT',
      message: expect.stringContaining(file),
    });
    expect(readFileSync(file).equals(damaged)).toBe(true);
    // The lock is released: fixing the file is all it takes to start again.
    writeFileSync(file, original);
    await store.open();
    expect(await store.countMessages()).toBe(5);
    await store.close();
  });

  it('refuses a journal line damaged in the middle of a segment, naming the segment', async () => {
    const dir = await dataDir({ checkpointBytes: 10_000_000 });
    const [segment] = segments(dir) as [string];
    const lines = readFileSync(segment, 'utf8').split('\n');
    lines[2] = `${lines[2]?.slice(0, 20)}#garbage`;
    const damaged = lines.join('\n');
    writeFileSync(segment, damaged);
    // Without the checkpoint, the whole journal is replayed from its start.
    unlinkSync(join(dir, 'state.json'));
    const store = new EmbeddedStore(dir);
    await expect(store.open()).rejects.toMatchObject({
      code: 'E_STORE_CORRUPT',
      message: expect.stringContaining(segment),
    });
    expect(readFileSync(segment, 'utf8')).toBe(damaged);
  });

  it('a journal line cut short by a crash is dropped: it was never acknowledged', async () => {
    const dir = await dataDir();
    const segment = segments(dir).at(-1) as string;
    appendFileSync(segment, '{"messages":[{"id":"half-writ');
    const store = new EmbeddedStore(dir);
    await store.open();
    expect(await store.countMessages()).toBe(5);
    await store.commit({ messages: [message('m5', 'cnv_1')] });
    await store.close();
    const again = new EmbeddedStore(dir);
    await again.open();
    expect((await again.listMessages('cnv_1')).map((m) => m.id)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
    await again.close();
  });

  it('refuses data written by another schema version', async () => {
    const dir = await dataDir();
    const file = join(dir, 'state.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"schemaVersion":1', '"schemaVersion":7'));
    await expect(new EmbeddedStore(dir).open()).rejects.toMatchObject({ code: 'E_STORE_VERSION' });
  });

  it('refuses a state.json whose journal has gone missing', async () => {
    const dir = await dataDir({ segmentBytes: 300 });
    for (const s of segments(dir)) writeFileSync(s, '');
    await expect(new EmbeddedStore(dir).open()).rejects.toMatchObject({ code: 'E_STORE_CORRUPT' });
  });
});
