import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  type Channel,
  type ChannelSender,
  type CommitResult,
  Desk,
  draftOutbound,
  EmbeddedStore,
  ManualClock,
  MemoryStore,
  OutboxDelivery,
  type OutboxEntry,
  type SendOutcome,
  type Store,
  StoreWriteError,
  type WriteBatch,
} from '../../../core/index.js';
import { tempDir } from '../store/temp-dir.js';

/** A channel that records what it was asked to send and answers from a script. */
class ScriptedChannel implements ChannelSender {
  readonly sent: string[] = [];
  constructor(
    readonly channel: Channel,
    private readonly answer: (entry: OutboxEntry, attempt: number) => SendOutcome | Promise<SendOutcome> = () => ({
      ok: true,
      channelMessageId: 'x',
    }),
  ) {}
  async send(entry: OutboxEntry): Promise<SendOutcome> {
    this.sent.push(entry.text);
    return this.answer(entry, this.sent.filter((t) => t === entry.text).length);
  }
}

async function deskWith(store: Store = new MemoryStore(), clock = new ManualClock()): Promise<Desk> {
  await store.open();
  return new Desk({ store, clock });
}

/** A customer on `channel` who wrote once, and replies queued to them: its conversation's id. */
async function queueReplies(desk: Desk, channel: Channel, user: string, texts: string[]): Promise<string> {
  return (await replies(desk, user, texts, channel))[0]?.conversationId as string;
}

/** A message from `user`, then replies to it committed one by one, in order: their outbox entries. */
async function replies(
  desk: Desk,
  user: string,
  texts: string[],
  channel: Channel = 'telegram',
): Promise<OutboxEntry[]> {
  const r = await desk.receive({ channel, externalUserId: user, channelMessageId: `${user}-${texts[0]}`, text: 'hi' });
  if (r.status !== 'stored') throw new Error('not stored');
  const entries: OutboxEntry[] = [];
  for (const text of texts) {
    const out = draftOutbound({
      conversation: r.conversation,
      customer: r.customer,
      author: 'bot',
      text,
      now: desk.clock.now(),
    });
    if (!out.outbox) throw new Error('no outbox entry');
    await desk.store.commit({ messages: [out.message], outbox: [out.outbox], events: [out.event] });
    entries.push(out.outbox);
  }
  return entries;
}

