/**
 * The flow engine: one XState actor per active conversation. A step runs
 * under the customer's lock (so one conversation's messages go strictly in
 * order), rehydrates the actor from its persisted snapshot if it is not live,
 * sends the event, and commits the new snapshot together with every effect
 * the flow emitted (replies into the outbox, handoff, resolve, tags, survey
 * answers, timers) in ONE store write. A crash before that write loses the
 * step as a whole (the message is stored; nothing was sent); after it, the
 * restored actor is exactly where the committed effects left it.
 */
import { randomUUID } from 'node:crypto';
import { type AnyActor, type AnyStateMachine, createActor } from 'xstate';
import type { Clock } from '../clock.js';
import type { Arrival, ConversationEngine, Desk, MessageStep } from '../desk.js';
import type { Conversation, Customer, QuickReply } from '../domain.js';
import { CaredeskError, isStoreFailure } from '../errors.js';
import { customerLock, type ParsedInbound } from '../ingest.js';
import { MAX_TIMEOUT_MS } from '../util/backoff.js';
import { ActorCache, type LiveActor } from './actor-cache.js';
import { type PersistedFlow, type PlannedStep, planStep } from './plan.js';
import { surveyOpen } from './survey-window.js';

export type { PersistedFlow } from './plan.js';

import { isFlowTimer, TIMER_COLLECTION, TimerTable } from './timers.js';
import type { FlowEffect, FlowEnv, FlowEvent, WaitInfo } from './types.js';
import { liveWaitEstimator, type WaitEstimator } from './wait.js';

/** Where the engine finds a flow's machine by the name stored on the conversation. */
export interface FlowCatalog {
  get(name: string): AnyStateMachine | undefined;
}

export interface FlowEngineOptions {
  readonly flows: FlowCatalog;
  readonly estimateWait?: WaitEstimator;
  /**
   * Most live actors kept in memory (default 2,000: twice the 1,000 concurrent
   * conversations of the budget). A live care actor holds ~6 KB; one evicted is
   * rehydrated from its snapshot in about the time of a live step.
   */
  readonly maxActors?: number;
  /** Evict actors idle this long (default 10 minutes). */
  readonly idleTtlMs?: number;
  /** Said to the customer when their flow fails and a human takes over. */
  readonly failureReply?: string;
  /**
   * Arm real timeouts for flow timers (default true). Tests with a ManualClock
   * turn it off and call `runDueTimers()` after moving the clock.
   */
  readonly autoTimers?: boolean;
  /**
   * Timers that fell due while the server was down fire this long after
   * start (default 5 s), not at once: the channels first hand over what
   * customers wrote meanwhile, so a customer who wrote is answered, not
   * reminded. A message that moves the flow on cancels its timers.
   */
  readonly overdueGraceMs?: number;
  /**
   * The store is shared with other processes (PostgreSQL): a live actor may be
   * behind a step another process committed, so it is checked against the
   * stored snapshot before each step, and the timers this process fires (when
   * it holds them, see holdTimers) are read again from the store every few
   * seconds to learn the ones the others set.
   */
  readonly sharedStore?: boolean;
  /** Whether this process fires flow timers from start (default true; with several processes, the one with the duties). */
  readonly holdsTimers?: boolean;
}

/** How soon due timers are tried again while the database is away. */
const STORE_AWAY_RETRY_MS = 1_000;

/** How often the process firing timers reads them again when others may set some. */
const TIMER_RESYNC_MS = 2_000;

const OVERDUE_GRACE_MS = 5_000;

interface StepOptions {
  /** The conversation's customer, when the caller holds it (otherwise read from the store). */
  readonly customer?: Customer;
  readonly takeBack?: boolean;
  readonly firedTimer?: string;
  /** The step tells the flow a human resolved the case. */
  readonly resolved?: boolean;
}

interface PreparedStep {
  readonly planned: PlannedStep;
  /** The live actor that took the event; undefined when the flow failed. */
  readonly stepped: LiveActor | undefined;
}

const WAIT_CACHE_MS = 1000;

export class FlowEngine implements ConversationEngine {
  private readonly actors: ActorCache;
  private readonly timers = new TimerTable();
  private readonly estimateWait: WaitEstimator;
  private readonly clock: Clock;
  /** Per line of the queue a handoff would join (skill and priority), the estimate of this moment. */
  private readonly waitCache = new Map<string, { at: number; info: Promise<WaitInfo> }>();
  private timeout: NodeJS.Timeout | undefined;
  /** The deadline `timeout` is armed for: a step that leaves the earliest one as it was re-arms nothing. */
  private armedFor: number | undefined;
  /** Until then no timer fires (see overdueGraceMs), in ms since the epoch. */
  private graceUntil = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Whether this process fires flow timers (see holdTimers). */
  private holdingTimers: boolean;
  private resync: NodeJS.Timeout | undefined;

