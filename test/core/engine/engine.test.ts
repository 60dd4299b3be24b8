import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { setup } from 'xstate';
import {
  type CommitResult,
  Desk,
  EmbeddedStore,
  FlowEngine,
  ManualClock,
  MemoryStore,
  type Store,
  StoreWriteError,
  type WriteBatch,
} from '../../../core/index.js';
import { CLOSE_AFTER_MS, REMIND_AFTER_MS, REMIND_STALE_AFTER_MS } from '../../../flows/care/flow.js';
import { defineFlow, flowTypes } from '../../../flows/kit/define.js';
import { reply } from '../../../flows/kit/effects.js';
import { defaultRegistry, FlowRegistry } from '../../../flows/registry.js';
import { tempDir } from '../store/temp-dir.js';

async function boot(
  store: Store,
  clock: ManualClock,
  registry = defaultRegistry(),
  timers: { autoTimers: boolean; overdueGraceMs?: number } = { autoTimers: false },
) {
  await store.open();
  let engine!: FlowEngine;
  const desk = new Desk({
    store,
    clock,
    flowFor: registry.flowFor,
    engine: (d) => (engine = new FlowEngine(d, { flows: registry, ...timers })),
  });
  await engine.start();
  return { desk, engine };
}

let n = 0;
async function say(desk: Desk, text: string, user = 'u1') {
  await desk.receive({ channel: 'telegram', externalUserId: user, channelMessageId: `m${++n}`, text });
  await desk.idle();
}

async function botTexts(desk: Desk, user = 'u1'): Promise<string[]> {
  const customer = await desk.store.findCustomerByIdentity('telegram', user);
  const [conversation] = await desk.store.listConversations({ customerId: customer?.id });
  return (await desk.store.listMessages(conversation?.id ?? '')).filter((m) => m.author === 'bot').map((m) => m.text);
}

async function shutDown({ desk, engine }: { desk: Desk; engine: FlowEngine }): Promise<void> {
  await engine.stop();
  await desk.store.close();
}

/**
 * Customers `users` ask a question the care flow answers, the server stops,
 * `downMs` pass, and it starts again on the same data directory.
 */
async function afterDowntime(users: readonly string[], downMs: number, timers?: Parameters<typeof boot>[3]) {
  const dir = join(tempDir(), 'data');
  const clock = new ManualClock('2026-01-05T10:00:00Z');
  const first = await boot(new EmbeddedStore(dir), clock);
  for (const user of users) await say(first.desk, 'my internet is slow', user);
  const asked = await botTexts(first.desk, users[0]);
  await shutDown(first);
  clock.advance(downMs);
  const second = await boot(new EmbeddedStore(dir), clock, defaultRegistry(), timers);
  return { ...second, clock, asked };
}

