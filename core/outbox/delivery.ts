/**
 * Outbox delivery (OutboxDelivery): delivers stored outbound messages through their
 * channel, records the outcome, and retries with exponential backoff and
 * jitter. Each channel has its own lane, so a channel that is down never
 * holds up another one (nor ingestion, which does not wait for it). Within a
 * chat (one recipient on one channel), messages go out in the order they were
 * stored, across that customer's conversations: one waiting for a retry holds
 * back the ones after it. The channel asking to wait (Telegram's 429) is
 * obeyed without counting as a failed attempt; a reply is given up only when
 * the channel refuses it for good, or once it is `giveUpAfterMs` old.
 *
 * Delivered means "the channel accepted it". The outcome is committed after
 * the send, sharing a durable write within DELIVERY_RECORD_WITHIN_MS; a crash
 * before it is durable can, at worst, send the replies delivered in that time
 * again after the restart. Nothing is ever sent that was not stored.
 */

import type { Desk } from '../desk.js';
import type { Channel, OutboxEntry } from '../domain.js';
import { isStoreUnavailable } from '../errors.js';
import type { OutboxClaim } from '../store/store.js';
import type { ChannelSender } from './channel-sender.js';
import { recordOutcome, sendWithTimeout } from './outcome.js';

export interface DeliveryOptions {
  /**
   * A reply not delivered this long after it was stored is given up (marked
   * failed, `message.failed`); default 24 h. Until then a channel that fails
   * is retried with backoff, and one that asks to wait is waited for.
   */
  readonly giveUpAfterMs?: number;
  /** Failed attempts (not counting the channel's "wait") before an entry is given up; default: no limit, only giveUpAfterMs. */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per attempt (default 1 s). */
  readonly baseDelayMs?: number;
  /** Longest retry delay (default 5 min). */
  readonly maxDelayMs?: number;
  /** A send that takes longer is aborted and counts as a retryable failure (default 30 s). */
  readonly sendTimeoutMs?: number;
  /** Conversations of one channel delivered at once (default 32); a channel's rate limits still apply. */
  readonly concurrency?: number;
  /** 0..1, for jitter; tests fix it. */
  readonly random?: () => number;
  /**
   * This process's name, when the store is shared by several: each send
   * claims its entry first (see OUTBOX_CLAIM_MS).
   */
  readonly claimant?: string;
  /**
   * Several processes share the store, each delivering the replies its own
   * commits queued (default false: this process delivers the whole outbox).
   * A pass then takes only what this process is waiting on (its chats held
   * back by a retry or by another process's earlier reply) and, in a sweep
   * (sweepEvery), what nobody delivered for OUTBOX_STALE_MS (its process died).
   */
  readonly shared?: boolean;
}

/**
 * How long a send's claim on its entry holds, with several processes. The
 * process delivering the outbox claims each entry before it sends it; one
 * that takes the delivering over leaves an entry another process claimed
 * alone until the claim runs out. So a reply sent by a process that lost its
 * database (and records the send once it is back) is not sent again, for
 * outages up to this long; after a crash, the replies its last moments sent
 * wait this long before they go out again (once more, perhaps: the crash window).
 */
export const OUTBOX_CLAIM_MS = 20_000;

/**
 * With several processes, a pending reply nobody has sent for this long is
 * taken by the sweep of the process holding the duties: the process that
 * queued it died (or was cut off) before sending it.
 */
export const OUTBOX_STALE_MS = 5_000;

/** How soon an entry another process holds (its claim, or an earlier reply of the chat) is asked for again: doubling from this… */
const ASK_AGAIN_FIRST_MS = 50;
/** …up to this. */
const ASK_AGAIN_MAX_MS = 2_000;

/**
 * What a pass takes: `all` every pending entry; with several processes,
 * `held` only the chats this process holds back and the entries it waits on,
 * `sweep` those and whatever nobody delivered for OUTBOX_STALE_MS.
 */
type PassScope = 'all' | 'held' | 'sweep';

export interface PassResult {
  readonly delivered: number;
  readonly retried: number;
  readonly failed: number;
}

/** How one entry taken by a pass ended: counted, or `held` (not due, behind a retry, stopping) and left pending. */
type Settled = keyof PassResult | 'held' | 'skipped';

