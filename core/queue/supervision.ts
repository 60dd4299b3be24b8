/**
 * The queue's own clockwork, run by the scheduler: escalate what waits too
 * long, take conversations back from agents who went silent, and offer
 * what is queued to free agents. Everything it needs is in the store, so
 * a restart changes nothing.
 */
import type { Conversation, NewEvent } from '../domain.js';
import { addBusinessTime } from '../sla/business-hours.js';
import { nextAlertAt, policyFor } from '../sla/timers.js';
import { requeue } from './actions.js';
import { caseEvent, changeConversation, type QueueContext } from './context.js';
import { autoAssign } from './routing.js';
import { bumpPriority } from './routing-rules.js';
import { cooldownEndsAt } from './silence.js';

/** When this conversation escalates if still queued; undefined when it will not (urgent and escalated already). */
function escalationAt(ctx: QueueContext, c: Conversation): Date | undefined {
  if (c.mode !== 'queued' || (c.priority === 'urgent' && c.sla.escalatedAt)) return undefined;
  const policy = policyFor(c, ctx.config);
  const since = new Date(c.sla.escalatedAt ?? c.sla.queuedAt ?? c.updatedAt);
  const hours = policy.businessHoursOnly ? ctx.config.sla.businessHours : undefined;
  return addBusinessTime(since, policy.escalateAfter ?? policy.firstResponse, hours);
}

/** When a silent agent loses this conversation to the queue (when configured): owed an answer, and had a full target. */
function silenceAt(ctx: QueueContext, c: Conversation): Date | undefined {
  if (c.mode !== 'agent' || !c.assignee || !ctx.config.reassign.onSilence) return undefined;
  const owed = [c.sla.firstResponseDueAt, c.sla.nextResponseDueAt]
    .filter((d): d is string => d !== undefined)
    .sort()[0];
  if (owed === undefined) return undefined;
  const policy = policyFor(c, ctx.config);
  const hours = policy.businessHoursOnly ? ctx.config.sla.businessHours : undefined;
  const fullTarget = addBusinessTime(new Date(c.sla.assignedAt ?? c.updatedAt), policy.nextResponse, hours);
  return new Date(Math.max(Date.parse(owed), fullTarget.getTime()));
}

/**
 * The next moment the clockwork has something to do for this conversation:
 * an SLA warning or breach (the reply window's too), an escalation, a silent
 * agent's reassignment, the end of a silent agent's cooldown (auto-assignment
 * may offer them the case again).
 */
export function nextClockworkAt(ctx: QueueContext, c: Conversation): Date | undefined {
  const alert = nextAlertAt(c);
  const times = [
    alert === undefined ? undefined : new Date(alert),
    escalationAt(ctx, c),
    silenceAt(ctx, c),
    cooldownEndsAt(ctx, c),
  ].filter((d): d is Date => d !== undefined);
  return times.length === 0 ? undefined : new Date(Math.min(...times.map((d) => d.getTime())));
}

/** Queued past its policy's limit (business time) since it was queued or last escalated: priority up, event. */
export async function escalateOverdue(ctx: QueueContext, now: Date): Promise<string[]> {
  const escalated: string[] = [];
  for (const c of await ctx.desk.store.listConversations({ modes: ['queued'] })) {
    const dueAt = escalationAt(ctx, c);
    if (dueAt === undefined || dueAt > now) continue;
    const policy = policyFor(c, ctx.config);
    await changeConversation(ctx, c.id, (cur, at) => {
      if (cur.mode !== 'queued' || cur.sla.escalatedAt !== c.sla.escalatedAt) return { conversation: cur, events: [] };
      const next = {
        ...cur,
        priority: bumpPriority(cur.priority),
        updatedAt: at.toISOString(),
        sla: { ...cur.sla, escalatedAt: at.toISOString() },
      };
      const event: NewEvent = caseEvent('conversation.escalated', next, at, undefined, {
        from: cur.priority,
        to: next.priority,
        queuedAt: cur.sla.queuedAt,
        policy: policy.name,
      });
      return { conversation: next, events: [event] };
    });
    escalated.push(c.id);
  }
  return escalated;
}

/** Agents who owe an answer past the target lose the conversation to the queue (when configured). */
export async function reassignSilent(ctx: QueueContext, now: Date): Promise<string[]> {
  if (!ctx.config.reassign.onSilence) return [];
  const moved: string[] = [];
  for (const c of await ctx.desk.store.listConversations({ modes: ['agent'] })) {
    // Judge an agent only on time they had: one who just got an overdue case gets a full next-response target.
    const dueAt = silenceAt(ctx, c);
    if (dueAt === undefined || dueAt > now || !c.assignee) continue;
    await requeue(ctx, c.id, 'silent', c.assignee);
    moved.push(c.id);
  }
  return moved;
}

/** One round of the queue's clockwork. */
export async function superviseQueue(ctx: QueueContext, now: Date) {
  const reassigned = await reassignSilent(ctx, now);
  const escalated = await escalateOverdue(ctx, now);
  const assigned = await autoAssign(ctx);
  return { reassigned, escalated, assigned };
}
