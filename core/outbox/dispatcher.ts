/**
 * The outbox dispatcher: delivers stored outbound messages through their
 * channel, records the outcome, and retries with exponential backoff and
 * jitter. Each channel has its own lane, so a channel that is down never
 * holds up another one (nor ingestion, which does not wait for it). Within a
 * conversation, messages go out in the order they were stored: one waiting
 * for a retry holds back the ones after it.
 *
 * Delivered means "the channel accepted it". The outcome is committed right
 * after the send; a crash between the two can, at worst, send that one
 * message again after the restart. Nothing is ever sent that was not stored.
 */

import type { Desk } from '../desk.js';
import type { Channel, NewEvent, OutboxEntry } from '../domain.js';
import { customerLock } from '../ingest.js';
import { identityKey } from '../store/state.js';
import type { ChannelSender, SendOutcome } from './channel-sender.js';

export interface DispatcherOptions {
  /** Attempts before an entry is marked failed (default 8). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt (default 1 s). */
  readonly baseDelayMs?: number;
  /** Longest retry delay (default 5 min). */
  readonly maxDelayMs?: number;
  /** A send that takes longer counts as a retryable failure (default 30 s). */
  readonly sendTimeoutMs?: number;
  /** Conversations of one channel delivered at once (default 32); a channel's rate limits still apply. */
  readonly concurrency?: number;
  /** 0..1, for jitter; tests fix it. */
  readonly random?: () => number;
}

export interface PassResult {
  readonly delivered: number;
  readonly retried: number;
  readonly failed: number;
}

export class OutboxDelivery {
  private readonly senders = new Map<Channel, ChannelSender>();
  private readonly lanes = new Map<Channel, Promise<PassResult>>();
  private readonly again = new Set<Channel>();
  private readonly options: Required<DispatcherOptions>;
  private timer: NodeJS.Timeout | undefined;
  /** Passes run on their own only between start() and stop(); runOnce() works regardless. */
  private running = false;
  private stopping = false;
  private kicked = false;

  constructor(
    private readonly desk: Desk,
    senders: readonly ChannelSender[],
    options: DispatcherOptions = {},
  ) {
    for (const s of senders) this.senders.set(s.channel, s);
    this.options = {
      maxAttempts: options.maxAttempts ?? 8,
      baseDelayMs: options.baseDelayMs ?? 1_000,
      maxDelayMs: options.maxDelayMs ?? 5 * 60_000,
      sendTimeoutMs: options.sendTimeoutMs ?? 30_000,
      random: options.random ?? Math.random,
      concurrency: options.concurrency ?? 32,
    };
  }

  /** Starts delivering, beginning with whatever a previous run left pending. */
  start(): void {
    this.running = true;
    this.stopping = false;
    this.desk.dispatcher = this;
    this.desk.track(this.runOnce().then(() => undefined));
  }

