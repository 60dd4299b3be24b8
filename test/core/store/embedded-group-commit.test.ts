import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedStore } from '../../../core/index.js';
import { Journal } from '../../../core/store/embedded/journal.js';
import { conversation, customer, message } from './store-contract.js';
import { tempDir } from './temp-dir.js';

async function openStore(dir: string): Promise<EmbeddedStore> {
  const store = new EmbeddedStore(dir);
  await store.open();
  await store.commit({ customers: [customer('cus_1')], conversations: [conversation('cnv_1', 'cus_1')] });
  return store;
}

async function messageIds(dir: string): Promise<string[]> {
  const store = new EmbeddedStore(dir);
  await store.open();
  const ids = (await store.listMessages('cnv_1')).map((m) => m.id);
  await store.close();
  return ids;
}

/** Resolves true if the promise settled within `ms`, false if it is still pending then. */
const settledWithin = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a commit that may wait for company (CommitOptions.within)', () => {
  it('shares the durable write of the next commit that cannot wait, and resolves only then', async () => {
    const dir = join(tempDir(), 'data');
    const store = await openStore(dir);
    const appends = vi.spyOn(Journal.prototype, 'append');
    const waiting = store.commit({ messages: [message('m_record', 'cnv_1')] }, { within: 60_000 });
    // Nothing else came: it is not written yet, so not acknowledged either.
    expect(await settledWithin(waiting, 100)).toBe(false);
    expect(appends).not.toHaveBeenCalled();
    const urgent = store.commit({ messages: [message('m_customer', 'cnv_1')] });
    await Promise.all([waiting, urgent]);
    expect(appends).toHaveBeenCalledTimes(1);
    expect(appends.mock.calls[0]?.[0]).toHaveLength(2);
    await store.close();
    expect(await messageIds(dir)).toEqual(['m_record', 'm_customer']);
  });

  it('is written on its own once its time is up', async () => {
    const dir = join(tempDir(), 'data');
    const store = await openStore(dir);
    const appends = vi.spyOn(Journal.prototype, 'append');
    const first = store.commit({ messages: [message('m1', 'cnv_1')] }, { within: 150 });
    const second = store.commit({ messages: [message('m2', 'cnv_1')] }, { within: 5_000 });
    // The earliest deadline counts: both go in the write at 150 ms.
    expect(await settledWithin(Promise.all([first, second]), 3_000)).toBe(true);
    expect(appends).toHaveBeenCalledTimes(1);
    await store.close();
    expect(await messageIds(dir)).toEqual(['m1', 'm2']);
  });

  it('is written at once when the store closes, not when its time is up', async () => {
    const dir = join(tempDir(), 'data');
    const store = await openStore(dir);
    const waiting = store.commit({ messages: [message('m1', 'cnv_1')] }, { within: 600_000 });
    // A close that waited for the deadline would run past the test's timeout.
    await store.close();
    expect(await settledWithin(waiting, 0)).toBe(true);
    expect(await messageIds(dir)).toEqual(['m1']);
  });

  it("waits for company with a deadline past setTimeout's longest delay too, instead of being written at once", async () => {
    const dir = join(tempDir(), 'data');
    const store = await openStore(dir);
    const waiting = store.commit({ messages: [message('m1', 'cnv_1')] }, { within: Number.POSITIVE_INFINITY });
    expect(await settledWithin(waiting, 100)).toBe(false);
    await store.close();
    expect(await settledWithin(waiting, 0)).toBe(true);
    expect(await messageIds(dir)).toEqual(['m1']);
  });

  it('waits again after a write that was under way when it came', async () => {
    const dir = join(tempDir(), 'data');
    const store = await openStore(dir);
    const appends = vi.spyOn(Journal.prototype, 'append');
    const urgent = store.commit({ messages: [message('m1', 'cnv_1')] });
    // Queued behind the write of m1 (started in the next turn), then left to wait for company.
    await new Promise((r) => setImmediate(r));
    const waiting = store.commit({ messages: [message('m2', 'cnv_1')] }, { within: 60_000 });
    await urgent;
    expect(await settledWithin(waiting, 100)).toBe(false);
    expect(appends).toHaveBeenCalledTimes(1);
    await store.commit({ messages: [message('m3', 'cnv_1')] });
    expect(await settledWithin(waiting, 0)).toBe(true);
    expect(appends).toHaveBeenCalledTimes(2);
    await store.close();
    expect(await messageIds(dir)).toEqual(['m1', 'm2', 'm3']);
  });
});