  constructor(
    private readonly desk: Desk,
    private readonly options: FlowEngineOptions,
  ) {
    this.clock = desk.clock;
    this.estimateWait = options.estimateWait ?? liveWaitEstimator();
    this.actors = new ActorCache(options.maxActors ?? 2_000, options.idleTtlMs ?? 10 * 60_000);
    this.holdingTimers = options.holdsTimers ?? true;
  }

  /** Re-arms every timer left pending in the store. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.loadTimers();
    this.sweeper = setInterval(() => this.actors.sweep(this.clock.now().getTime()), 30_000);
    this.sweeper.unref();
    this.graceUntil = this.clock.now().getTime() + (this.options.overdueGraceMs ?? OVERDUE_GRACE_MS);
    if (this.holdingTimers) this.holdTimers(true);
  }

  /**
   * Whether this process fires flow timers. With several processes only the
   * one holding the duties does; when it takes them it reads every pending
   * timer from the store, then again every few seconds for the ones the
   * others set. Firing reads the timer again under the customer's lock, so a
   * timer another process moved or cancelled meanwhile does not fire.
   */
  holdTimers(held: boolean): void {
    this.holdingTimers = held;
    clearInterval(this.resync);
    this.resync = undefined;
    if (held && this.options.sharedStore && !this.stopped) {
      this.resync = setInterval(() => this.desk.track(this.reloadTimers()), TIMER_RESYNC_MS);
      this.resync.unref();
      this.desk.track(this.reloadTimers());
    }
    this.armTimers();
  }

  /** Reads the timers again and re-arms; with the database away, the next round tries again (the store says so once). */
  private async reloadTimers(): Promise<void> {
    try {
      await this.loadTimers();
    } catch (err) {
      if (!isStoreFailure(err)) throw err;
      this.desk.logger.debug({ err }, 'flow timers not read again yet');
      return;
    }
    this.armTimers();
  }

  /** The timers pending in the store, instead of the ones in memory. */
  private async loadTimers(): Promise<void> {
    const stored = await this.desk.store.listRecords(TIMER_COLLECTION);
    this.timers.clear();
    for (const { value } of stored) if (isFlowTimer(value)) this.timers.put(value);
  }

  /** Stops timers and live actors; their state is already in the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resync);
    if (this.timeout) clearTimeout(this.timeout);
    if (this.sweeper) clearInterval(this.sweeper);
    await this.desk.idle();
    this.actors.clear();
  }

  get liveActors(): number {
    return this.actors.size;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Drops a live actor (it is rehydrated from the store on its next event). */
  evict(conversationId: string): void {
    this.actors.drop(conversationId);
  }

  /** An agent gives the conversation back to the bot: mode `bot`, and the flow hears `agent.handback`. */
  async handBack(conversationId: string, agentId: string): Promise<void> {
    await this.step(conversationId, (env) => ({ type: 'agent.handback', agentId, env }), { takeBack: true });
  }

  /**
   * A human resolved the conversation: the flow hears `conversation.resolved`
   * and may ask its survey; the conversation stays resolved.
   */
  async notifyResolved(conversationId: string): Promise<void> {
    await this.step(conversationId, (env) => ({ type: 'conversation.resolved', env }), { resolved: true });
  }

  /**
   * Whether the flow of a resolved case in its survey window takes this
   * message as an answer: the flow's current state has a transition for it.
   * Asked by ingest before it stores the message, so nothing is sent or saved.
   */
  async takesSurveyAnswer(conversation: Conversation, inbound: ParsedInbound): Promise<boolean> {
    if (!surveyOpen(conversation, this.clock.now())) return false;
    try {
      const live = await this.liveActor(conversation);
      const env: FlowEnv = {
        now: this.clock.now().toISOString(),
        conversationId: conversation.id,
        channel: conversation.channel,
        wait: { minutes: 0, queueLength: 0, open: true },
      };
      return live.actor.getSnapshot().can(customerEvent(inbound, env, live.quickReplies));
    } catch (err) {
      this.desk.logger.error({ err, conversationId: conversation.id }, 'flow could not tell a survey answer');
      return false;
    }
  }

  /** Fires the due timers; with the database away, tries again in a moment instead of failing. */
  private async runDueTimersOrWait(): Promise<void> {
    try {
      await this.runDueTimers();
    } catch (err) {
      if (!isStoreFailure(err)) throw err;
      this.desk.logger.debug({ err }, 'flow timers wait for the database');
      const retry = setTimeout(() => this.armTimers(), STORE_AWAY_RETRY_MS);
      retry.unref();
    }
  }

