import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../../core/index.js';
import { conversation, customer, message } from './store-contract.js';
import { tempDir } from './temp-dir.js';

const root = tempDir();
let n = 0;
const at = (i: number): string => new Date(Date.UTC(2026, 0, 5, 9, 0, i)).toISOString();

/** 30 customers with one resolved case each ("cnv_0" newest), in a closed data directory. */
async function archiveDir(options = {}): Promise<string> {
  const dir = join(root, `a${++n}`);
  const store = new EmbeddedStore(dir, options);
  await store.open();
  for (let i = 0; i < 30; i++) {
    await store.commit({
      customers: [customer(`cus_${i}`)],
      conversations: [
        conversation(`cnv_${i}`, `cus_${i}`, { mode: 'resolved', lastMessageAt: at(100 - i), flowState: `case ${i}` }),
      ],
      messages: [message(`m${i}`, `cnv_${i}`)],
    });
  }
  await store.close();
  return dir;
}

describe('the embedded store’s archive of resolved conversations', () => {
  it('reads archived cases from state.json through later checkpoints, reopens and restarts', async () => {
    const dir = await archiveDir();
    const options = { checkpointBytes: 3_000, segmentBytes: 8_000 };
    let store = new EmbeddedStore(dir, options);
    await store.open();
    const before = readFileSync(join(dir, 'state.json'));
    // Each round of new cases writes checkpoints, each moving the archive to a new state.json.
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 5; i++) {
        await store.commit({
          customers: [customer(`cus_new${round}_${i}`)],
          conversations: [conversation(`cnv_new${round}_${i}`, `cus_new${round}_${i}`)],
          messages: [message(`mn${round}_${i}`, `cnv_new${round}_${i}`, { text: 'x'.repeat(200) })],
        });
      }
      expect((await store.getConversation(`cnv_${round * 3}`))?.flowState).toBe(`case ${round * 3}`);
      expect((await store.listConversations({ customerId: `cus_${round}` })).map((c) => c.id)).toEqual([
        `cnv_${round}`,
      ]);
    }
    expect(readFileSync(join(dir, 'state.json')).equals(before)).toBe(false);
    // A reopened case leaves the archive; the others stay readable.
    await store.commit({ conversations: [conversation('cnv_7', 'cus_7', { mode: 'bot', flowState: 'again' })] });
    for (let i = 0; i < 10; i++)
      await store.commit({ messages: [message(`mx${i}`, 'cnv_7', { text: 'y'.repeat(300) })] });
    const newest = await store.listConversations({ modes: ['resolved'], limit: 3 });
    expect(newest.map((c) => c.id)).toEqual(['cnv_0', 'cnv_1', 'cnv_2']);
    await store.close();

    store = new EmbeddedStore(dir, options);
    await store.open();
    expect(await store.countConversations()).toBe(60);
    expect((await store.getConversation('cnv_7'))?.flowState).toBe('again');
    const resolved = await store.listConversations({ modes: ['resolved'] });
    expect(resolved.map((c) => c.id).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `cnv_${i}`)
        .filter((id) => id !== 'cnv_7')
        .sort(),
    );
    for (const c of resolved) expect(c.flowState).toBe(`case ${c.id.slice(4)}`);
    await store.close();
  });

  it('refuses a state.json whose archive was cut short, naming the file', async () => {
    const dir = await archiveDir();
    const file = join(dir, 'state.json');
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, whole.length - 40));
    const store = new EmbeddedStore(dir);
    await expect(store.open()).rejects.toMatchObject({
      code: 'E_STORE_CORRUPT',
      message: expect.stringContaining(file),
    });
    writeFileSync(file, whole);
    await store.open();
    expect((await store.getConversation('cnv_29'))?.flowState).toBe('case 29');
    await store.close();
  });
});

describe('the embedded store’s event index', () => {
  it('opens a data directory of schema version 2 (every event indexed) and pages its events, then writes version 3', async () => {
    const dir = join(root, `v2-${++n}`);
    cpSync(fileURLToPath(new URL('./fixtures/v2-data', import.meta.url)), dir, { recursive: true });
    expect(readFileSync(join(dir, 'state.json'), 'latin1')).toMatch(/^\{"caredesk":"state","schemaVersion":2,/);
    const numbers = (events: readonly { data: Record<string, unknown> }[]) => events.map((e) => e.data.n);
    const pages = async (store: EmbeddedStore, total: number) => {
      expect(await store.lastEventSeq()).toBe(total);
      expect(numbers(await store.listEvents(0, 1000))).toEqual(Array.from({ length: total }, (_, i) => i));
      for (const after of [0, 63, 64, 65, 200, 470]) {
        expect(numbers(await store.listEvents(after, 5))).toEqual(
          Array.from({ length: Math.min(5, total - after) }, (_, i) => after + i),
        );
      }
    };
    const options = { checkpointBytes: 2_000, segmentBytes: 30_000 };
    let store = new EmbeddedStore(dir, options);
    await store.open();
    await pages(store, 477);
    // Written on: the next checkpoint is in the current layout.
    for (let i = 477; i < 490; i++)
      await store.commit({ events: [{ type: 'test.counted', at: at(0), data: { n: i } }] });
    await pages(store, 490);
    await store.close();
    expect(readFileSync(join(dir, 'state.json'), 'latin1')).toMatch(/^\{"caredesk":"state","schemaVersion":3,/);
    store = new EmbeddedStore(dir, options);
    await store.open();
    await pages(store, 490);
    await store.close();
  });

  it('pages events from any seq across segments and checkpoints, before and after a restart', async () => {
    const dir = join(root, `ev-${++n}`);
    const options = { checkpointBytes: 3_000, segmentBytes: 5_000 };
    let store = new EmbeddedStore(dir, options);
    await store.open();
    let count = 0;
    for (let c = 0; c < 400; c++) {
      const events = Array.from({ length: 1 + (c % 5) }, () => ({
        type: 'test.counted',
        at: at(0),
        data: { n: count++ },
      }));
      await store.commit({ events });
    }
    const check = async (s: EmbeddedStore) => {
      for (const after of [0, 1, 63, 64, 127, 128, 500, count - 3]) {
        const page = await s.listEvents(after, 70);
        expect(page.map((e) => e.seq)).toEqual(
          Array.from({ length: Math.min(70, count - after) }, (_, i) => after + 1 + i),
        );
        expect(page.map((e) => e.data.n)).toEqual(page.map((e) => e.seq - 1));
      }
    };
    await check(store);
    await store.close();
    store = new EmbeddedStore(dir, options);
    await store.open();
    await check(store);
    await store.close();
  });
});