  /** Stops scheduling passes and waits for the sends under way. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.lanes.values()]);
  }

  /** Something new is in the outbox: run a pass soon. */
  kick(): void {
    if (!this.running || this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      if (this.running) this.desk.track(this.runOnce().then(() => undefined));
    });
  }

  /** One pass over every channel's due entries (tests call it after moving the clock). */
  async runOnce(): Promise<PassResult> {
    const pending = await this.desk.store.listOutbox({ status: 'pending' });
    const byChannel = new Map<Channel, OutboxEntry[]>();
    for (const e of pending) {
      if (!this.senders.has(e.channel)) continue; // channel not enabled here: stays pending
      const list = byChannel.get(e.channel);
      if (list) list.push(e);
      else byChannel.set(e.channel, [e]);
    }
    const passes = [...byChannel].map(([channel, entries]) => this.runLane(channel, entries));
    const results = await Promise.all(passes);
    this.scheduleNext();
    return results.reduce(
      (a, r) => ({ delivered: a.delivered + r.delivered, retried: a.retried + r.retried, failed: a.failed + r.failed }),
      { delivered: 0, retried: 0, failed: 0 },
    );
  }

  /** A channel's lane runs one pass at a time; a pass asked for meanwhile joins the next. */
  private runLane(channel: Channel, entries: OutboxEntry[]): Promise<PassResult> {
    const running = this.lanes.get(channel);
    if (running) {
      // New entries arrived while this lane is busy: go round again as soon as it is done.
      this.again.add(channel);
      return running.then(() => ({ delivered: 0, retried: 0, failed: 0 }));
    }
    const lane = this.deliverAll(channel, entries).finally(() => {
      this.lanes.delete(channel);
      if (this.again.delete(channel)) this.kick();
    });
    this.lanes.set(channel, lane);
    return lane;
  }

  /**
   * Conversations are delivered side by side (up to `concurrency` at once),
   * each one's messages strictly in order: one waiting for a retry holds back
   * the ones after it.
   */
  private async deliverAll(channel: Channel, entries: OutboxEntry[]): Promise<PassResult> {
    const sender = this.senders.get(channel) as ChannelSender;
    const result = { delivered: 0, retried: 0, failed: 0 };
    entries.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    const byConversation = new Map<string, OutboxEntry[]>();
    for (const e of entries) {
      const list = byConversation.get(e.conversationId);
      if (list) list.push(e);
      else byConversation.set(e.conversationId, [e]);
    }
    const queues = [...byConversation.values()];
    const worker = async (): Promise<void> => {
      for (let queue = queues.shift(); queue; queue = queues.shift()) {
        for (const entry of queue) {
          if (this.stopping || entry.notBefore > this.desk.clock.now().toISOString()) break;
          // Re-read: another pass (or a restart) may have settled it since the list was taken.
          const fresh = await this.desk.store.getOutboxEntry(entry.id);
          if (fresh?.status !== 'pending') continue;
          const settled = await this.record(fresh, await this.send(sender, fresh));
          result[settled] += 1;
          if (settled === 'retried') break;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, queues.length) }, worker));
    return result;
  }

  private async send(sender: ChannelSender, entry: OutboxEntry): Promise<SendOutcome> {
    const context = (await this.desk.store.getRecord('reply-context', identityKey(entry.channel, entry.recipient))) as
      | Record<string, unknown>
      | undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<SendOutcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            ok: false,
            retryable: true,
            error: `no answer from ${entry.channel} in ${this.options.sendTimeoutMs} ms`,
          }),
        this.options.sendTimeoutMs,
      );
    });
    try {
      return await Promise.race([sender.send(entry, context), timeout]);
    } catch (err) {
      return { ok: false, retryable: true, error: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
  }

  private async record(entry: OutboxEntry, outcome: SendOutcome): Promise<keyof PassResult> {
    const now = this.desk.clock.now();
    const at = now.toISOString();
    const attempts = entry.attempts + 1;
    const base = { at, conversationId: entry.conversationId, data: { outboxId: entry.id, messageId: entry.messageId } };
    if (outcome.ok) {
      await this.commit(
        { ...entry, status: 'delivered', attempts, deliveredAt: at, channelMessageId: outcome.channelMessageId },
        { ...base, type: 'message.delivered', data: { ...base.data, channelMessageId: outcome.channelMessageId } },
      );
      return 'delivered';
    }
    const lastError = outcome.error.slice(0, 1024);
    if (outcome.retryable && attempts < this.options.maxAttempts) {
      const delay = outcome.retryAfterMs ?? this.backoff(attempts);
      const notBefore = new Date(now.getTime() + delay).toISOString();
      await this.commit({ ...entry, attempts, notBefore, lastError });
      return 'retried';
    }
    await this.commit(
      { ...entry, status: 'failed', attempts, lastError },
      {
        ...base,
        type: 'message.failed',
        data: { ...base.data, error: lastError, unreachable: outcome.unreachable ?? false },
      },
    );
    if (outcome.unreachable) await this.markUnreachable(entry, at);
    return 'failed';
  }

  /** Exponential, capped, with full jitter so that retries of many messages spread out. */
  private backoff(attempts: number): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempts - 1));
    return Math.round(ceiling / 2 + (ceiling / 2) * this.options.random());
  }

  private async commit(entry: OutboxEntry, event?: NewEvent): Promise<void> {
    const result = await this.desk.store.commit({ outbox: [entry], events: event ? [event] : [] });
    this.desk.bus.publish(result.events);
  }

  private async markUnreachable(entry: OutboxEntry, at: string): Promise<void> {
    const conversation = await this.desk.store.getConversation(entry.conversationId);
    if (!conversation) return;
    await this.desk.locks.run(customerLock(conversation.customerId), async () => {
      const customer = await this.desk.store.getCustomer(conversation.customerId);
      if (!customer) return;
      const identities = customer.identities.map((i) =>
        i.channel === entry.channel && i.externalId === entry.recipient ? { ...i, unreachableSince: at } : i,
      );
      await this.desk.store.commit({ customers: [{ ...customer, identities }] });
    });
  }

  private scheduleNext(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    void this.desk.store.listOutbox({ status: 'pending' }).then((pending) => {
      const due = pending.filter((e) => this.senders.has(e.channel)).map((e) => e.notBefore);
      if (due.length === 0 || !this.running) return;
      const earliest = due.sort()[0] as string;
      const wait = Math.max(10, new Date(earliest).getTime() - this.desk.clock.now().getTime());
      this.timer = setTimeout(() => this.kick(), Math.min(wait, this.options.maxDelayMs));
      this.timer.unref();
    });
  }
}