  /** Fires every timer due by the clock now. */
  async runDueTimers(): Promise<void> {
    for (const timer of this.timers.due(this.clock.now().getTime())) {
      if (this.stopped) return;
      // A step of this loop (or a message meanwhile) may have moved or cancelled it.
      if (!this.timers.isPending(timer)) continue;
      const { name, dueAt } = timer;
      await this.step(timer.conversationId, (env) => ({ type: 'timer.fired', name, dueAt, env }), {
        firedTimer: timer.name,
      });
    }
    this.armTimers();
  }

  private armTimers(): void {
    const next =
      this.stopped || !this.holdingTimers || this.options.autoTimers === false ? undefined : this.timers.next();
    if (this.timeout && next !== undefined && next === this.armedFor) return;
    if (this.timeout) clearTimeout(this.timeout);
    this.timeout = undefined;
    this.armedFor = next;
    if (next === undefined) return;
    const now = this.clock.now().getTime();
    const delay = Math.min(Math.max(0, next - now, this.graceUntil - now), MAX_TIMEOUT_MS);
    this.timeout = setTimeout(() => {
      this.timeout = undefined; // fired: the next armTimers() arms again, even for the same deadline
      this.desk.track(this.runDueTimersOrWait());
    }, delay);
    this.timeout.unref();
  }

  /**
   * The step of a message about to be stored, committed in the message's own
   * write: the message path already holds the customer's lock.
   */
  async planCustomerMessage(arrival: Arrival): Promise<MessageStep | undefined> {
    const { inbound, conversation } = arrival;
    if (inbound.kind !== 'message' && inbound.kind !== 'action') return undefined;
    if (!this.drivesFlow(conversation, {})) return undefined;
    const prepared = await this.prepare(conversation, (env, offered) => customerEvent(inbound, env, offered), {
      // Not stored yet when the message is the customer's first.
      customer: arrival.customer,
    });
    return {
      batch: prepared.planned.batch,
      committed: () => {
        this.committed(conversation.id, prepared);
        this.armTimers();
      },
      failed: () => this.actors.drop(conversation.id),
    };
  }

  private async step(
    conversationId: string,
    /** `offered`: the quick replies the flow offered last. */
    makeEvent: (env: FlowEnv, offered: readonly QuickReply[]) => FlowEvent,
    /** `resolved`: the step tells the flow a human resolved the case. */
    opts: StepOptions = {},
  ): Promise<void> {
    const { store } = this.desk;
    const first = await store.getConversation(conversationId);
    if (!first) return;
    await this.desk.locks.run(customerLock(first.customerId), async () => {
      const conversation = await store.getConversation(conversationId);
      if (!conversation) return;
      // Moved or cancelled since it was listed (by another process too): the stored timer is the truth.
      if (opts.firedTimer && !(await this.stillDue(conversation.id, opts.firedTimer))) return;
      if (!this.drivesFlow(conversation, opts)) {
        if (opts.firedTimer) await this.forgetTimer(conversation, opts.firedTimer);
        return;
      }
      const prepared = await this.prepare(conversation, makeEvent, opts);
      let committed: Awaited<ReturnType<typeof store.commit>>;
      try {
        committed = await store.commit(prepared.planned.batch);
      } catch (err) {
        // The live actor is ahead of the store now: forget it, the snapshot is the truth.
        this.actors.drop(conversationId);
        throw err;
      }
      this.desk.bus.publish(committed.events);
      this.committed(conversationId, prepared);
      if (prepared.planned.batch.outbox?.length) this.desk.outbox.kick(prepared.planned.batch.outbox);
    });
    if (!opts.firedTimer) this.armTimers();
  }

  /** A resolved case still drives its flow while the survey is open (answers, the survey's own timers). */
  private drivesFlow(conversation: Conversation, opts: StepOptions): boolean {
    return (
      conversation.mode === 'bot' ||
      opts.takeBack === true ||
      (conversation.mode === 'resolved' && (opts.resolved === true || conversation.surveyUntil !== undefined))
    );
  }

