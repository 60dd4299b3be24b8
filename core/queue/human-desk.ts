/**
 * The human side of a Desk, in one object the server and the CLI hold:
 * agents, the queue, the actions, presence and the clockwork (SLA watcher,
 * escalation, auto-reassign, auto-assignment, volume spikes).
 */
import {
  type AgentUpdate,
  createAgent,
  listAgentsWithLoad,
  type NewAgent,
  type Presence,
  PresenceSchema,
  removeAgent,
  rotateToken,
  updateAgent,
  writePresence,
} from '../agents/agents.js';
import type { Desk } from '../desk.js';
import type { Attachment, DomainEvent } from '../domain.js';
import { ForbiddenError, InvalidInputError, isStoreUnavailable } from '../errors.js';
import type { Arrival } from '../ingest.js';
import { computeKpis } from '../kpi/kpis.js';
import { VolumeCounter } from '../kpi/volume-spike.js';
import type { HumanDecision, HumanSide } from '../pipeline.js';
import { SlaWatcher } from '../sla/watcher.js';
import { MAX_TIMEOUT_MS } from '../util/backoff.js';
import * as actions from './actions.js';
import { note, reply, resend } from './agent-messages.js';
import { type DeskConfig, type DeskConfigInput, parseDeskConfig } from './config.js';
import { type FlowControl, loadAgent, type QueueContext } from './context.js';
import { decideCustomerMessage } from './customer-messages.js';
import { listQueue, placeInLine, type QueueFilter } from './queue-view.js';
import { autoAssign } from './routing.js';
import { nextClockworkAt, superviseQueue } from './supervision.js';

export interface HumanDeskOptions {
  readonly config?: DeskConfig | DeskConfigInput;
  readonly flow?: FlowControl;
}

/**
 * The events after which a conversation may have a deadline sooner than the
 * one armed: it was queued, assigned or given a new owner, or a customer wrote
 * (the next-response clock). Deliveries and notes change no deadline.
 */
const STARTS_A_CLOCK: ReadonlySet<string> = new Set([
  'handoff.requested',
  'conversation.assigned',
  'conversation.reassigned',
  'conversation.reopened',
  'conversation.taken_over',
  'conversation.transferred',
  'message.received',
]);

/** A customer's message starts a clock only where people answer (most go to the bot: no read for them). */
const startsAClock = (e: DomainEvent): boolean =>
  STARTS_A_CLOCK.has(e.type) && (e.type !== 'message.received' || e.data.mode === 'queued' || e.data.mode === 'agent');

export class HumanDesk implements HumanSide {
  readonly ctx: QueueContext;
  readonly sla: SlaWatcher;
  /** New conversations per window, followed live: the volume-spike check of each round reads nothing. */
  private readonly volume: VolumeCounter;

  constructor(
    readonly desk: Desk,
    options: HumanDeskOptions = {},
  ) {
    this.ctx = {
      desk,
      config: parseDeskConfig(options.config ?? {}),
      flow: options.flow ?? asFlowControl(desk.engine),
      handbacks: new Map(),
    };
    this.sla = new SlaWatcher(this.ctx);
    this.volume = new VolumeCounter(desk, this.ctx.config.spike);
    // A handoff the flow engine committed itself (planHandoff) is offered to free agents too;
    // scheduled, not awaited: the publisher may still hold the customer's lock.
    desk.bus.subscribe(() => {
      if (this.config.routing.teams.some((t) => t.autoAssign)) desk.track(this.autoAssignLater());
    }, 'handoff.requested');
  }

  /** Before the flow sees a message, the human side decides whether it is the bot's at all. */
  decideCustomerMessage(arrival: Arrival): Promise<HumanDecision> {
    return decideCustomerMessage(this.ctx, arrival);
  }

  /** A flow's handoff gets the same routing, SLA clocks and event as one made here. */
  readonly planHandoff: HumanSide['planHandoff'] = (c, input, now) => actions.planHandoff(c, input, this.config, now);

  private async autoAssignLater(): Promise<void> {
    await Promise.resolve();
    try {
      await autoAssign(this.ctx);
    } catch (err) {
      // A database away is said once by the store; assignment runs again on the next event or round.
      if (isStoreUnavailable(err)) this.desk.logger.debug({ err }, 'auto-assignment waits for the database');
      else this.desk.logger.error({ err }, 'auto-assignment failed');
    }
  }