describe('the flow engine across a restart', () => {
  it('a conversation interrupted by a restart goes on where it was, and no reply is sent twice', async () => {
    const dir = join(tempDir(), 'data');
    const clock = new ManualClock('2026-01-05T10:00:00Z');
    const first = await boot(new EmbeddedStore(dir), clock);
    await say(first.desk, 'my internet is slow');
    const before = await botTexts(first.desk);
    expect(before.at(-1)).toMatch(/Did this solve your problem/);
    await shutDown(first);

    const second = await boot(new EmbeddedStore(dir), clock);
    await say(second.desk, 'yes');
    const after = await botTexts(second.desk);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).join('\n')).toMatch(/satisfied/);
    const outbox = await second.desk.store.listOutbox();
    expect(new Set(outbox.map((o) => o.messageId)).size).toBe(outbox.length);
    await shutDown(second);
  });

  it('a reminder due while the server was down is sent after the restart', async () => {
    const second = await afterDowntime(['u1'], REMIND_AFTER_MS + 1000);
    await second.engine.runDueTimers();
    await second.desk.idle();
    const texts = await botTexts(second.desk);
    expect(texts).toHaveLength(second.asked.length + 1);
    await shutDown(second);
  });

  it('a reminder that fell due hours before the restart is not sent; the case still closes when its close timer says', async () => {
    const second = await afterDowntime(['u1'], REMIND_AFTER_MS + REMIND_STALE_AFTER_MS + 60_000);
    expect(second.engine.pendingTimers).toBe(2);
    await second.engine.runDueTimers();
    await second.desk.idle();
    expect(await botTexts(second.desk)).toEqual(second.asked);
    // The stale reminder is spent, not left to fire again; the close timer waits for its time.
    expect(second.engine.pendingTimers).toBe(1);

    second.clock.advance(CLOSE_AFTER_MS);
    await second.engine.runDueTimers();
    await second.desk.idle();
    const customer = await second.desk.store.findCustomerByIdentity('telegram', 'u1');
    const [conversation] = await second.desk.store.listConversations({ customerId: customer?.id });
    expect(conversation?.flowState).toBe('closed');
    expect(second.engine.pendingTimers).toBe(0);
    await shutDown(second);
  });

  it('timers overdue at start wait for the grace: a customer who wrote while the server was down is answered, not reminded first', async () => {
    // The engine arms its timer with setTimeout: a fake one makes the grace (the default 5 s) exact, however loaded the machine.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const second = await afterDowntime(['u1', 'u2'], REMIND_AFTER_MS + 1000, { autoTimers: true });
      // u1's message, written during the downtime, comes in as the channel hands it over.
      await say(second.desk, 'yes', 'u1');
      const reminder = /Are you still there/;
      const reminded = async (user: string) => (await botTexts(second.desk, user)).filter((t) => reminder.test(t));
      expect(await reminded('u1')).toEqual([]);
      // Until the grace is over, no overdue timer fires.
      await vi.advanceTimersByTimeAsync(4_999);
      await second.desk.idle();
      expect(await reminded('u2')).toEqual([]);
      // After it, the one who stayed quiet is reminded; the one who wrote is not.
      await vi.advanceTimersByTimeAsync(1);
      await second.desk.idle();
      expect(await reminded('u2')).toHaveLength(1);
      const u1 = await botTexts(second.desk, 'u1');
      expect(u1.some((t) => reminder.test(t))).toBe(false);
      expect(u1.at(-1)).toMatch(/satisfied/);
      await shutDown(second);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('one durable write per message', () => {
  it('once the channel is acknowledged the answer is on disk too: a crash at that moment loses neither', async () => {
    const dir = join(tempDir(), 'data');
    const clock = new ManualClock('2026-01-05T10:00:00Z');
    const live = await boot(new EmbeddedStore(dir), clock);
    await live.desk.receive({
      channel: 'telegram',
      externalUserId: 'u1',
      channelMessageId: 'm1',
      text: 'my internet is slow',
    });
    await live.desk.receive({ channel: 'telegram', externalUserId: 'u1', channelMessageId: 'm2', text: 'yes' });
    // What a kill -9 right after the acknowledgement would leave: the files as they are now, no idle(), no close().
    const crashed = join(tempDir(), 'crashed');
    cpSync(dir, crashed, { recursive: true, filter: (f) => !f.endsWith('LOCK') });
    const after = new EmbeddedStore(crashed);
    await after.open();
    const customer = await after.findCustomerByIdentity('telegram', 'u1');
    const [conversation] = await after.listConversations({ customerId: customer?.id });
    const messages = await after.listMessages(conversation?.id ?? '');
    expect(messages.filter((m) => m.author === 'customer').map((m) => m.text)).toEqual(['my internet is slow', 'yes']);
    const pending = await after.listOutbox({ status: 'pending' });
    expect(pending.at(-1)?.text).toMatch(/satisfied/);
    expect(pending.map((o) => o.messageId)).toEqual(messages.filter((m) => m.author === 'bot').map((m) => m.id));
    await after.close();
    await shutDown(live);
  });
});

describe('a write the store refuses', () => {
  it('refuses the message to the channel and the flow does not move on as if it had seen it', async () => {
    /** A store whose disk fails for the next commit only. */
    class FlakyStore extends MemoryStore {
      failNext = false;
      override async commit(batch: WriteBatch): Promise<CommitResult> {
        if (this.failNext) {
          this.failNext = false;
          throw new StoreWriteError('memory', new Error('disk full'));
        }
        return super.commit(batch);
      }
    }
    const store = new FlakyStore();
    const { desk, engine } = await boot(store, new ManualClock());
    await say(desk, 'my internet is slow');
    expect((await botTexts(desk)).at(-1)).toMatch(/Did this solve your problem/);
    store.failNext = true;
    await expect(
      desk.receive({ channel: 'telegram', externalUserId: 'u1', channelMessageId: 'lost', text: 'yes' }),
    ).rejects.toThrow(/disk full/);
    // The channel redelivers it: the flow takes it from where the store says it was, once.
    await desk.receive({ channel: 'telegram', externalUserId: 'u1', channelMessageId: 'lost', text: 'yes' });
    await desk.idle();
    const texts = await botTexts(desk);
    expect(texts.filter((t) => /glad it is solved/i.test(t))).toHaveLength(1);
    expect(texts.at(-1)).toMatch(/how satisfied/i);
    const customer = await store.findCustomerByIdentity('telegram', 'u1');
    const [conversation] = await store.listConversations({ customerId: customer?.id });
    expect(conversation?.mode).toBe('resolved');
    await engine.stop();
  });
});

describe('an engine that cannot join the message write', () => {
  it('still has the message stored, and the flow answers it right after', async () => {
    const store = new MemoryStore();
    await store.open();
    const registry = defaultRegistry();
    let calls = 0;
    let engine!: FlowEngine;
    const desk = new Desk({
      store,
      clock: new ManualClock(),
      flowFor: registry.flowFor,
      engine: (d) =>
        (engine = new FlowEngine(d, {
          flows: registry,
          autoTimers: false,
          // The live queue cannot be read the first time (as when a store read fails).
          estimateWait: async () => {
            calls += 1;
            if (calls === 1) throw new Error('queue unreadable');
            return { minutes: 1, queueLength: 0, open: true };
          },
        })),
    });
    await engine.start();
    const result = await desk.receive({
      channel: 'telegram',
      externalUserId: 'u1',
      channelMessageId: 'm1',
      text: 'my internet is slow',
    });
    expect(result.status).toBe('stored');
    await desk.idle();
    expect((await botTexts(desk)).at(-1)).toMatch(/Did this solve your problem/);
    await engine.stop();
  });
});

describe('a flow that fails', () => {
  it('hands the conversation to a person with the reason, and the server goes on', async () => {
    const broken = defineFlow({
      name: 'broken',
      description: 'throws on every message',
      machine: setup({
        types: flowTypes<Record<string, never>>(),
        actions: {
          explode: () => {
            throw new Error('the knowledge base is unreachable');
          },
        },
      }).createMachine({
        context: {},
        initial: 'waiting',
        states: { waiting: { on: { 'customer.message': { actions: ['explode', reply(() => 'never said')] } } } },
      }),
    });
    const registry = new FlowRegistry('broken').register(broken);
    const clock = new ManualClock();
    const { MemoryStore } = await import('../../../core/index.js');
    const { desk, engine } = await boot(new MemoryStore(), clock, registry);
    await say(desk, 'hello', 'u9');
    const customer = await desk.store.findCustomerByIdentity('telegram', 'u9');
    const conversation = await desk.store.findOpenConversation(customer?.id ?? '');
    expect(conversation?.mode).toBe('queued');
    expect(conversation?.handoffReason).toMatch(/knowledge base is unreachable|flow failed/i);
    const events = (await desk.store.listEvents(0, 100)).map((e) => e.type);
    expect(events).toContain('flow.failed');
    // Another customer is still served by the engine.
    await say(desk, 'hello', 'u10');
    await engine.stop();
  });
});