describe('the outbox dispatcher', () => {
  it('delivers stored replies in order and records each delivery', async () => {
    const desk = await deskWith();
    const telegram = new ScriptedChannel('telegram', (e) => ({ ok: true, channelMessageId: `tg-${e.text}` }));
    await queueReplies(desk, 'telegram', 'u1', ['one', 'two', 'three']);
    const result = await new OutboxDelivery(desk, [telegram]).runOnce();
    expect(result).toEqual({ delivered: 3, retried: 0, failed: 0 });
    expect(telegram.sent).toEqual(['one', 'two', 'three']);
    const entries = await desk.store.listOutbox();
    expect(entries.map((e) => [e.status, e.channelMessageId])).toEqual([
      ['delivered', 'tg-one'],
      ['delivered', 'tg-two'],
      ['delivered', 'tg-three'],
    ]);
    expect((await desk.store.listEvents(0, 100)).filter((e) => e.type === 'message.delivered')).toHaveLength(3);
    // A second pass sends nothing again.
    await new OutboxDelivery(desk, [telegram]).runOnce();
    expect(telegram.sent).toHaveLength(3);
  });

  it('retries a failed send after a growing delay, holding back the conversation’s later messages', async () => {
    const clock = new ManualClock();
    const desk = await deskWith(new MemoryStore(), clock);
    const flaky = new ScriptedChannel('telegram', (e, attempt) =>
      e.text === 'first' && attempt < 3 ? { ok: false, retryable: true, error: '502 Bad Gateway' } : { ok: true },
    );
    await queueReplies(desk, 'telegram', 'u1', ['first', 'second']);
    const dispatcher = new OutboxDelivery(desk, [flaky], { baseDelayMs: 1_000, random: () => 1 });
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(flaky.sent).toEqual(['first']);
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 0, failed: 0 });
    clock.advance(1_000);
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    clock.advance(1_999);
    expect((await dispatcher.runOnce()).retried + flaky.sent.length).toBe(2);
    clock.advance(1);
    expect(await dispatcher.runOnce()).toEqual({ delivered: 2, retried: 0, failed: 0 });
    expect(flaky.sent).toEqual(['first', 'first', 'first', 'second']);
  });

  it('waits as long as the channel asks (retry_after)', async () => {
    const clock = new ManualClock();
    const desk = await deskWith(new MemoryStore(), clock);
    const limited = new ScriptedChannel('telegram', (_e, attempt) =>
      attempt === 1
        ? { ok: false, retryable: true, retryAfterMs: 7_000, error: '429 Too Many Requests' }
        : { ok: true },
    );
    await queueReplies(desk, 'telegram', 'u1', ['hello']);
    const dispatcher = new OutboxDelivery(desk, [limited], { baseDelayMs: 10 });
    await dispatcher.runOnce();
    clock.advance(6_999);
    expect((await dispatcher.runOnce()).delivered).toBe(0);
    clock.advance(1);
    expect((await dispatcher.runOnce()).delivered).toBe(1);
  });

  it('gives up after the last attempt and records why', async () => {
    const clock = new ManualClock();
    const desk = await deskWith(new MemoryStore(), clock);
    const down = new ScriptedChannel('telegram', () => ({ ok: false, retryable: true, error: 'ECONNREFUSED' }));
    await queueReplies(desk, 'telegram', 'u1', ['hello']);
    const dispatcher = new OutboxDelivery(desk, [down], { maxAttempts: 3, baseDelayMs: 10, random: () => 1 });
    for (let i = 0; i < 3; i++) {
      await dispatcher.runOnce();
      clock.advance(60_000);
    }
    const [entry] = await desk.store.listOutbox();
    expect(entry).toMatchObject({ status: 'failed', attempts: 3, lastError: 'ECONNREFUSED' });
    expect((await desk.store.listEvents(0, 100)).some((e) => e.type === 'message.failed')).toBe(true);
    await dispatcher.runOnce();
    expect(down.sent).toHaveLength(3);
  });

  it('flood control (429) is waited out as told without spending attempts: 25 s of 429s, then the reply goes out', async () => {
    const clock = new ManualClock();
    const desk = await deskWith(new MemoryStore(), clock);
    let floodUntil = clock.now().getTime() + 25_000;
    const flooded = new ScriptedChannel('telegram', () =>
      clock.now().getTime() < floodUntil
        ? { ok: false, retryable: true, retryAfterMs: 1_000, error: '429: Too Many Requests: retry after 1' }
        : { ok: true },
    );
    await queueReplies(desk, 'telegram', 'u1', ['hello']);
    // Three attempts would have been the end before: a 429 is not an attempt.
    const dispatcher = new OutboxDelivery(desk, [flooded], { maxAttempts: 3, baseDelayMs: 10 });
    for (let i = 0; i < 40; i++) {
      await dispatcher.runOnce();
      clock.advance(1_000);
    }
    const [entry] = await desk.store.listOutbox();
    expect(entry).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(flooded.sent.length).toBeGreaterThan(20);
    floodUntil = 0;
  });

  it('a reply is retried for as long as giveUpAfterMs says, then marked failed with its reason', async () => {
    const clock = new ManualClock();
    const desk = await deskWith(new MemoryStore(), clock);
    const down = new ScriptedChannel('telegram', () => ({ ok: false, retryable: true, error: 'ECONNREFUSED' }));
    await queueReplies(desk, 'telegram', 'u1', ['hello']);
    const hour = 60 * 60_000;
    const dispatcher = new OutboxDelivery(desk, [down], { giveUpAfterMs: 2 * hour, maxDelayMs: 5 * 60_000 });
    // A 150 s outage is nothing: still pending, retried.
    for (let i = 0; i < 24; i++) {
      await dispatcher.runOnce();
      clock.advance(5 * 60_000);
    }
    expect((await desk.store.listOutbox())[0]?.status).toBe('pending');
    for (let i = 0; i < 2; i++) {
      await dispatcher.runOnce();
      clock.advance(5 * 60_000);
    }
    const [entry] = await desk.store.listOutbox();
    expect(entry).toMatchObject({ status: 'failed', lastError: 'ECONNREFUSED' });
    expect(entry!.attempts).toBeGreaterThan(20);
  });

  it('a chat gets its replies in the order they were stored, across the customer’s conversations', async () => {
    const clock = new ManualClock();
    const desk = await deskWith(new MemoryStore(), clock);
    // The old case's last reply is slow to go out; the new case's first reply must not overtake it.
    let release!: () => void;
    const slow = new Promise<void>((r) => {
      release = r;
    });
    const telegram = new ScriptedChannel('telegram', async (e) => {
      if (e.text === 'Thank you for your feedback!') await slow;
      return { ok: true };
    });
    const [old] = await replies(desk, 'u1', ['Thank you for your feedback!']);
    const c = await desk.store.getConversation(old!.conversationId);
    await desk.store.commit({ conversations: [{ ...c!, mode: 'resolved', resolvedAt: clock.now().toISOString() }] });
    clock.advance(1_000);
    const [fresh] = await replies(desk, 'u1', ['Thanks for your message']);
    expect(fresh!.conversationId).not.toBe(old!.conversationId);
    const dispatcher = new OutboxDelivery(desk, [telegram]);
    const pass = dispatcher.runOnce();
    await vi.waitFor(() => expect(telegram.sent).toEqual(['Thank you for your feedback!']));
    release();
    await pass;
    expect(telegram.sent).toEqual(['Thank you for your feedback!', 'Thanks for your message']);
  });

  it('a send that does not answer in time is aborted, retried, and keeps its place before the next reply', async () => {
    const clock = new ManualClock();
    const desk = await deskWith(new MemoryStore(), clock);
    const aborted: string[] = [];
    const arrived: string[] = [];
    const hanging: ChannelSender = {
      channel: 'telegram',
      async send(entry, _context, signal) {
        const first = !arrived.includes(entry.text) && entry.text === 'one' && aborted.length === 0;
        if (first) {
          // Held by the network: it would arrive late, unless the request is cancelled.
          await new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve()));
          aborted.push(entry.text);
          return { ok: false, retryable: true, error: 'aborted' };
        }
        arrived.push(entry.text);
        return { ok: true };
      },
    };
    await queueReplies(desk, 'telegram', 'u1', ['one', 'two']);
    const dispatcher = new OutboxDelivery(desk, [hanging], { sendTimeoutMs: 50, baseDelayMs: 10, random: () => 1 });
    expect(await dispatcher.runOnce()).toEqual({ delivered: 0, retried: 1, failed: 0 });
    expect(aborted).toEqual(['one']);
    expect(arrived).toEqual([]);
    clock.advance(1_000);
    await dispatcher.runOnce();
    expect(arrived).toEqual(['one', 'two']);
  });

  it('a customer who blocked the bot is marked unreachable, without retries', async () => {
    const desk = await deskWith();
    const blocked = new ScriptedChannel('telegram', () => ({
      ok: false,
      retryable: false,
      unreachable: true,
      error: '403 Forbidden: bot was blocked by the user',
    }));
    await queueReplies(desk, 'telegram', 'u1', ['hello']);
    expect(await new OutboxDelivery(desk, [blocked]).runOnce()).toEqual({ delivered: 0, retried: 0, failed: 1 });
    const customer = await desk.store.findCustomerByIdentity('telegram', 'u1');
    expect(customer?.identities[0]?.unreachableSince).toBeDefined();
  });

  it('a channel that hangs does not hold up another channel', async () => {
    const desk = await deskWith();
    const hanging = new ScriptedChannel('telegram', () => new Promise<SendOutcome>(() => undefined));
    const botframework = new ScriptedChannel('botframework');
    await queueReplies(desk, 'telegram', 'u1', ['to telegram']);
    await queueReplies(desk, 'botframework', 'u2', ['to teams']);
    const dispatcher = new OutboxDelivery(desk, [hanging, botframework], { sendTimeoutMs: 200 });
    const pass = dispatcher.runOnce();
    // Teams gets its reply while the Telegram send still hangs.
    await vi.waitFor(() => expect(botframework.sent).toEqual(['to teams']), { timeout: 150 });
    expect(await pass).toEqual({ delivered: 1, retried: 1, failed: 0 });
    expect((await desk.store.listOutbox({ status: 'pending' }))[0]?.lastError).toMatch(/no answer/);
  });

  it('a reply to one customer does not wait for a slow send to another on the same channel', async () => {
    const desk = await deskWith();
    let release: (o: SendOutcome) => void = () => undefined;
    const telegram = new ScriptedChannel('telegram', (entry) =>
      entry.text === 'slow' ? new Promise<SendOutcome>((r) => (release = r)) : { ok: true, channelMessageId: 'x' },
    );
    const dispatcher = new OutboxDelivery(desk, [telegram]);
    dispatcher.start();
    await queueReplies(desk, 'telegram', 'u1', ['slow']);
    dispatcher.kick();
    await vi.waitFor(() => expect(telegram.sent).toEqual(['slow']));
    await queueReplies(desk, 'telegram', 'u2', ['fast']);
    dispatcher.kick();
    await vi.waitFor(() => expect(telegram.sent).toEqual(['slow', 'fast']));
    expect((await desk.store.listOutbox({ status: 'delivered' })).map((o) => o.text)).toEqual(['fast']);
    release({ ok: true, channelMessageId: 'y' });
    await dispatcher.stop();
    expect((await desk.store.listOutbox({ status: 'delivered' })).map((o) => o.text).sort()).toEqual(['fast', 'slow']);
  });
  it('shared by several processes: a reply committed while a pass lists the outbox goes out at once, not at the next sweep', async () => {
    class GatedStore extends MemoryStore {
      gate: Promise<void> | undefined;
      override async listOutbox(filter?: Parameters<MemoryStore['listOutbox']>[0]): Promise<OutboxEntry[]> {
        await this.gate;
        return super.listOutbox(filter);
      }
    }
    const store = new GatedStore();
    const desk = await deskWith(store);
    const telegram = new ScriptedChannel('telegram');
    const dispatcher = new OutboxDelivery(desk, [telegram], { shared: true });
    dispatcher.start();
    await desk.idle();
    let open: () => void = () => undefined;
    store.gate = new Promise((r) => (open = r));
    // A pass is listing (held at the gate) when this process commits a reply and hands it over.
    dispatcher.kick();
    const [entry] = await replies(desk, 'u1', ['fresh']);
    dispatcher.kick([entry as OutboxEntry]);
    await new Promise((r) => setImmediate(r));
    store.gate = undefined;
    open();
    await vi.waitFor(() => expect(telegram.sent).toEqual(['fresh']), { timeout: 2_000 });
    await dispatcher.stop();
  });

  it('shared: a reply that waited its turn (rate limit) past half its claim asks for the claim again, and is not sent if another process took it', async () => {
    class ClaimingStore extends MemoryStore {
      readonly claims = new Map<string, { by: string; until: number }>();
      async claimOutboxEntry(id: string, ask: { claimant: string; untilMs: number; nowMs: number }) {
        const entry = await this.getOutboxEntry(id);
        if (entry?.status !== 'pending') return { entry };
        const held = this.claims.get(id);
        if (held && held.by !== ask.claimant && held.until >= ask.nowMs) return { entry, heldUntilMs: held.until };
        this.claims.set(id, { by: ask.claimant, until: ask.untilMs });
        return { entry };
      }
    }
    const clock = new ManualClock();
    const store = new ClaimingStore();
    const desk = await deskWith(store, clock);
    let waitMs = 0;
    class PacedChannel extends ScriptedChannel {
      async pace(entry: OutboxEntry): Promise<void> {
        // Its turn comes `waitMs` later; meanwhile its claim ran out and another process claimed it.
        clock.advance(waitMs);
        if (waitMs > 0) store.claims.set(entry.id, { by: 'p-other', until: clock.now().getTime() + 20_000 });
      }
    }
    const telegram = new PacedChannel('telegram');
    const dispatcher = new OutboxDelivery(desk, [telegram], { shared: true, claimant: 'p-me' });
    dispatcher.start();
    await desk.idle();
    waitMs = 25_000;
    const [late] = await replies(desk, 'u1', ['waited too long']);
    dispatcher.kick([late as OutboxEntry]);
    await vi.waitFor(() => expect(store.claims.get(late?.id ?? '')?.by).toBe('p-other'));
    await desk.idle();
    expect(telegram.sent).toEqual([]);
    expect((await store.getOutboxEntry(late?.id ?? ''))?.status).toBe('pending');
    // A short wait keeps the claim: sent.
    waitMs = 0;
    const [soon] = await replies(desk, 'u2', ['soon']);
    dispatcher.kick([soon as OutboxEntry]);
    await vi.waitFor(() => expect(telegram.sent).toEqual(['soon']));
    await dispatcher.stop();
  });

  it('a reply stored while an earlier one of its conversation waits for a retry goes out after it', async () => {
    const clock = new ManualClock();
    const desk = await deskWith(new MemoryStore(), clock);
    const flaky = new ScriptedChannel('telegram', (e, attempt) =>
      e.text === 'first' && attempt === 1 ? { ok: false, retryable: true, error: '502 Bad Gateway' } : { ok: true },
    );
    const dispatcher = new OutboxDelivery(desk, [flaky], { baseDelayMs: 1_000, random: () => 1 });
    dispatcher.start();
    /** A kicked pass starts on the next turn of the event loop; then the desk tracks it. */
    const passed = async () => {
      await new Promise((r) => setImmediate(r));
      await desk.idle();
    };
    // As the desk's commit paths do: each commit's new entries handed to the dispatcher.
    dispatcher.kick(await replies(desk, 'u1', ['first']));
    await passed();
    expect(flaky.sent).toEqual(['first']);
    dispatcher.kick(await replies(desk, 'u1', ['second']));
    dispatcher.kick(await replies(desk, 'u2', ['to someone else']));
    await passed();
    expect(flaky.sent).toEqual(['first', 'to someone else']);
    clock.advance(1_000);
    await dispatcher.runOnce();
    expect(flaky.sent).toEqual(['first', 'to someone else', 'first', 'second']);
    await dispatcher.stop();
  });

  it('while a retry waits, the dispatcher waits too: it does not go over the outbox again and again', async () => {
    // The dispatcher waits for the next due entry with setTimeout: a fake one lets a minute pass in steps, every listing counted.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const clock = new ManualClock();
      const store = new MemoryStore();
      const desk = await deskWith(store, clock);
      const flaky = new ScriptedChannel('telegram', (e, attempt) =>
        e.text === 'first' && attempt === 1 ? { ok: false, retryable: true, error: '502 Bad Gateway' } : { ok: true },
      );
      await queueReplies(desk, 'telegram', 'u1', ['first', 'second']);
      const listings = { count: 0 };
      const listOutbox = store.listOutbox.bind(store);
      store.listOutbox = (filter) => {
        listings.count++;
        return listOutbox(filter);
      };
      /** Whatever a timer or a kick started (on the next turn of the event loop) has finished. */
      const settled = async () => {
        await new Promise((r) => setImmediate(r));
        await desk.idle();
        await new Promise((r) => setImmediate(r));
      };
      const dispatcher = new OutboxDelivery(desk, [flaky], { baseDelayMs: 60_000, random: () => 1 });
      dispatcher.start();
      await settled();
      expect(flaky.sent).toEqual(['first']);
      const before = listings.count;
      // 'first' waits a minute to be retried and 'second' waits behind it: nothing is due for a minute.
      for (let second = 1; second < 60; second++) {
        clock.advance(1_000);
        await vi.advanceTimersByTimeAsync(1_000);
        await settled();
      }
      expect(listings.count - before).toBeLessThanOrEqual(2);
      expect(flaky.sent).toEqual(['first']);
      // At the minute, the dispatcher wakes up by itself and sends both, in order.
      clock.advance(1_000);
      await vi.advanceTimersByTimeAsync(1_000);
      await settled();
      expect(flaky.sent).toEqual(['first', 'first', 'second']);
      await dispatcher.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('stops sending once the store refuses to record a delivery: no message is sent again and again', async () => {
    /** A disk that fails from the first delivery record on, as a full disk does. */
    class FailingStore extends MemoryStore {
      failing = false;
      override async commit(batch: WriteBatch): Promise<CommitResult> {
        if (batch.deliveries?.length) this.failing = true;
        if (this.failing) throw new StoreWriteError('memory', new Error('disk full'));
        return super.commit(batch);
      }
    }
    const desk = await deskWith(new FailingStore(), new ManualClock());
    const telegram = new ScriptedChannel('telegram');
    await queueReplies(desk, 'telegram', 'u1', ['one', 'two']);
    const dispatcher = new OutboxDelivery(desk, [telegram]);
    dispatcher.start();
    await vi.waitFor(() => expect(telegram.sent).toEqual(['one', 'two']));
    for (let i = 0; i < 5; i++) {
      dispatcher.kick();
      // A kicked pass starts on the next turn of the event loop; then the desk tracks it.
      await new Promise((r) => setImmediate(r));
      await desk.idle();
    }
    expect(telegram.sent).toEqual(['one', 'two']);
    await dispatcher.stop();
  });

  it('messages pending at a restart are delivered after it, and delivered ones are not sent again', async () => {
    const dir = join(tempDir(), 'data');
    const first = await deskWith(new EmbeddedStore(dir));
    await queueReplies(first, 'telegram', 'u1', ['before', 'restart']);
    const once = new ScriptedChannel('telegram', (e) =>
      e.text === 'before' ? { ok: true } : { ok: false, retryable: true, error: 'down' },
    );
    await new OutboxDelivery(first, [once], { baseDelayMs: 1 }).runOnce();
    await first.store.close();

    const second = await deskWith(new EmbeddedStore(dir), new ManualClock('2030-01-01T00:00:00Z'));
    const after = new ScriptedChannel('telegram');
    const dispatcher = new OutboxDelivery(second, [after]);
    dispatcher.start();
    await second.idle();
    await dispatcher.stop();
    expect(after.sent).toEqual(['restart']);
    await second.store.close();
  });
});
