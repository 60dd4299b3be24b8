/**
 * Several desks on one PostgreSQL database, in one test process, each with
 * its own store and coordinator as separate `caredesk serve` processes would
 * have: key locks that hold across them, the duties held by one at a time and
 * handed on when it goes, other processes' events on each bus, and a flow
 * stepped by turns on two desks that never goes back to a stale snapshot.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { type CoordinationEvents, Desk, type DomainEvent, EventFollower, FlowEngine } from '../../../core/index.js';
import { type PostgresCoordinator, PostgresStore } from '../../../core/store/postgres/index.js';
import { defineFlow, flowTypes } from '../../../flows/kit/define.js';
import { reply } from '../../../flows/kit/effects.js';
import { FlowRegistry } from '../../../flows/registry.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';

let db: TestDatabase;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
});
afterAll(async () => {
  await db.drop();
});

async function openStore(): Promise<PostgresStore> {
  const store = new PostgresStore(db.url, { poolSize: 4 });
  await store.open();
  closers.push(() => store.close());
  return store;
}

async function coordinator(store: PostgresStore, name: string): Promise<PostgresCoordinator> {
  const c = store.coordinator({ processName: name });
  closers.push(() => c.close());
  return c;
}

/** Counts the customer's messages in its context: a desk stepping from a stale snapshot would count one again. */
const counting = defineFlow({
  name: 'counting',
  description: 'answers each message with how many it has had',
  machine: setup({ types: flowTypes<{ n: number }>() }).createMachine({
    context: { n: 0 },
    initial: 'counting',
    states: {
      counting: {
        on: {
          'customer.message': {
            actions: [assign({ n: ({ context }) => context.n + 1 }), reply(({ context }) => `#${context.n}`)],
          },
        },
      },
    },
  }),
});

async function desk(
  name: string,
  events: CoordinationEvents = {},
): Promise<{ desk: Desk; coordinator: PostgresCoordinator; store: PostgresStore }> {
  const store = await openStore();
  const c = await coordinator(store, name);
  await c.start(events);
  const registry = new FlowRegistry('counting').register(counting);
  let engine!: FlowEngine;
  const d = new Desk({
    store,
    locks: c,
    flowFor: registry.flowFor,
    engine: (x) => (engine = new FlowEngine(x, { flows: registry, sharedStore: true, holdsTimers: false })),
  });
  await engine.start();
  closers.push(() => engine.stop());
  return { desk: d, coordinator: c, store };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function within<T>(ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await sleep(25);
  }
}

/** `store`, with every read of events it answers kept in `read` (and counted). */
function watchingEventReads(watched: PostgresStore): {
  store: PostgresStore;
  read: DomainEvent[];
  reads: { count: number };
} {
  const read: DomainEvent[] = [];
  const reads = { count: 0 };
  const store = new Proxy(watched, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'listEvents' && key !== 'listEventsIn')
        return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        reads.count += 1;
        const events = (await (value as (...a: unknown[]) => Promise<DomainEvent[]>).apply(target, args)) ?? [];
        read.push(...events);
        return events;
      };
    },
  });
  return { store, read, reads };
}

