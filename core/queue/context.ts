/**
 * What the desk actions share: the Desk (store, bus, clock, locks,
 * dispatcher), the desk configuration, and the flow engine's two entry points
 * the human side needs. Plus the one way to change a conversation: under the
 * customer's lock, re-read, decide, commit conversation + messages + outbox +
 * events in one write, then publish.
 */
import type { Desk } from '../desk.js';
import type { Agent, Conversation, Message, NewEvent, OutboxEntry } from '../domain.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { customerLock } from '../ingest.js';
import type { DeskConfig } from './config.js';

/** The flow engine as the human side sees it (core/engine implements it). */
export interface FlowControl {
  /** The agent gave the conversation back: the flow receives `agent.handback`. */
  handBack(conversationId: string, agentId: string): Promise<void>;
  /** The conversation was resolved: the flow runs its survey. */
  notifyResolved(conversationId: string): Promise<void>;
}

export interface QueueContext {
  readonly desk: Desk;
  readonly config: DeskConfig;
  readonly flow: FlowControl | undefined;
  /** Handbacks the flow has not finished receiving: a customer message waits for them. */
  readonly handbacks: Map<string, Promise<void>>;
}

export interface ConversationChange {
  readonly conversation: Conversation;
  readonly events: readonly NewEvent[];
  readonly messages?: readonly Message[];
  readonly outbox?: readonly OutboxEntry[];
  /** Other conversations of the same customer changed in the same write. */
  readonly others?: readonly Conversation[];
}

export type ChangeResult = Awaited<ReturnType<typeof changeConversation>>;

export async function loadConversation(ctx: QueueContext, id: string): Promise<Conversation> {
  const c = await ctx.desk.store.getConversation(id);
  if (!c) throw new NotFoundError('conversation', id);
  return c;
}

export async function loadAgent(ctx: QueueContext, id: string): Promise<Agent> {
  const a = await ctx.desk.store.getAgent(id);
  if (!a) throw new NotFoundError('agent', id);
  return a;
}

/** Runs `decide` on the freshest copy of the conversation, under its customer's lock, and commits what it returns. */
export async function changeConversation(
  ctx: QueueContext,
  conversationId: string,
  decide: (current: Conversation, now: Date) => ConversationChange | Promise<ConversationChange>,
): Promise<{ conversation: Conversation; previous: Conversation; events: import('../domain.js').DomainEvent[] }> {
  const { desk } = ctx;
  for (let attempt = 0; ; attempt++) {
    const seen = await loadConversation(ctx, conversationId);
    const out = await desk.locks.run(customerLock(seen.customerId), async () => {
      const current = await loadConversation(ctx, conversationId);
      // Merged into another customer while we waited: take that customer's lock instead.
      if (current.customerId !== seen.customerId && attempt < 3) return undefined;
      const change = await decide(current, desk.clock.now());
      // Nothing to record (a check that found nothing to do): no write at all.
      if (
        change.conversation === current &&
        change.events.length === 0 &&
        !change.messages?.length &&
        !change.others?.length
      ) {
        return { conversation: current, previous: current, events: [] };
      }
      const result = await desk.store.commit({
        conversations: [change.conversation, ...(change.others ?? [])],
        messages: change.messages ?? [],
        outbox: change.outbox ?? [],
        events: change.events,
      });
      desk.bus.publish(result.events);
      if (change.outbox?.length) desk.outbox.kick(change.outbox);
      return { conversation: change.conversation, previous: current, events: [...result.events] };
    });
    if (out) return out;
  }
}

export function requireSupervisor(agent: Agent, action: string): void {
  if (agent.role !== 'supervisor') {
    throw new ForbiddenError(`Only a supervisor may ${action}; ask one to do it.`, { agentId: agent.id, action });
  }
}

/** The conversation's owner, or a supervisor. */
export function requireOwnerOrSupervisor(agent: Agent, c: Conversation, action: string): void {
  if (agent.role === 'supervisor' || (c.mode === 'agent' && c.assignee === agent.id)) return;
  throw new ForbiddenError(
    `Conversation ${c.id} is not yours${c.assignee ? ` (agent ${c.assignee} has it)` : ''}; you may not ${action} it. Claim it first, or ask a supervisor.`,
    { agentId: agent.id, conversationId: c.id, assignee: c.assignee, action },
  );
}

/** An event about a conversation, with the acting agent (the audit trail). */
export function caseEvent(
  type: string,
  c: Conversation,
  now: Date,
  agentId: string | undefined,
  data: Record<string, unknown> = {},
): NewEvent {
  return { type, at: now.toISOString(), conversationId: c.id, customerId: c.customerId, agentId, data };
}