  get config(): DeskConfig {
    return this.ctx.config;
  }

  // Agents
  createAgent = (input: NewAgent, actorId?: string) => createAgent(this.desk, input, actorId);
  listAgents = () => listAgentsWithLoad(this.desk.store);
  updateAgent = (id: string, change: AgentUpdate, actorId?: string) => updateAgent(this.desk, id, change, actorId);
  rotateToken = (id: string, actorId?: string) => rotateToken(this.desk, id, actorId);

  /** Removes an agent; their conversations go back to the queue first. */
  async removeAgent(id: string, actorId?: string): Promise<void> {
    await loadAgent(this.ctx, id);
    for (const c of await this.desk.store.listConversations({ modes: ['agent'], assignee: id })) {
      await actions.requeue(this.ctx, c.id, 'removed', id);
    }
    await removeAgent(this.desk, id, actorId);
  }

  /** An agent sets their own presence; a supervisor may set anyone's. Offline hands their conversations back to the queue (configurable). */
  async setPresence(agentId: string, presence: Presence, actorId: string = agentId): Promise<void> {
    const parsed = PresenceSchema.safeParse(presence);
    if (!parsed.success) throw new InvalidInputError('Presence must be online, away or offline.');
    if (actorId !== agentId) {
      const actor = await loadAgent(this.ctx, actorId);
      if (actor.role !== 'supervisor') throw new ForbiddenError('Only a supervisor may set another agent’s presence.');
    }
    await writePresence(this.desk, agentId, parsed.data, actorId);
    if (parsed.data === 'offline' && this.config.reassign.onOffline) {
      for (const c of await this.desk.store.listConversations({ modes: ['agent'], assignee: agentId })) {
        await actions.requeue(this.ctx, c.id, 'offline', agentId);
      }
    }
    if (parsed.data === 'online') await autoAssign(this.ctx);
  }

  /**
   * The agent's terminal has had no live event stream for `presence.awayAfterDisconnect`: an
   * online agent becomes `away` (no new assignments; what they own stays theirs). True if it changed.
   */
  async awayWhileDisconnected(agentId: string): Promise<boolean> {
    if ((await this.desk.store.getAgent(agentId))?.presence !== 'online') return false;
    await writePresence(this.desk, agentId, 'away', agentId, 'disconnected');
    return true;
  }

  /** The terminal is back: online again if the desk had set them away, not if they chose away themselves. */
  async backOnReconnect(agentId: string): Promise<boolean> {
    const agent = await this.desk.store.getAgent(agentId);
    if (agent?.presence !== 'away' || !agent.autoAway) return false;
    await writePresence(this.desk, agentId, 'online', agentId, 'reconnected');
    await autoAssign(this.ctx);
    return true;
  }

  // The queue
  listConversations = (filter: QueueFilter = {}) => listQueue(this.desk.store, filter, this.desk.clock.now());
  placeInLine = (conversationId: string) => placeInLine(this.desk.store, conversationId);

