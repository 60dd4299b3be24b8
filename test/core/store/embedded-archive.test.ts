import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