/**
 * A channel's deliveries: per chat, the entries taken and not yet settled, in
 * order; at most `concurrency` chats drain at once.
 */
interface Lane {
  readonly sender: ChannelSender;
  readonly queues: Map<string, OutboxEntry[]>;
  /** Conversations with a queue, waiting for a free slot. */
  readonly ready: string[];
  active: number;
}

/** How soon delivery looks again while the store's database is away. */
const STORE_AWAY_RETRY_MS = 500;

/** The order replies keep: per recipient of a channel (lanes are per channel already). */
const chatOf = (entry: OutboxEntry): string => entry.recipient;

export class OutboxDelivery {
  private readonly lanes = new Map<Channel, Lane>();
  /** Entries taken by a pass and not settled yet: what a pass waits for. */
  private readonly taken = new Map<string, { promise: Promise<Settled>; settle: (s: Settled) => void }>();
  private readonly options: Required<Omit<DeliveryOptions, 'claimant'>> & Pick<DeliveryOptions, 'claimant'>;
  /** A sweep was asked for (sweepEvery): the next full pass is one. */
  private sweepDue = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Passes run on their own only between start() and stop(); runOnce() works regardless. */
  private running = false;
  private stopping = false;
  /** Stopping gives up waiting for records while the database is away (a shutdown; not a handover). */
  private abandonRecords = false;
  private kicked = false;
  /** Entries handed to kick() since the last pass started, in commit order. */
  private fresh: OutboxEntry[] = [];
  /** A kick() without entries asked for a full pass: something may be pending that no one handed over. */
  private rescan = false;
  /**
   * Conversations with an entry a drain left pending (waiting for a retry or
   * not due, or held back behind one) since the last full pass began: only a
   * full pass, which takes all of a chat's pending entries in order,
   * may deliver their new entries. It errs on the side of holding: an entry
   * held just before a full pass lists it keeps its chat here, at the
   * cost of one more full pass, never of an entry overtaking another.
   */
  private readonly blocked = new Set<string>();
  /** Full passes waiting for their list: until they take what it holds, `blocked` does not say what is waiting. */
  private listing = 0;
  /** Why delivery stopped for good (the store failed), if it did. */
  private halted: unknown;
  /** A pass to run once the store's database is back (see retryWhenBack). */
  private awayTimer: NodeJS.Timeout | undefined;
  /** A pass to ask again for entries another process holds (see askAgainLater). */
  private claimTimer: NodeJS.Timeout | undefined;
  private claimTimerAt = 0;
  /**
   * Entries another process holds (its claim, or an earlier reply of the chat
   * it has not sent), when to ask for them again (ms since the epoch) and how
   * often they were asked for: not asked for again before.
   */
  private readonly askAgain = new Map<string, { at: number; asked: number }>();
  /** Stops listening to the desk's outbox signal. */
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly desk: Desk,
    senders: readonly ChannelSender[],
    options: DeliveryOptions = {},
  ) {
    for (const sender of senders) this.lanes.set(sender.channel, { sender, queues: new Map(), ready: [], active: 0 });
    this.options = {
      giveUpAfterMs: options.giveUpAfterMs ?? 24 * 60 * 60_000,
      maxAttempts: options.maxAttempts ?? Number.POSITIVE_INFINITY,
      baseDelayMs: options.baseDelayMs ?? 1_000,
      maxDelayMs: options.maxDelayMs ?? 5 * 60_000,
      sendTimeoutMs: options.sendTimeoutMs ?? 30_000,
      random: options.random ?? Math.random,
      concurrency: options.concurrency ?? 32,
      claimant: options.claimant,
      shared: options.shared ?? false,
    };
  }

  /** Starts delivering, beginning with whatever a previous run left pending. */
  start(): void {
    this.running = true;
    this.stopping = false;
    this.abandonRecords = false;
    this.unlisten ??= this.desk.outbox.listen((entries) => this.kick(entries));
    // Shared: what other processes may be sending right now is theirs; only what nobody sent is taken.
    this.desk.track(this.runPass(this.options.shared ? 'sweep' : 'all').then(() => undefined));
  }

  /**
   * Stops scheduling passes and waits for the sends under way. A shutdown
   * gives up waiting for a record while the database is away (as after a
   * crash, that reply may be sent once more); a handover (this process gives
   * its duties to another, `handover: true`) waits for the records of what it
   * sent, so that the next deliverer does not send it again.
   */
  async stop(options: { readonly handover?: boolean } = {}): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.abandonRecords = options.handover !== true;
    this.unlisten?.();
    this.unlisten = undefined;
    if (this.timer) clearTimeout(this.timer);
    if (this.awayTimer) clearTimeout(this.awayTimer);
    this.awayTimer = undefined;
    clearTimeout(this.claimTimer);
    this.claimTimer = undefined;
    this.sweepEvery(undefined);
    await Promise.allSettled([...this.taken.values()].map((t) => t.promise));
  }

  /**
   * Something new is in the outbox: deliver it soon. `entries`, the pending
   * entries of a commit that just succeeded, are all a pass needs to look at
   * when given, so that a pass costs what is new, not what is in flight;
   * without them (or when one of their chats is blocked) the pass
   * lists the whole outbox. Callers kick as soon as their commit resolves, so
   * entries arrive in commit order, which is the order they are sent in.
   */
  kick(entries?: readonly OutboxEntry[]): void {
    if (!this.running) return;
    if (entries) for (const entry of entries) this.fresh.push(entry);
    else this.rescan = true;
    if (this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      const fresh = this.fresh;
      const rescan = this.rescan || this.listing > 0 || fresh.some((e) => this.blocked.has(chatOf(e)));
      this.fresh = [];
      this.rescan = false;
      const scope: PassScope = !this.options.shared ? 'all' : this.sweepDue ? 'sweep' : 'held';
      if (!this.running) return;
      // A full pass lists every entry committed before it, the fresh ones included.
      if (rescan) {
        if (scope === 'sweep') this.sweepDue = false;
        // The fresh entries' chats are taken too (a pass that is not `all` would not see them otherwise).
        this.desk.track(this.runPass(scope, fresh).then(() => undefined));
      } else if (fresh.length > 0) this.desk.track(this.deliverFresh(fresh));
    });
  }

  /**
   * One pass over every channel's due entries (tests call it after moving the
   * clock). It lists the whole outbox, so it runs at start, on the retry
   * timer and when a kick cannot say what is new; kicks that can skip it. An
   * entry starts as soon as its chat has a free slot, not
   * after the entries of an earlier pass: a reply never waits for the slowest
   * send of a batch it was not part of. Resolves when the entries it took have
   * settled; ones an earlier pass took are waited for but counted there.
   */
  runOnce(): Promise<PassResult> {
    return this.runPass('all');
  }

  /**
   * With several processes (`shared`), the process holding the duties sweeps
   * every `ms` for replies nobody delivered (undefined: stops sweeping).
   */
  sweepEvery(ms: number | undefined): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    if (ms === undefined || !this.options.shared) return;
    this.sweepTimer = setInterval(() => {
      this.sweepDue = true;
      this.kick();
    }, ms);
    this.sweepTimer.unref();
  }

  private async runPass(scope: PassScope, fresh: readonly OutboxEntry[] = []): Promise<PassResult> {
    if (this.halted !== undefined) return { delivered: 0, retried: 0, failed: 0 };
    const holding = new Set(this.blocked);
    for (const entry of fresh) holding.add(chatOf(entry));
    // Before the list is taken: whatever is held after it was listed puts its chat back.
    this.blocked.clear();
    this.listing += 1;
    let pending: OutboxEntry[];
    try {
      pending = await this.desk.store.listOutbox({ status: 'pending' });
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      this.retryWhenBack();
      return { delivered: 0, retried: 0, failed: 0 };
    } finally {
      this.listing -= 1;
    }
    // Stable: a step's replies, stored in the same millisecond, keep their order.
    pending.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    const mine: Array<Promise<Settled>> = [];
    const earlier: Array<Promise<Settled>> = [];
    const staleBefore = this.desk.clock.now().getTime() - OUTBOX_STALE_MS;
    const takes = (entry: OutboxEntry): boolean =>
      scope === 'all' ||
      holding.has(chatOf(entry)) ||
      this.askAgain.has(entry.id) ||
      (scope === 'sweep' && Date.parse(entry.createdAt) <= staleBefore);
    this.forgetSettledElsewhere(pending);
    for (const entry of pending) {
      const lane = this.lanes.get(entry.channel);
      if (!lane || this.stopping) continue; // channel not enabled here: stays pending
      // Shared: another process's reply, which it is sending (or will: it is not stale yet).
      if (!takes(entry)) continue;
      const already = this.taken.get(entry.id);
      if (already) earlier.push(already.promise);
      else mine.push(this.take(lane, entry));
    }
    // Only once every entry of the pass is queued: a chat's first one not due must hold back the rest.
    for (const lane of this.lanes.values()) this.pump(lane);
    const settled = await Promise.all(mine);
    await Promise.all(earlier);
    this.scheduleNext();
    const result = { delivered: 0, retried: 0, failed: 0 };
    for (const s of settled) if (s !== 'held' && s !== 'skipped') result[s] += 1;
    return result;
  }

  /**
   * A kicked pass over the entries of new commits only. None of their
   * chats is blocked (kick() checked), so every earlier pending entry
   * of theirs is taken already and these queue up behind it. The retry timer
   * needs setting again only if one of these is left pending: the one set
   * before still covers what was pending then, and a timer that fires for an
   * entry delivered since only costs a full pass.
   */
  private async deliverFresh(entries: readonly OutboxEntry[]): Promise<void> {
    if (this.halted !== undefined || this.stopping) return;
    const mine: Array<Promise<Settled>> = [];
    for (const entry of entries) {
      const lane = this.lanes.get(entry.channel);
      if (lane && !this.taken.has(entry.id)) mine.push(this.take(lane, entry));
    }
    for (const lane of this.lanes.values()) this.pump(lane);
    const settled = await Promise.all(mine);
    if (settled.some((s) => s === 'held' || s === 'retried')) this.scheduleNext();
  }

  private take(lane: Lane, entry: OutboxEntry): Promise<Settled> {
    let settle: (s: Settled) => void = () => undefined;
    const promise = new Promise<Settled>((resolve) => {
      settle = resolve;
    });
    this.taken.set(entry.id, { promise, settle });
    const chat = chatOf(entry);
    const queue = lane.queues.get(chat);
    if (queue) queue.push(entry);
    else {
      lane.queues.set(chat, [entry]);
      lane.ready.push(chat);
    }
    return promise;
  }

  private settle(entry: OutboxEntry, how: Settled): void {
    // Left pending and no longer taken: the chat's next entries must wait for a full pass.
    if (how === 'held' || how === 'retried') this.blocked.add(chatOf(entry));
    this.taken.get(entry.id)?.settle(how);
    this.taken.delete(entry.id);
  }

  private pump(lane: Lane): void {
    while (lane.active < this.options.concurrency && lane.ready.length > 0) {
      const chat = lane.ready.shift() as string;
      lane.active += 1;
      void this.drain(lane, chat).finally(() => {
        lane.active -= 1;
        this.pump(lane);
      });
    }
  }

  /**
   * Delivers one chat's taken entries strictly in order, including ones taken
   * while it runs, whatever conversation they belong to. One waiting for a
   * retry (or not due yet) holds back the ones after it: they stay pending
   * for a later pass.
   */
  private async drain(lane: Lane, chat: string): Promise<void> {
    const queue = lane.queues.get(chat) as OutboxEntry[];
    let holding = false;
    const recorded = (entry: OutboxEntry, settled: Promise<Settled>): Promise<Settled> =>
      settled.then(
        (s) => {
          this.settle(entry, s);
          return s;
        },
        (err: unknown) => {
          // Stopped while the database was away (this process gave up its duties): not a refusal; the
          // entry stays pending and, as after a crash, may be sent once more by whoever delivers next.
          if (!(this.abandonRecords && isStoreUnavailable(err))) this.halt(err, entry);
          this.settle(entry, 'held');
          return 'held' as const;
        },
      );
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      if (
        holding ||
        this.stopping ||
        this.halted !== undefined ||
        entry.notBefore > this.desk.clock.now().toISOString() ||
        (this.askAgain.get(entry.id)?.at ?? 0) > this.desk.clock.now().getTime()
      ) {
        holding = true;
        this.settle(entry, 'held');
        continue;
      }
      try {
        // Re-read (claimed, with several processes): another pass, a restart or another process may have settled it.
        let { entry: fresh, heldUntilMs, behind } = await this.claim(entry);
        // The channel's rate limits: a wait longer than half the claim asks for the claim again, so
        // that it does not run out while the entry waits its turn (another process would send it too).
        if (fresh?.status === 'pending' && heldUntilMs === undefined && !behind && lane.sender.pace) {
          const pacedFrom = this.desk.clock.now().getTime();
          await lane.sender.pace(fresh);
          if (this.desk.clock.now().getTime() - pacedFrom > OUTBOX_CLAIM_MS / 2) {
            ({ entry: fresh, heldUntilMs, behind } = await this.claim(entry));
          }
        }
        if (fresh?.status === 'pending' && (heldUntilMs !== undefined || behind)) {
          // Another process is sending it (and may not have recorded it yet), or has not sent an earlier
          // reply of the chat: ask again soon, keeping the chat's order.
          this.askAgainLater(entry.id, heldUntilMs);
          this.settle(entry, 'held');
          holding = true;
          continue;
        }
        this.askAgain.delete(entry.id);
        if (fresh?.status !== 'pending' || this.stopping) {
          this.settle(entry, this.stopping ? 'held' : 'skipped');
          holding ||= this.stopping;
          continue;
        }
        const outcome = await sendWithTimeout(this.desk, this.options.sendTimeoutMs, lane.sender, fresh);
        const settled = recorded(
          entry,
          this.recordWhenBack(() => recordOutcome(this.desk, this.options, fresh, outcome)),
        );
        // The next reply goes out without waiting for this one's record to be durable (nor does the
        // slot: the record may wait to share a write, see DELIVERY_RECORD_WITHIN_MS). The journal keeps
        // records in order, so after a crash at worst this one is sent again, and before the next.
        // The entry stays taken until its record settles: no pass takes it again meanwhile.
        if (outcome.ok) continue;
        holding = (await settled) !== 'failed';
      } catch (err) {
        // Only the store can fail here: away for now (try again soon), or closed or broken (stop, as for a failed record).
        if (isStoreUnavailable(err)) this.retryWhenBack();
        else this.halt(err, entry);
        this.settle(entry, 'held');
        holding = true;
      }
    }
    lane.queues.delete(chat);
  }

  /** The entry as it is now; with a store several processes share, claimed for this send (see OUTBOX_CLAIM_MS). */
  private async claim(entry: OutboxEntry): Promise<OutboxClaim> {
    const { store } = this.desk;
    if (!store.claimOutboxEntry || this.options.claimant === undefined) {
      return { entry: await store.getOutboxEntry(entry.id) };
    }
    const nowMs = this.desk.clock.now().getTime();
    return store.claimOutboxEntry(entry.id, {
      claimant: this.options.claimant,
      untilMs: nowMs + OUTBOX_CLAIM_MS,
      nowMs,
    });
  }

  /**
   * Another process holds the entry: ask for it again after a wait that
   * doubles each time, never later than its claim runs out (`heldUntilMs`).
   */
  private askAgainLater(id: string, heldUntilMs: number | undefined): void {
    const now = this.desk.clock.now().getTime();
    const asked = (this.askAgain.get(id)?.asked ?? 0) + 1;
    const backoff = Math.min(ASK_AGAIN_FIRST_MS * 2 ** (asked - 1), ASK_AGAIN_MAX_MS);
    const at = Math.min(now + backoff, heldUntilMs ?? Number.POSITIVE_INFINITY);
    this.askAgain.set(id, { at: Math.max(at, now), asked });
    this.retryAt(Math.max(at, now));
  }

  /** Entries asked for again that are no longer pending (another process delivered them): nothing to wait for. */
  private forgetSettledElsewhere(pending: readonly OutboxEntry[]): void {
    if (this.askAgain.size === 0) return;
    const ids = new Set(pending.map((e) => e.id));
    for (const id of this.askAgain.keys()) if (!ids.has(id)) this.askAgain.delete(id);
  }

  /** A pass at `atMs` (the earliest asked for wins). */
  private retryAt(atMs: number): void {
    if (!this.running || (this.claimTimer && this.claimTimerAt <= atMs)) return;
    clearTimeout(this.claimTimer);
    this.claimTimerAt = atMs;
    this.claimTimer = setTimeout(
      () => {
        this.claimTimer = undefined;
        this.kick();
      },
      Math.max(10, atMs - this.desk.clock.now().getTime()),
    );
    this.claimTimer.unref();
  }

  /**
   * The store refused to record an outcome: it refuses every write from now on
   * (see the store's guarantees), so sending on would send the same messages
   * again and again without ever recording them. Delivery stops until restart;
   * what was sent and not recorded stays pending, to be sent once after it.
   */
  private halt(err: unknown, entry: OutboxEntry): void {
    if (this.halted !== undefined) return;
    this.halted = err;
    if (this.timer) clearTimeout(this.timer);
    this.desk.logger.error(
      { err, outboxId: entry.id, conversationId: entry.conversationId },
      'the store refused to record a delivery: the outbox stops sending until caredesk is restarted',
    );
  }

  private scheduleNext(): void {
    if (!this.running || this.halted !== undefined) return;
    if (this.timer) clearTimeout(this.timer);
    void this.desk.store.listOutbox({ status: 'pending' }).then(
      (pending) => {
        // Only each chat's first pending entry can be sent next, and only if no pass holds it.
        // The entries behind a retry are due already: counting them would re-run a full pass over and
        // over for as long as the retry waits, and entries being sent would do the same for a backlog.
        const first = new Map<string, OutboxEntry>();
        for (const e of pending) {
          if (!this.lanes.has(e.channel)) continue;
          // Shared: another process's chats are its own to retry; only what this process waits on counts.
          if (this.options.shared && !this.blocked.has(chatOf(e)) && !this.askAgain.has(e.id)) continue;
          const before = first.get(chatOf(e));
          if (!before || e.createdAt < before.createdAt) first.set(chatOf(e), e);
        }
        const due = [...first.values()]
          .filter((e) => !this.taken.has(e.id))
          .map((e) => {
            const asked = this.askAgain.get(e.id)?.at;
            return asked === undefined ? e.notBefore : new Date(Math.max(asked, Date.parse(e.notBefore))).toISOString();
          });
        if (due.length === 0 || !this.running) return;
        const earliest = due.sort()[0] as string;
        const wait = Math.max(10, new Date(earliest).getTime() - this.desk.clock.now().getTime());
        this.timer = setTimeout(() => this.kick(), Math.min(wait, this.options.maxDelayMs));
        this.timer.unref();
      },
      (err: unknown) => {
        if (isStoreUnavailable(err)) this.retryWhenBack();
        else this.desk.logger.error({ err }, 'could not list the outbox to schedule its next retry');
      },
    );
  }

  /**
   * The store's database is away (the PostgreSQL store): a full pass again in
   * a moment, and again, until it answers. Nothing is sent meanwhile, since
   * every send starts by reading its entry.
   */
  private retryWhenBack(): void {
    if (!this.running || this.halted !== undefined || this.awayTimer) return;
    this.awayTimer = setTimeout(() => {
      this.awayTimer = undefined;
      this.kick();
    }, STORE_AWAY_RETRY_MS);
    this.awayTimer.unref();
  }

  /**
   * A send the channel accepted must be recorded before anything could send it
   * again: while the database is away the record is tried again (the entry
   * stays taken, so no pass takes it), and lands once it is back. Only a
   * stop gives up waiting; then, as after a crash, it may be sent once more.
   */
  private async recordWhenBack(record: () => Promise<Settled>): Promise<Settled> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await record();
      } catch (err) {
        if (!isStoreUnavailable(err) || (this.stopping && this.abandonRecords)) throw err;
        await new Promise((r) => setTimeout(r, Math.min(STORE_AWAY_RETRY_MS * attempt, 5_000)));
      }
    }
  }
}