describe('several desks on one PostgreSQL database', () => {
  it('hold a key for one task at a time across processes, and other keys at once', async () => {
    const [a, b] = [await coordinator(await openStore(), 'a'), await coordinator(await openStore(), 'b')];
    await a.start({});
    await b.start({});
    let inside = 0;
    let most = 0;
    const order: string[] = [];
    const task = (who: string) => async () => {
      inside += 1;
      most = Math.max(most, inside);
      await sleep(5);
      order.push(who);
      inside -= 1;
    };
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).run('customer:1', task(`${i}`))));
    expect(most).toBe(1);
    expect(order).toHaveLength(20);
    // Different keys do not wait for each other.
    let together = 0;
    let peak = 0;
    await Promise.all(
      ['x', 'y', 'z'].map((k, i) =>
        (i % 2 ? a : b).run(`customer:${k}`, async () => {
          together += 1;
          peak = Math.max(peak, together);
          await sleep(50);
          together -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it('give the duties to one process; when it stops or its connection dies, another takes them', async () => {
    const taken: string[] = [];
    const lost: string[] = [];
    const make = async (name: string) => {
      const c = await coordinator(await openStore(), name);
      await c.start({ dutiesTaken: () => taken.push(name), dutiesLost: () => lost.push(name) });
      c.seekDuties();
      return c;
    };
    const a = await make('a');
    await within(3_000, async () => (taken.length > 0 ? true : undefined));
    const b = await make('b');
    const c = await make('c');
    await sleep(1_500);
    expect(taken).toEqual(['a']);
    expect([a, b, c].filter((x) => x.hasDuties)).toHaveLength(1);
    expect((await a.processes()).filter((n) => ['a', 'b', 'c'].includes(n))).toEqual(['a', 'b', 'c']);

    await a.close();
    await within(3_000, async () => (taken.length === 2 ? true : undefined));
    expect(lost).toEqual(['a']);
    const second = taken[1] === 'b' ? b : c;
    expect(second.hasDuties).toBe(true);

    // The holder's connection is killed on the server, as when its process dies: the duties move on.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [
        `caredesk:${taken[1]}`,
      ]);
    } finally {
      await admin.end();
    }
    await within(5_000, async () => (taken.length === 3 ? true : undefined));
    expect(lost).toEqual(['a', taken[1]]);
    expect([b, c].filter((x) => x.hasDuties)).toHaveLength(1);
  });

  it('publish the events another process commits on this one’s bus, marked as theirs, once each, reading back none of its own', async () => {
    const one = await desk('one');
    let follower: EventFollower | undefined;
    // As the server does: every commit's announcement goes to the follower.
    const two = await desk('two', { commit: (news) => follower?.heard(news) });
    // What the follower reads from the store.
    const { store, read } = watchingEventReads(two.store);
    const following = new EventFollower({ store, bus: two.desk.bus, logger: two.desk.logger });
    await following.start();
    follower = following;
    closers.push(async () => following.stop());
    const elsewhere: DomainEvent[] = [];
    const here: DomainEvent[] = [];
    two.desk.bus.subscribe((e) => elsewhere.push(e), undefined, { elsewhereToo: true });
    two.desk.bus.subscribe((e) => here.push(e));

    for (let i = 1; i <= 3; i++) {
      await one.desk.receive({ channel: 'telegram', externalUserId: 'f1', channelMessageId: `f1-${i}`, text: 'hi' });
      await two.desk.receive({ channel: 'telegram', externalUserId: 'f2', channelMessageId: `f2-${i}`, text: 'hi' });
    }
    await one.desk.idle();
    await two.desk.idle();
    // The follower has dealt with every event committed (a second copy would have come by then).
    const last = await one.store.lastEventSeq();
    await within(10_000, async () => (following.position >= last ? true : undefined));
    const received = elsewhere.filter((e) => e.type === 'message.received');
    // Two's own reached the handler that takes only this process's; one's reached the other, each once.
    const own = here.filter((e) => e.type === 'message.received');
    expect(own).toHaveLength(3);
    expect(received).toHaveLength(6);
    const ownSeqs = new Set(here.map((e) => e.seq));
    const theirs = received.filter((e) => !ownSeqs.has(e.seq));
    expect(theirs).toHaveLength(3);
    expect(new Set(theirs.map((e) => e.customerId)).size).toBe(1);
    expect(theirs[0]?.customerId).not.toBe(own[0]?.customerId);
    // The follower read the other process's events, and none of its own.
    expect(read.length).toBeGreaterThan(0);
    expect(read.filter((e) => ownSeqs.has(e.seq))).toEqual([]);
  });

  it('read of the other processes’ events only the types some handler here takes, and nothing when none does', async () => {
    const one = await desk('one');
    let follower: EventFollower | undefined;
    const two = await desk('two', { commit: (news) => follower?.heard(news) });
    const { store, read, reads } = watchingEventReads(two.store);
    const following = new EventFollower({ store, bus: two.desk.bus, logger: two.desk.logger, minGapMs: 0 });
    await following.start();
    follower = following;
    closers.push(async () => following.stop());
    // Nobody here takes other processes' events: their numbers are passed over without a read.
    await one.desk.receive({ channel: 'telegram', externalUserId: 't1', channelMessageId: 't1-1', text: 'hi' });
    const last = await one.store.lastEventSeq();
    await within(10_000, async () => (following.position >= last ? true : undefined));
    expect(reads.count).toBe(0);
    // A handler of one type: only that type is read, and it gets it.
    const opened: DomainEvent[] = [];
    two.desk.bus.subscribe((e) => opened.push(e), undefined, { elsewhereToo: true, types: ['conversation.opened'] });
    await one.desk.receive({ channel: 'telegram', externalUserId: 't2', channelMessageId: 't2-1', text: 'hi' });
    await within(10_000, async () => (opened.length === 1 ? true : undefined));
    expect(read.length).toBeGreaterThan(0);
    expect(new Set(read.map((e) => e.type))).toEqual(new Set(['conversation.opened']));
    expect(opened[0]?.customerId).toBe((await one.store.findCustomerByIdentity('telegram', 't2'))?.id);
  });

  it('step one customer’s flow by turns on two desks, at once, without going back to a stale snapshot', async () => {
    const one = await desk('one');
    const two = await desk('two');
    const say = (d: Desk, i: number) =>
      d.receive({ channel: 'telegram', externalUserId: 'turns', channelMessageId: `turns-${i}`, text: `m${i}` });
    // One at a time first: each desk keeps its actor live between its turns.
    for (let i = 1; i <= 6; i++) await say(i % 2 ? one.desk : two.desk, i);
    // Then all at once, on both.
    await Promise.all(Array.from({ length: 14 }, (_, k) => say(k % 2 ? one.desk : two.desk, 7 + k)));
    await one.desk.idle();
    await two.desk.idle();
    const customer = await one.store.findCustomerByIdentity('telegram', 'turns');
    const [conversation] = await one.store.listConversations({ customerId: customer?.id });
    const messages = await one.store.listMessages(conversation?.id ?? '');
    expect(messages.filter((m) => m.author === 'customer')).toHaveLength(20);
    // Every answer follows its own message: #1 … #20, each once, in the order stored.
    expect(messages.filter((m) => m.author === 'bot').map((m) => m.text)).toEqual(
      Array.from({ length: 20 }, (_, i) => `#${i + 1}`),
    );
  });

  it('take a customer’s first messages on two desks at once as one customer, each message once', async () => {
    const one = await desk('one');
    const two = await desk('two');
    // The same update delivered to both (a webhook retried to another process), and others of the same new customer.
    const sends = [];
    for (let i = 0; i < 6; i++) {
      const update = { channel: 'telegram', externalUserId: 'new', channelMessageId: `new-${i}`, text: `q${i}` };
      sends.push(one.desk.receive(update), two.desk.receive(update));
    }
    const results = await Promise.all(sends);
    expect(results.filter((r) => r.status === 'stored')).toHaveLength(6);
    expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(6);
    const customer = await one.store.findCustomerByIdentity('telegram', 'new');
    const conversations = await one.store.listConversations({ customerId: customer?.id });
    expect(conversations).toHaveLength(1);
    const texts = (await one.store.listMessages(conversations[0]?.id ?? ''))
      .filter((m) => m.author === 'customer')
      .map((m) => m.text);
    expect(texts.sort()).toEqual(['q0', 'q1', 'q2', 'q3', 'q4', 'q5']);
  });
});