  /** Sends the event to the conversation's actor and plans the step's one write; a failing flow plans a handoff. */
  private async prepare(
    conversation: Conversation,
    makeEvent: (env: FlowEnv, offered: readonly QuickReply[]) => FlowEvent,
    opts: StepOptions,
  ): Promise<PreparedStep> {
    const now = this.clock.now();
    const env: FlowEnv = {
      now: now.toISOString(),
      conversationId: conversation.id,
      channel: conversation.channel,
      wait: await this.wait(now, conversation),
    };
    try {
      const live = await this.liveActor(conversation);
      live.effects.length = 0;
      live.actor.send(makeEvent(env, live.quickReplies));
      const snapshot = live.actor.getSnapshot();
      if (snapshot.status === 'error') throw snapshot.error;
      return { planned: await this.plan(conversation, now, live, opts), stepped: live };
    } catch (err) {
      this.actors.drop(conversation.id);
      // The store failing (its database away) is not the flow failing: the step is tried again, not handed off.
      if (isStoreFailure(err)) throw err;
      this.desk.logger.error(
        { err, conversationId: conversation.id, flow: conversation.flow },
        'flow failed; handing to a human',
      );
      return { planned: await this.planFailure(conversation, now, err, opts.customer), stepped: undefined };
    }
  }

  /** The step's write is durable: the engine's memory follows it (whoever committed it tells the outbox). */
  private committed(conversationId: string, { planned, stepped }: PreparedStep): void {
    const snapshot = planned.batch.flowSnapshots?.[0]?.snapshot as PersistedFlow | null | undefined;
    if (stepped && snapshot) {
      stepped.quickReplies = snapshot.quickReplies;
      stepped.stamp = snapshot.stamp;
    }
    for (const t of planned.timersSet) this.timers.put(t);
    for (const name of planned.timersCleared) this.timers.remove(conversationId, name);
    if (planned.finished) this.actors.drop(conversationId);
  }

  private async plan(conversation: Conversation, now: Date, live: LiveActor, opts: StepOptions): Promise<PlannedStep> {
    const customer = opts.customer ?? (await this.desk.store.getCustomer(conversation.customerId));
    if (!customer) throw new Error(`customer ${conversation.customerId} of the conversation is missing`);
    const snapshot = live.actor.getSnapshot();
    return planStep({
      conversation,
      customer,
      now,
      effects: live.effects.filter(isFlowEffect),
      flowState: stateName(snapshot.value),
      finished: snapshot.status === 'done',
      persisted: {
        v: 1,
        flow: live.flow,
        xstate: live.actor.getPersistedSnapshot(),
        quickReplies: lastQuickReplies(live.effects),
        stamp: randomUUID(),
      },
      pendingTimers: this.timers.ofConversation(conversation.id),
      takeBack: opts.takeBack === true,
      firedTimer: opts.firedTimer,
      planHandoff: this.desk.human?.planHandoff,
    });
  }