  // Actions
  async handoff(conversationId: string, input: actions.HandoffInput = {}) {
    const result = await actions.handoff(this.ctx, conversationId, input);
    await autoAssign(this.ctx);
    return result;
  }
  claim = (conversationId: string, agentId: string) => actions.claim(this.ctx, conversationId, agentId);
  takeover = (conversationId: string, agentId: string) => actions.takeover(this.ctx, conversationId, agentId);
  reply = (conversationId: string, agentId: string, text: unknown, attachments?: readonly Attachment[]) =>
    reply(this.ctx, conversationId, agentId, text, attachments);
  note = (conversationId: string, agentId: string, text: unknown, attachments?: readonly Attachment[]) =>
    note(this.ctx, conversationId, agentId, text, attachments);
  /** A reply the channel failed to deliver goes out once more. */
  resend = (conversationId: string, agentId: string, messageId: string) =>
    resend(this.ctx, conversationId, agentId, messageId);
  async transfer(conversationId: string, agentId: string, target: actions.TransferTarget) {
    const result = await actions.transfer(this.ctx, conversationId, agentId, target);
    if (result.conversation.mode === 'queued') await autoAssign(this.ctx);
    return result;
  }
  release = (conversationId: string, agentId: string) => actions.release(this.ctx, conversationId, agentId);
  resolve = (conversationId: string, agentId: string) => actions.resolve(this.ctx, conversationId, agentId);

  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (ms since the epoch, by the desk's clock). */
  private timerAt: number | undefined;
  private running = false;
  private maxDelay = 30_000;
  private unsubscribe: (() => void) | undefined;
  /** Conversations changed since the last look: their next deadline may be sooner than the one armed. */
  private readonly changed = new Set<string>();

  /**
   * Runs the clockwork when something falls due, from the earliest deadline
   * (SLA warnings and breaches, escalation, a silent agent's reassignment)
   * and at least every `maxDelayMs`. A change to a conversation (a handoff,
   * an assignment, a customer's message) re-arms it if that brings a
   * deadline closer. Deadlines are read from the store, so after a restart
   * `start()` raises what was missed.
   */
  start(options: { maxDelayMs?: number } = {}): void {
    if (this.running) return;
    this.running = true;
    this.maxDelay = options.maxDelayMs ?? 30_000;
    // Changes made by the desk's other processes bring deadlines closer too.
    this.unsubscribe = this.desk.bus.subscribe(
      (e) => {
        if (e.conversationId && startsAClock(e)) this.noticeChange(e.conversationId);
      },
      undefined,
      { elsewhereToo: true, types: [...STARTS_A_CLOCK] },
    );
    this.desk.track(this.round());
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.volume.stop();
  }

  private async round(): Promise<void> {
    this.timer = undefined;
    this.timerAt = undefined;
    try {
      await this.tick();
    } catch (err) {
      if (isStoreUnavailable(err)) this.desk.logger.debug({ err }, 'queue clockwork waits for the database');
      else this.desk.logger.error({ err }, 'queue clockwork failed; retrying');
    }
    if (!this.running) return;
    this.arm(await this.nextDueAt().catch(() => undefined));
  }

  /** The earliest moment the clockwork has something to do, over every open conversation. */
  async nextDueAt(): Promise<Date | undefined> {
    let next: number | undefined;
    for (const c of await this.desk.store.listConversations({ modes: ['queued', 'agent'] })) {
      const at = nextClockworkAt(this.ctx, c)?.getTime();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next === undefined ? undefined : new Date(next);
  }

  /** Arms the timer for `next` (at most maxDelay away), unless one is armed sooner. */
  private arm(next: Date | undefined): void {
    if (!this.running) return;
    const now = this.desk.clock.now().getTime();
    const at = Math.min(now + this.maxDelay, next?.getTime() ?? Number.POSITIVE_INFINITY);
    if (this.timer && this.timerAt !== undefined && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    // At least 50 ms: a deadline already past is raised at once, but not in a loop.
    this.timer = setTimeout(() => this.desk.track(this.round()), Math.min(MAX_TIMEOUT_MS, Math.max(50, at - now)));
    this.timer.unref();
  }

  private noticeChange(conversationId: string): void {
    if (!this.running) return;
    if (this.changed.size === 0) setImmediate(() => this.desk.track(this.lookAtChanged()));
    this.changed.add(conversationId);
  }

  private async lookAtChanged(): Promise<void> {
    const ids = [...this.changed];
    this.changed.clear();
    try {
      // Asked for together: the store reads them in one query.
      const changed = await Promise.all(ids.map((id) => this.desk.store.getConversation(id)));
      for (const c of changed) {
        const at = c ? nextClockworkAt(this.ctx, c) : undefined;
        if (at) this.arm(at);
      }
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      // The database is away (the store says so once): the next round reads every deadline anyway.
      this.desk.logger.debug({ err }, 'queue clockwork waits for the database');
    }
  }

  /** The KPIs over conversations opened since `since`. */
  kpis = (since: Date, by?: 'channel' | 'agent') =>
    computeKpis(this.desk.store, { since, now: this.desk.clock.now(), by });

  /** One round of the clockwork at `now`: SLA alerts, auto-reassign, escalation, auto-assignment, volume spikes. */
  async tick(now: Date = this.desk.clock.now()) {
    const alerts = await this.sla.tick(now);
    const queue = await superviseQueue(this.ctx, now);
    const spikes = await this.volume.detect(now);
    return { alerts, ...queue, spikes };
  }
}

/** The desk's engine, when it can take a handback and run a survey. */
function asFlowControl(engine: unknown): FlowControl | undefined {
  const e = engine as Partial<FlowControl> | undefined;
  return typeof e?.handBack === 'function' && typeof e.notifyResolved === 'function' ? (e as FlowControl) : undefined;
}
