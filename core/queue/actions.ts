/**
 * The desk actions that move a conversation between the bot, the queue and
 * the agents. Each runs under the customer's lock, checks the move with the
 * ownership machine, and commits the conversation with its events (carrying
 * the acting agent: the audit trail) in one write before publishing them.
 */
import { z } from 'zod';
import type { Agent, Conversation, NewEvent } from '../domain.js';
import { PrioritySchema } from '../domain.js';
import { describeIssues, ForbiddenError, InvalidInputError } from '../errors.js';
import { startQueueTimers, stopHumanTimers } from '../sla/timers.js';
import type { DeskConfig } from './config.js';
import {
  type ChangeResult,
  type ConversationChange,
  caseEvent,
  changeConversation,
  loadAgent,
  type QueueContext,
  requireOwnerOrSupervisor,
} from './context.js';
import { tellCustomer, withUpdate } from './customer-updates.js';
import { applyOwnership } from './ownership.js';
import { routeByRules } from './routing-rules.js';
import { rememberSilence, silentReassignments } from './silence.js';

export const HandoffInputSchema = z.object({
  reason: z.string().max(256).optional(),
  topic: z.string().max(64).optional(),
  language: z.string().max(16).optional(),
  priority: PrioritySchema.optional(),
  /** The department the customer picked, or the flow chose. */
  skill: z.string().max(64).optional(),
});
export type HandoffInput = z.input<typeof HandoffInputSchema>;

function parseInput<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw new InvalidInputError(`${what} is invalid: ${describeIssues(r.error.issues)}`);
  return r.data;
}

/**
 * The handoff itself, without writing: for the flow engine, which commits it
 * with its own step (it already holds the customer's lock).
 */
export function planHandoff(
  c: Conversation,
  raw: HandoffInput,
  config: DeskConfig,
  now: Date,
  agentId?: string,
): { conversation: Conversation; events: NewEvent[] } {
  const input = parseInput(HandoffInputSchema, raw, 'The handoff');
  const owner = applyOwnership(c, { type: 'HANDOFF' });
  const described = {
    ...c,
    topic: input.topic ?? c.topic,
    language: input.language ?? c.language,
    handoffReason: input.reason ?? c.handoffReason,
  };
  const routed = routeByRules(described, config);
  const next: Conversation = {
    ...described,
    mode: owner.mode,
    assignee: undefined,
    skill: input.skill ?? routed.skill ?? c.skill,
    priority: input.priority ?? routed.priority ?? c.priority,
    updatedAt: now.toISOString(),
  };
  next.sla = startQueueTimers(next, config, now);
  const event = caseEvent('handoff.requested', next, now, agentId, {
    reason: next.handoffReason,
    topic: next.topic,
    language: next.language,
    priority: next.priority,
    channel: next.channel,
    skill: next.skill,
  });
  return { conversation: next, events: [event] };
}

/** Puts a conversation the bot is handling in the universal queue. */
export function handoff(ctx: QueueContext, conversationId: string, input: HandoffInput = {}): Promise<ChangeResult> {
  return changeConversation(ctx, conversationId, (c, now) => planHandoff(c, input, ctx.config, now));
}

function assigned(c: Conversation, agentId: string, now: Date, lastAssignee?: string): Conversation {
  return {
    ...c,
    mode: 'agent',
    assignee: agentId,
    lastAssignee: lastAssignee ?? agentId,
    updatedAt: now.toISOString(),
    sla: { ...c.sla, assignedAt: now.toISOString() },
  };
}

/** Takes a queued conversation. Atomic: of two agents claiming at once, the second gets E_CLAIM_CONFLICT. */
export async function claim(ctx: QueueContext, conversationId: string, agentId: string): Promise<ChangeResult> {
  await loadAgent(ctx, agentId);
  return changeConversation(ctx, conversationId, (c, now) => {
    applyOwnership(c, { type: 'CLAIM', agentId });
    const next = assigned(c, agentId, now);
    return { conversation: next, events: [caseEvent('conversation.assigned', next, now, agentId, { via: 'claim' })] };
  });
}

/** Router's assignment of a queued conversation to an agent (`by`: the supervisor, or none for auto). */
export async function assign(
  ctx: QueueContext,
  conversationId: string,
  agentId: string,
  via: 'auto' | 'supervisor',
  by?: string,
): Promise<ChangeResult> {
  return changeConversation(ctx, conversationId, (c, now) => {
    applyOwnership(c, { type: 'ASSIGN', agentId });
    const next = assigned(c, agentId, now);
    return {
      conversation: next,
      events: [caseEvent('conversation.assigned', next, now, by, { via, assignee: agentId })],
    };
  });
}