  private async planFailure(
    conversation: Conversation,
    now: Date,
    err: unknown,
    known: Customer | undefined,
  ): Promise<PlannedStep> {
    const customer = known ?? (await this.desk.store.getCustomer(conversation.customerId));
    const reason = `flow failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 256);
    return planStep({
      conversation,
      customer,
      now,
      effects: [
        // A resolved case stays resolved: no promise of a person it would not keep.
        ...(this.options.failureReply === '' || conversation.mode === 'resolved'
          ? []
          : [{ type: 'reply' as const, text: this.failureReply() }]),
        { type: 'handoff', reason, language: conversation.language },
      ],
      flowState: 'failed',
      finished: true,
      persisted: null,
      pendingTimers: this.timers.ofConversation(conversation.id),
      takeBack: false,
      failure: { reason, flow: conversation.flow },
      planHandoff: this.desk.human?.planHandoff,
    });
  }

  private failureReply(): string {
    return (
      this.options.failureReply ?? 'Sorry, something went wrong on our side. A person from our team will reply here.'
    );
  }

  private async liveActor(conversation: Conversation): Promise<LiveActor> {
    const nowMs = this.clock.now().getTime();
    // A live actor is exactly where its stored snapshot is (a failed step or commit drops it): no read.
    const cached = this.actors.get(conversation.id, nowMs);
    if (cached && !this.options.sharedStore) return cached;
    const stored = (await this.desk.store.getFlowSnapshot(conversation.id)) as PersistedFlow | undefined;
    // Another process stepped the flow since this actor's last step: the stored snapshot is the truth.
    if (cached && cached.stamp === stored?.stamp) return cached;
    const machine = this.options.flows.get(conversation.flow);
    if (!machine) {
      throw new CaredeskError(
        'E_FLOW_UNKNOWN',
        `Conversation ${conversation.id} runs flow "${conversation.flow}", which this caredesk does not have; register the flow again or hand the conversation to a person.`,
        { conversationId: conversation.id, flow: conversation.flow },
      );
    }
    const actor: AnyActor = createActor(machine, {
      snapshot: stored?.xstate as never,
      input: { conversationId: conversation.id, channel: conversation.channel, language: conversation.language },
    });
    const live: LiveActor = {
      actor,
      flow: conversation.flow,
      effects: [],
      quickReplies: stored?.quickReplies ?? [],
      stamp: stored?.stamp,
      lastUsed: nowMs,
    };
    actor.on('*', (e: unknown) => live.effects.push(e));
    // Without an error observer XState rethrows asynchronously and would crash the process.
    actor.subscribe({ error: () => undefined });
    actor.start();
    if (actor.getSnapshot().status === 'error') throw actor.getSnapshot().error;
    this.actors.set(conversation.id, live);
    return live;
  }

  /** The conversation as a handoff now would queue it (routing rules, priority); undefined without a human side. */
  private asHandedOff(conversation: Conversation, now: Date): Conversation | undefined {
    try {
      const input = { reason: 'wait estimate', language: conversation.language };
      return this.desk.human?.planHandoff(conversation, input, now).conversation;
    } catch {
      // Only an estimate: the whole queue's wait will do.
      return undefined;
    }
  }

  /**
   * The wait a flow tells the customer: from the place the conversation would
   * take if handed off now (its skill's line, in the queue's order), so the
   * number it says is the one the queue row will show. A topic the flow picks
   * in this same step is not known yet.
   */
  private async wait(now: Date, conversation: Conversation): Promise<WaitInfo> {
    const joining = conversation.mode === 'bot' ? this.asHandedOff(conversation, now) : undefined;
    const key = `${joining?.skill ?? ''}|${joining?.priority ?? ''}`;
    const at = now.getTime();
    const cached = this.waitCache.get(key);
    if (cached && at - cached.at < WAIT_CACHE_MS && at >= cached.at) return cached.info;
    // The promise is cached, not its result: the steps of the same moment and line share one estimate.
    const info = this.estimateWait(this.desk.store, now, joining);
    if (this.waitCache.size > 256) this.waitCache.clear();
    this.waitCache.set(key, { at, info });
    info.catch(() => {
      if (this.waitCache.get(key)?.info === info) this.waitCache.delete(key);
    });
    return info;
  }

  /** Whether the timer is still stored as due now; the table follows the store either way. */
  private async stillDue(conversationId: string, name: string): Promise<boolean> {
    const stored = await this.desk.store.getRecord(TIMER_COLLECTION, `${conversationId}:${name}`);
    if (!isFlowTimer(stored)) {
      this.timers.remove(conversationId, name);
      return false;
    }
    if (Date.parse(stored.dueAt) > this.clock.now().getTime()) {
      this.timers.put(stored);
      return false;
    }
    return true;
  }

  private async forgetTimer(conversation: Conversation, name: string): Promise<void> {
    await this.desk.store.commit({
      records: [{ collection: TIMER_COLLECTION, id: `${conversation.id}:${name}`, value: null }],
    });
    this.timers.remove(conversation.id, name);
  }
}

function customerEvent(inbound: ParsedInbound, env: FlowEnv, offered: readonly QuickReply[]): FlowEvent {
  if (inbound.kind === 'action') return { type: 'customer.action', value: inbound.actionValue ?? inbound.text, env };
  const chosen = matchQuickReply(inbound.text, offered);
  if (chosen) return { type: 'customer.action', value: chosen.value, env };
  return {
    type: 'customer.message',
    text: inbound.text,
    attachments: inbound.attachments,
    language: inbound.language,
    env,
  };
}

function isFlowEffect(e: unknown): e is FlowEffect {
  return typeof e === 'object' && e !== null && typeof (e as { type?: unknown }).type === 'string';
}

function lastQuickReplies(effects: readonly unknown[]): readonly QuickReply[] {
  for (let i = effects.length - 1; i >= 0; i--) {
    const e = effects[i] as FlowEffect;
    if (e.type === 'reply') return e.quickReplies ?? [];
  }
  return [];
}

/** A customer on a text-only channel answers quick replies by number or by label. */
export function matchQuickReply(text: string, offered: readonly QuickReply[]): QuickReply | undefined {
  const t = text.trim().toLowerCase();
  if (t === '' || offered.length === 0) return undefined;
  const n = /^\d{1,2}$/.test(t) ? Number(t) : Number.NaN;
  if (n >= 1 && n <= offered.length) return offered[n - 1];
  return offered.find((q) => q.label.toLowerCase() === t);
}

export function stateName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => {
        const inner = stateName(v);
        return inner ? `${k}.${inner}` : k;
      })
      .join(',');
  }
  return '';
}
