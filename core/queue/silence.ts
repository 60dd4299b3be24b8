/**
 * Agents who stay silent on a case (`reassign.onSilence`): the case is taken
 * from them, and remembered on the conversation (`sla.silentAgents`, so a
 * restart forgets nothing). Auto-assignment does not give it straight back
 * to them (`reassign.silentCooldown`), which without this made a case bounce
 * between the queue and the only agent who fits it. After
 * `reassign.escalateAfterSilent` such reassignments the case is escalated to
 * the supervisors and its customer is told, in the same write.
 */
import type { Agent, Conversation, NewEvent } from '../domain.js';
import { policyFor } from '../sla/timers.js';
import { type ConversationChange, caseEvent, type QueueContext } from './context.js';
import { tellCustomer, withUpdate } from './customer-updates.js';
import { bumpPriority } from './routing-rules.js';

type Silences = NonNullable<Conversation['sla']['silentAgents']>;

/** How many times this case was taken from a silent agent. */
export const silentReassignments = (c: Conversation): number => c.sla.silentAgents?.length ?? 0;

/** Escalated for silence already: the supervisors have it, and no silent agent gets it back by itself. */
function escalatedForSilence(ctx: QueueContext, c: Conversation): boolean {
  return silentReassignments(c) >= ctx.config.reassign.escalateAfterSilent;
}

/** When `agentId` last lost this case for silence, if ever. */
function lastSilence(c: Conversation, agentId: string): number | undefined {
  const mine = (c.sla.silentAgents ?? []).filter((s) => s.agentId === agentId);
  return mine.length === 0 ? undefined : Date.parse(mine[mine.length - 1]!.at);
}

/** Whether auto-assignment may give this case to `agent` now, as far as their silences on it go. */
export function mayGetBack(ctx: QueueContext, agent: Pick<Agent, 'id'>, c: Conversation, now: Date): boolean {
  const last = lastSilence(c, agent.id);
  if (last === undefined) return true;
  if (escalatedForSilence(ctx, c)) return false;
  return now.getTime() >= last + ctx.config.reassign.silentCooldown;
}

/**
 * When a silent agent may be offered this queued case again (the clockwork
 * runs auto-assignment then); undefined when nobody waits for that, or no more.
 */
export function cooldownEndsAt(ctx: QueueContext, c: Conversation): Date | undefined {
  if (c.mode !== 'queued' || !c.sla.silentAgents?.length || escalatedForSilence(ctx, c)) return undefined;
  if (!ctx.config.routing.teams.some((t) => t.autoAssign)) return undefined;
  const ends = Math.max(...c.sla.silentAgents.map((s) => Date.parse(s.at))) + ctx.config.reassign.silentCooldown;
  // Past: the round after it offered the case already; nothing to wake up for again.
  return ends > ctx.desk.clock.now().getTime() ? new Date(ends) : undefined;
}

/**
 * The requeue of `change` (the case taken from `agentId` for silence) with
 * that silence remembered; at the configured count, the case escalated to
 * the supervisors and the customer told so instead of "another person".
 */
export async function rememberSilence(
  ctx: QueueContext,
  change: ConversationChange,
  agentId: string,
  now: Date,
): Promise<{ change: ConversationChange; escalated: boolean }> {
  const c = change.conversation;
  const silentAgents: Silences = [...(c.sla.silentAgents ?? []), { agentId, at: now.toISOString() }].slice(-32);
  const next: Conversation = { ...c, sla: { ...c.sla, silentAgents } };
  const remembered: ConversationChange = { ...change, conversation: next };
  if (!escalatedForSilence(ctx, next)) return { change: remembered, escalated: false };
  const escalated: Conversation = {
    ...next,
    priority: bumpPriority(next.priority),
    sla: { ...next.sla, escalatedAt: now.toISOString() },
  };
  const event: NewEvent = caseEvent('conversation.escalated', escalated, now, undefined, {
    from: next.priority,
    to: escalated.priority,
    reason: 'silent',
    silentReassignments: silentAgents.length,
    silentAgents: [...new Set(silentAgents.map((s) => s.agentId))],
    queuedAt: escalated.sla.queuedAt,
    policy: policyFor(escalated, ctx.config).name,
  });
  const out: ConversationChange = { ...remembered, conversation: escalated, events: [...change.events, event] };
  const { onSilentEscalation } = ctx.config.customerUpdates;
  if (!onSilentEscalation.enabled) return { change: out, escalated: true };
  return { change: withUpdate(out, await tellCustomer(ctx, escalated, onSilentEscalation.text, now)), escalated: true };
}
