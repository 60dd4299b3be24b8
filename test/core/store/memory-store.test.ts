import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../core/index.js';
import { DEDUPE_WINDOW, DELIVERED_OUTBOX_WINDOW, RECENT_RESOLVED_INDEX } from '../../../core/store/state.js';
import { conversation, describeStoreContract, message, outbox } from './store-contract.js';

describeStoreContract('memory', {
  async create() {
    const store = new MemoryStore();
    await store.open();
    return store;
  },
});

describe('redelivery window', () => {
  it('remembers the newest channel message ids and forgets the oldest beyond the window', async () => {
    const store = new MemoryStore();
    await store.open();
    const total = DEDUPE_WINDOW + 10;
    const batch = 5_000;
    for (let i = 0; i < total; i += batch) {
      await store.commit({
        messages: Array.from({ length: Math.min(batch, total - i) }, (_, k) =>
          message(`m${i + k}`, 'cnv_1', { channelMessageId: `u${i + k}` }),
        ),
      });
    }
    expect(await store.findMessageIdByChannelId('telegram', 'u0')).toBeUndefined();
    expect(await store.findMessageIdByChannelId('telegram', 'u9')).toBeUndefined();
    expect(await store.findMessageIdByChannelId('telegram', 'u10')).toBe('m10');
    expect(await store.findMessageIdByChannelId('telegram', `u${total - 1}`)).toBe(`m${total - 1}`);
  });
});

describe('delivered outbox window', () => {
  it('keeps the newest delivered entries for lookups and forgets the oldest beyond the window', async () => {
    const store = new MemoryStore();
    await store.open();
    const total = 2 * DELIVERED_OUTBOX_WINDOW + 10;
    const batch = 5_000;
    for (let i = 0; i < total; i += batch) {
      await store.commit({
        outbox: Array.from({ length: Math.min(batch, total - i) }, (_, k) =>
          outbox(`o${i + k}`, { status: 'delivered', attempts: 1 }),
        ),
      });
    }
    // A pending one is never evicted by deliveries.
    await store.commit({ outbox: [outbox('pending', {})] });
    const firstKept = total - DELIVERED_OUTBOX_WINDOW;
    expect(await store.getOutboxEntry(`o${firstKept - 1}`)).toBeUndefined();
    expect(await store.getOutboxEntry('o0')).toBeUndefined();
    expect((await store.getOutboxEntry(`o${firstKept}`))?.status).toBe('delivered');
    expect((await store.getOutboxEntry(`o${total - 1}`))?.status).toBe('delivered');
    expect((await store.getOutboxEntry('pending'))?.status).toBe('pending');
    expect(await store.listOutbox({ status: 'delivered' })).toHaveLength(DELIVERED_OUTBOX_WINDOW);
  });
});

describe('newest resolved conversations', () => {
  it('lists the same newest ones from its index as a full sort would, as cases resolve, get answers and reopen', async () => {
    const store = new MemoryStore();
    await store.open();
    const at = (s: number): string => new Date(Date.UTC(2026, 0, 5, 9, 0, 0) + s * 1000).toISOString();
    const n = RECENT_RESOLVED_INDEX + 100;
    const newest = async (limit: number): Promise<string[]> =>
      (await store.listConversations({ modes: ['resolved'], limit })).map((c) => c.id);
    const bySort = async (limit: number): Promise<string[]> =>
      (await store.listConversations({ modes: ['resolved'] })).slice(0, limit).map((c) => c.id);
    const check = async (): Promise<void> => {
      for (const limit of [1, 50, RECENT_RESOLVED_INDEX]) expect(await newest(limit)).toEqual(await bySort(limit));
    };
    // Open, then resolved in a shuffled order of activity (some at the same moment).
    const order = Array.from({ length: n }, (_, i) => (i * 37) % n);
    await store.commit({
      conversations: order.map((i) => conversation(`cnv_${i}`, `cus_${i}`, { lastMessageAt: at(i) })),
    });
    expect(await newest(5)).toEqual([]);
    for (const i of order) {
      await store.commit({
        conversations: [conversation(`cnv_${i}`, `cus_${i}`, { mode: 'resolved', lastMessageAt: at(i - (i % 3)) })],
      });
    }
    await check();
    // A survey answer moves an old one to the top; the newest ones reopen (leaving the top); one more resolves.
    await store.commit({
      conversations: [conversation('cnv_3', 'cus_3', { mode: 'resolved', lastMessageAt: at(n + 5) })],
    });
    await check();
    expect((await newest(1))[0]).toBe('cnv_3');
    for (const i of [n - 1, n - 2, n - 4]) {
      await store.commit({
        conversations: [conversation(`cnv_${i}`, `cus_${i}`, { mode: 'bot', lastMessageAt: at(n + 6) })],
      });
      await check();
    }
    await store.commit({
      conversations: [conversation('cnv_x', 'cus_x', { mode: 'resolved', lastMessageAt: at(n + 7) })],
    });
    await check();
    expect(await newest(2)).toEqual(['cnv_x', 'cnv_3']);
  });
});
