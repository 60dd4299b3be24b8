import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
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
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"schemaVersion":\d+/, '"schemaVersion":7'));
    await expect(new EmbeddedStore(dir).open()).rejects.toMatchObject({ code: 'E_STORE_VERSION' });
  });

  it('refuses a state.json whose journal has gone missing', async () => {
    const dir = await dataDir({ segmentBytes: 300 });
    for (const s of segments(dir)) writeFileSync(s, '');
    await expect(new EmbeddedStore(dir).open()).rejects.toMatchObject({ code: 'E_STORE_CORRUPT' });
  });

  it('opens a data directory written in the previous layout (schema version 1) and rewrites it in the current one', async () => {
    const dir = join(root, `d${++n}`);
    mkdirSync(dir, { recursive: true });
    const resolved = conversation('cnv_old', 'cus_1', { mode: 'resolved' });
    const body = Buffer.from(
      JSON.stringify({
        savedAt: '2026-01-01T00:00:00.000Z',
        journalPosition: 0,
        state: {
          customers: [customer('cus_1')],
          conversations: [conversation('cnv_1', 'cus_1')],
          outbox: [],
          agents: [],
          records: { links: { a: { code: 1 } } },
          dedupe: ['telegram\u0000tg-7', 'm7'],
          lastSeq: 0,
          messageCount: 1,
        },
        messagePositions: {},
        eventPositions: '',
        eventPositionsLast: 0,
        snapshotPositions: {},
      }),
    );
    const archive = Buffer.from(`cnv_old\tcus_1\t${JSON.stringify(resolved)}`);
    const sha = createHash('sha256').update(body).update('\n').update(archive).digest('hex');
    const header = `{"caredesk":"state","schemaVersion":1,"sha256":"${sha}","body":`;
    writeFileSync(join(dir, 'state.json'), Buffer.concat([Buffer.from(header), body, Buffer.from('}\n'), archive]));
    for (let round = 0; round < 2; round++) {
      const store = new EmbeddedStore(dir);
      await store.open();
      expect(await store.getCustomer('cus_1')).toEqual(customer('cus_1'));
      expect((await store.findOpenConversation('cus_1'))?.id).toBe('cnv_1');
      expect(await store.getConversation('cnv_old')).toEqual(resolved);
      expect(await store.findMessageIdByChannelId('telegram', 'tg-7')).toBe('m7');
      expect(await store.getRecord('links', 'a')).toEqual({ code: 1 });
      // A write, so that close() writes a checkpoint: the second round reads the current layout.
      await store.commit({ messages: [message('m8', 'cnv_1')] });
      await store.close();
    }
    expect(readFileSync(join(dir, 'state.json'), 'latin1')).toMatch(/^\{"caredesk":"state","schemaVersion":3,/);
  });
});