function mayTakeOver(agent: Agent, c: Conversation): boolean {
  return agent.role === 'supervisor' || (c.skill !== undefined && agent.skills.includes(c.skill));
}

/** A supervisor (or an agent with the conversation's skill) takes a conversation from the bot; the flow pauses. */
export async function takeover(ctx: QueueContext, conversationId: string, agentId: string): Promise<ChangeResult> {
  const agent = await loadAgent(ctx, agentId);
  return changeConversation(ctx, conversationId, (c, now) => {
    if (!mayTakeOver(agent, c)) {
      throw new ForbiddenError(
        `Only a supervisor${c.skill ? ` or an agent with skill "${c.skill}"` : ''} may take over conversation ${c.id} from the bot.`,
        { agentId, conversationId: c.id, skill: c.skill },
      );
    }
    applyOwnership(c, { type: 'TAKEOVER', agentId });
    const next = assigned(c, agentId, now);
    next.sla = startQueueTimers(next, ctx.config, now);
    return {
      conversation: next,
      events: [
        caseEvent('conversation.taken_over', next, now, agentId, { flowState: c.flowState }),
        caseEvent('conversation.assigned', next, now, agentId, { via: 'takeover' }),
      ],
    };
  });
}

export const TransferTargetSchema = z.union([
  z.object({ agent: z.string().min(1).max(128) }).strict(),
  z.object({ skill: z.string().min(1).max(64) }).strict(),
]);
export type TransferTarget = z.infer<typeof TransferTargetSchema>;

/** To another agent (they own it now), or to a skill (back in the queue for that skill). */
export async function transfer(
  ctx: QueueContext,
  conversationId: string,
  agentId: string,
  raw: TransferTarget,
): Promise<ChangeResult> {
  const target = parseInput(TransferTargetSchema, raw, 'The transfer target');
  const agent = await loadAgent(ctx, agentId);
  if ('agent' in target) await loadAgent(ctx, target.agent);
  return changeConversation(ctx, conversationId, async (c, now) => {
    requireOwnerOrSupervisor(agent, c, 'transfer');
    if ('agent' in target) {
      // A supervisor sending a queued conversation to someone is an assignment.
      applyOwnership(
        c,
        c.mode === 'queued'
          ? { type: 'ASSIGN', agentId: target.agent }
          : { type: 'TRANSFER_TO_AGENT', agentId: target.agent },
      );
      const next = assigned(c, target.agent, now);
      return {
        conversation: next,
        events: [caseEvent('conversation.transferred', next, now, agentId, { from: c.assignee, to: target.agent })],
      };
    }
    const owner = applyOwnership(c, { type: 'TRANSFER_TO_SKILL', skill: target.skill });
    const next: Conversation = {
      ...c,
      mode: owner.mode,
      assignee: undefined,
      skill: target.skill,
      updatedAt: now.toISOString(),
    };
    next.sla = startQueueTimers(next, ctx.config, now);
    return tellRequeued(ctx, now, {
      conversation: next,
      events: [caseEvent('conversation.transferred', next, now, agentId, { from: c.assignee, skill: target.skill })],
    });
  });
}

/** Back to the queue without an owner (auto-reassign, an agent going offline or removed). */
export function requeue(
  ctx: QueueContext,
  conversationId: string,
  reason: 'offline' | 'silent' | 'removed',
  expectedAssignee: string,
): Promise<ChangeResult> {
  return changeConversation(ctx, conversationId, async (c, now) => {
    if (c.mode !== 'agent' || c.assignee !== expectedAssignee) return { conversation: c, events: [] };
    applyOwnership(c, { type: 'REASSIGN' });
    const next: Conversation = { ...c, mode: 'queued', assignee: undefined, updatedAt: now.toISOString() };
    next.sla = { ...next.sla, queuedAt: now.toISOString(), assignedAt: undefined };
    const data: Record<string, unknown> = { reason, from: expectedAssignee };
    if (reason === 'silent') data.silentReassignments = silentReassignments(c) + 1;
    const change = { conversation: next, events: [caseEvent('conversation.reassigned', next, now, undefined, data)] };
    if (reason !== 'silent') return tellRequeued(ctx, now, change);
    // Escalated: the customer is told a supervisor has it, not that "another person" will answer.
    const silence = await rememberSilence(ctx, change, expectedAssignee, now);
    return silence.escalated ? silence.change : tellRequeued(ctx, now, silence.change);
  });
}

