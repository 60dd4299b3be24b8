import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DomainEvent, EmbeddedStore, EventBus, MemoryStore, type NewEvent } from '../../../core/index.js';
import { EventFeed } from '../../../server/admin/index.js';
import { tempDir } from '../../core/store/temp-dir.js';

const fact = (i: number): NewEvent => ({ type: 'test.happened', at: new Date(0).toISOString(), data: { i } });

async function until(probe: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function fixture(history: number) {
  const store = new MemoryStore();
  await store.open();
  const bus = new EventBus();
  if (history > 0) await store.commit({ events: Array.from({ length: history }, (_, i) => fact(i)) });
  const got: number[] = [];
  const errors: unknown[] = [];
  return { store, bus, got, errors };
}

describe('EventFeed', () => {
  it('replays from the position, then goes live, in seq order with no gap and no repeat', async () => {
    const { store, bus, got, errors } = await fixture(25);
    const feed = new EventFeed({
      store,
      bus,
      after: 10,
      pageSize: 4,
      send: async (e) => {
        got.push(e.seq);
      },
      onError: (err) => errors.push(err),
    });
    feed.start();
    // Committed and published while the replay is under way.
    const live = await store.commit({ events: [fact(100), fact(101)] });
    bus.publish(live.events);
    await until(() => got.at(-1) === 27, 'catching up');
    expect(got).toEqual(Array.from({ length: 17 }, (_, i) => 11 + i));
    expect(errors).toEqual([]);
    feed.stop();
  });

  it('events published out of order are delivered in order; a hole is filled from the store', async () => {
    const { store, bus, got, errors } = await fixture(3);
    const feed = new EventFeed({
      store,
      bus,
      after: 3,
      send: async (e) => void got.push(e.seq),
      onError: (e) => errors.push(e),
    });
    feed.start();
    await until(() => !(feed as unknown as { running: boolean }).running, 'the replay');
    const a = await store.commit({ events: [fact(4)] });
    const b = await store.commit({ events: [fact(5)] });
    const c = await store.commit({ events: [fact(6)] });
    // The publisher of 4 is late: 6 and 5 arrive first.
    bus.publish(c.events);
    bus.publish(b.events);
    await until(() => got.length === 3, 'the three events');
    bus.publish(a.events);
    expect(got).toEqual([4, 5, 6]);
    feed.stop();
  });

  it('a slow reader whose buffer overflows catches up from the store', async () => {
    const { store, bus, got } = await fixture(0);
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const feed = new EventFeed({
      store,
      bus,
      after: 0,
      maxBuffered: 5,
      send: async (e: DomainEvent) => {
        got.push(e.seq);
        await gate;
      },
      onError: () => undefined,
    });
    feed.start();
    for (let i = 0; i < 40; i++) bus.publish((await store.commit({ events: [fact(i)] })).events);
    open();
    await until(() => got.length === 40, 'all forty');
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    feed.stop();
  });

  it('a store that fails stops the feed and reports it', async () => {
    const store = new EmbeddedStore(join(tempDir('caredesk-feed-'), 'data'), { fsync: false });
    await store.open();
    await store.commit({ events: [fact(1)] });
    await store.close();
    const errors: unknown[] = [];
    const feed = new EventFeed({
      store,
      bus: new EventBus(),
      after: 0,
      send: async () => undefined,
      onError: (e) => errors.push(e),
    });
    feed.start();
    await until(() => errors.length === 1, 'the error');
    expect(errors[0]).toMatchObject({ code: 'E_STORE_CLOSED' });
  });
});
