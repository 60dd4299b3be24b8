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
import { ForbiddenError, InvalidInputError } from '../errors.js';
import type { Arrival } from '../ingest.js';
import { computeKpis } from '../kpi/kpis.js';
import { VolumeCounter } from '../kpi/volume-spike.js';
import type { HumanDecision, HumanSide } from '../pipeline.js';
import { SlaWatcher } from '../sla/watcher.js';
import * as actions from './actions.js';
import { note, reply, resend } from './agent-messages.js';
import { type DeskConfig, type DeskConfigInput, parseDeskConfig } from './config.js';
import { type FlowControl, loadAgent, type QueueContext } from './context.js';
import { decideCustomerMessage } from './customer-messages.js';
import { listQueue, placeInLine, type QueueFilter } from './queue-view.js';
import { autoAssign } from './routing.js';
import { superviseQueue } from './supervision.js';

export interface HumanDeskOptions {
  readonly config?: DeskConfig | DeskConfigInput;
  readonly flow?: FlowControl;
}

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
      this.desk.logger.error({ err }, 'auto-assignment failed');
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
  reply = (conversationId: string, agentId: string, text: unknown) => reply(this.ctx, conversationId, agentId, text);
  note = (conversationId: string, agentId: string, text: unknown) => note(this.ctx, conversationId, agentId, text);
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
  private running = false;

  /**
   * Runs the clockwork now and again whenever something falls due (at most
   * `maxDelayMs` apart). Deadlines are read from the store each time, so
   * after a restart `start()` re-arms every timer and raises what was missed.
   */
  start(options: { maxDelayMs?: number } = {}): void {
    if (this.running) return;
    this.running = true;
    const maxDelay = options.maxDelayMs ?? 30_000;
    const round = async (): Promise<void> => {
      try {
        await this.tick();
      } catch (err) {
        this.desk.logger.error({ err }, 'queue clockwork failed; retrying');
      }
      if (!this.running) return;
      const next = await this.sla.nextDueAt().catch(() => undefined);
      const wait = next ? next.getTime() - this.desk.clock.now().getTime() : maxDelay;
      this.timer = setTimeout(() => this.desk.track(round()), Math.max(100, Math.min(maxDelay, wait)));
      this.timer.unref();
    };
    this.desk.track(round());
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.volume.stop();
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
