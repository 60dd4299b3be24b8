import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../../core/index.js';
import { conversation, customer, message } from './store-contract.js';
import { tempDir } from './temp-dir.js';

describe('a checkpoint written while messages keep coming', () => {
  it('holds history and channel message ids up to its journal position only: after a crash every message is there once, in order', async () => {
    const dir = join(tempDir(), 'data');
    // A checkpoint after every few KB: they are being written nearly all the time while messages come in.
    const store = new EmbeddedStore(dir, { checkpointBytes: 4_000, fsync: false });
    await store.open();
    const cases = 40;
    const rounds = 12;
    for (let c = 0; c < cases; c++) {
      await store.commit({
        customers: [customer(`cus_${c}`)],
        conversations: [conversation(`cnv_${c}`, `cus_${c}`)],
        messages: [message(`m${c}_0`, `cnv_${c}`, { channelMessageId: `tg${c}_0` })],
      });
    }
    // New cases start while the rounds run too: their first message may come after a checkpoint's capture.
    const commits: Promise<unknown>[] = [];
    for (let r = 1; r <= rounds; r++) {
      for (let c = 0; c < cases; c++) {
        const m = message(`m${c}_${r}`, `cnv_${c}`, { text: `round ${r}`, channelMessageId: `tg${c}_${r}` });
        commits.push(store.commit({ messages: [m] }));
      }
      commits.push(
        store.commit({
          customers: [customer(`cus_late${r}`)],
          conversations: [conversation(`cnv_late${r}`, `cus_late${r}`)],
          messages: [message(`ml${r}_a`, `cnv_late${r}`), message(`ml${r}_b`, `cnv_late${r}`)],
        }),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(commits);
    // What a kill -9 now would leave (a checkpoint may be half written: its temp file is never read).
    const crashed = join(tempDir(), 'crashed');
    cpSync(dir, crashed, { recursive: true, filter: (f) => !f.endsWith('LOCK') });
    expect(existsSync(join(crashed, 'state.json'))).toBe(true);
    await store.close();

    const after = new EmbeddedStore(crashed);
    await after.open();
    for (let c = 0; c < cases; c++) {
      const ids = (await after.listMessages(`cnv_${c}`)).map((m) => m.id);
      expect(ids).toEqual(Array.from({ length: rounds + 1 }, (_, r) => `m${c}_${r}`));
      // The redelivery guard knows each of them too, from the checkpoint or from the journal after it.
      for (let r = 0; r <= rounds; r++) {
        expect(await after.findMessageIdByChannelId('telegram', `tg${c}_${r}`)).toBe(`m${c}_${r}`);
      }
    }
    for (let r = 1; r <= rounds; r++) {
      expect((await after.listMessages(`cnv_late${r}`)).map((m) => m.id)).toEqual([`ml${r}_a`, `ml${r}_b`]);
    }
    await after.close();
  });
});

describe('EmbeddedStore.checkpoint()', () => {
  it('folds the journal into state.json now; a closed store refuses it with E_STORE_CLOSED', async () => {
    const dir = join(tempDir(), 'data');
    const store = new EmbeddedStore(dir, { fsync: false });
    await store.open();
    await store.commit({
      customers: [customer('cus_1')],
      conversations: [conversation('cnv_1', 'cus_1')],
      messages: [message('m1', 'cnv_1', { channelMessageId: 'tg1' })],
    });
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
    await store.checkpoint();
    const state = readFileSync(join(dir, 'state.json'), 'utf8');
    expect(state).toContain('"cnv_1"');
    expect(JSON.parse(state.slice(0, state.indexOf('\n'))).body.journalPosition).toBeGreaterThan(0);
    await store.close();
    await expect(store.checkpoint()).rejects.toMatchObject({ code: 'E_STORE_CLOSED' });
  });
});