/** A case back in the queue: its customer is told, in the same write, that someone else will answer and when. */
async function tellRequeued(ctx: QueueContext, now: Date, change: ConversationChange): Promise<ConversationChange> {
  const { onRequeue } = ctx.config.customerUpdates;
  if (!onRequeue.enabled) return change;
  return withUpdate(change, await tellCustomer(ctx, change.conversation, onRequeue.text, now));
}

/**
 * The flow's handback step clears the mark; when there was none to take it (no
 * flow, or it failed), it is cleared here so that nobody waits for it.
 */
async function handedBackMarkCleared(ctx: QueueContext, conversationId: string, since: string | undefined) {
  if (since === undefined) return;
  try {
    if ((await ctx.desk.store.getConversation(conversationId))?.handingBackSince !== since) return;
    await changeConversation(ctx, conversationId, (c) => ({
      conversation: c.handingBackSince === since ? { ...c, handingBackSince: undefined } : c,
      events: [],
    }));
  } catch (err) {
    // Messages wait for a mark only a few seconds: one left behind costs that much, once.
    ctx.desk.logger.debug({ err, conversationId }, 'handback mark not cleared');
  }
}

/** Gives the conversation back to the bot: the flow receives `agent.handback`. */
export async function release(ctx: QueueContext, conversationId: string, agentId: string): Promise<ChangeResult> {
  const agent = await loadAgent(ctx, agentId);
  let handedBack!: () => void;
  const pending = new Promise<void>((resolve) => {
    handedBack = resolve;
  });
  const result = await changeConversation(ctx, conversationId, (c, now) => {
    requireOwnerOrSupervisor(agent, c, 'hand back');
    const owner = applyOwnership(c, { type: 'RELEASE' });
    const next: Conversation = {
      ...c,
      mode: owner.mode,
      assignee: undefined,
      lastAssignee: owner.lastAssignee,
      updatedAt: now.toISOString(),
      sla: stopHumanTimers(c.sla),
      // Other processes' customer messages wait for the handback too (customer-messages.ts).
      handingBackSince: now.toISOString(),
    };
    // Registered before the lock is let go, so the next customer message waits for the handback.
    ctx.handbacks.set(conversationId, pending);
    return {
      conversation: next,
      events: [caseEvent('conversation.released', next, now, agentId, { from: c.assignee })],
    };
  }).catch((err: unknown) => {
    handedBack();
    throw err;
  });
  try {
    await ctx.flow?.handBack(conversationId, agentId);
  } catch (err) {
    // The conversation is the bot's again either way; a flow that failed to take it is the engine's to report.
    ctx.desk.logger.error({ err, conversationId }, 'flow did not take the handback');
  } finally {
    await handedBackMarkCleared(ctx, conversationId, result.conversation.handingBackSince);
    if (ctx.handbacks.get(conversationId) === pending) ctx.handbacks.delete(conversationId);
    handedBack();
  }
  return result;
}

/**
 * Closes the case: it is `resolved` from now on, also while the flow asks its
 * survey (the answers reach the flow without reopening it). Resolving twice,
 * survey or not, is E_INVALID_STATE.
 */
export async function resolve(ctx: QueueContext, conversationId: string, agentId: string): Promise<ChangeResult> {
  const agent = await loadAgent(ctx, agentId);
  const result = await changeConversation(ctx, conversationId, (c, now) => {
    if (c.mode !== 'resolved') requireOwnerOrSupervisor(agent, c, 'resolve');
    const owner = applyOwnership(c, { type: 'RESOLVE' });
    const next: Conversation = {
      ...c,
      mode: owner.mode,
      assignee: undefined,
      lastAssignee: c.assignee ?? c.lastAssignee,
      resolvedAt: now.toISOString(),
      updatedAt: now.toISOString(),
      sla: stopHumanTimers(c.sla),
    };
    return {
      conversation: next,
      events: [
        caseEvent('conversation.resolved', next, now, agentId, {
          from: c.mode,
          assignee: c.assignee,
          humanHandled: next.lastAssignee !== undefined,
        }),
      ],
    };
  });
  // The case is resolved whatever the survey does: a failing survey does not undo it.
  await ctx.flow?.notifyResolved(conversationId).catch((err: unknown) => {
    ctx.desk.logger.error({ err, conversationId }, 'flow could not run its survey');
  });
  return result;
}
