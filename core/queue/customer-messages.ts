/**
 * What the human side makes of a customer message (asked by the message
 * path under the customer's lock, before the flow; its change is written
 * with the message):
 *
 * - a conversation a human owns, or that waits in the queue, is not the
 *   bot's: the flow does not see the message; the next-response clock starts;
 *   a queued customer is told their place and wait (`customerUpdates.whileQueued`,
 *   at most once per interval);
 * - a customer coming back within the reopen window after resolution: the new
 *   conversation continues the old case (same agent if online, else the
 *   queue), recorded as a reopen. While a resolved case's survey is open,
 *   ingest keeps the answers its flow takes in that case (they reach the flow,
 *   the case stays resolved); anything else the customer writes arrives here
 *   as a new conversation and reopens the case, and is told where it went;
 * - a message arriving while an agent hands back waits until the flow has
 *   received `agent.handback`.
 */
import type { Conversation, NewEvent } from '../domain.js';
import { isStoreUnavailable } from '../errors.js';
import type { Arrival } from '../ingest.js';
import type { HumanDecision } from '../pipeline.js';
import { onCustomerMessage, startQueueTimers } from '../sla/timers.js';
import { type ConversationChange, caseEvent, type QueueContext } from './context.js';
import { placeDue, tellCustomer, withUpdate } from './customer-updates.js';
import { decideOwnership, ownershipSnapshot } from './ownership-machine.js';

export async function decideCustomerMessage(ctx: QueueContext, arrival: Arrival): Promise<HumanDecision> {
  const pending = ctx.handbacks.get(arrival.conversation.id);
  if (pending) return { waitFor: pending };
  const c = arrival.conversation;
  const now = ctx.desk.clock.now();
  // Handed back on another process of the desk, and its flow has not taken it yet.
  const since = c.handingBackSince;
  if (since !== undefined && now.getTime() - Date.parse(since) < HANDBACK_WAIT_MS) {
    return { waitFor: handedBackElsewhere(ctx, c.id, since, Date.parse(since) + HANDBACK_WAIT_MS) };
  }
  const previous = arrival.openedConversation ? await reopenable(ctx, arrival) : undefined;
  // The bot's own conversations cost nothing here: no read, no change.
  if (!previous && (c.mode === 'bot' || c.mode === 'resolved')) return undefined;
  let change: ConversationChange = { conversation: c, events: [] };
  if (previous && c.mode === 'bot' && !c.reopenOf) change = await reopen(ctx, c, previous, now);
  const reopened = change.events.length > 0;
  const cur = change.conversation;
  const owned = cur.mode === 'queued' || cur.mode === 'agent';
  const next = owned ? { ...cur, sla: onCustomerMessage(cur, ctx.config, now) } : cur;
  // Told with the message's own write, from `next`: the place the queue row shows once it is written.
  const updates = ctx.config.customerUpdates;
  let told: ConversationChange = { ...change, conversation: next };
  if (reopened && owned && updates.onReopen.enabled) {
    const texts = next.mode === 'queued' ? updates.onReopen.toQueue : updates.onReopen.toAgent;
    told = withUpdate(told, await tellCustomer(ctx, next, texts, now));
  } else if (!reopened && placeDue(ctx, next, now)) {
    told = withUpdate(told, await tellCustomer(ctx, next, updates.whileQueued.text, now));
  }
  return {
    conversation: told.conversation,
    owned,
    step: {
      batch: {
        conversations: [told.conversation, ...(change.others ?? [])],
        messages: told.messages ?? [],
        outbox: told.outbox ?? [],
        events: [...told.events],
      },
    },
  };
}

/** The customer's last resolved conversation, if it was resolved within the reopen window and not reopened yet. */
async function reopenable(ctx: QueueContext, arrival: Arrival): Promise<Conversation | undefined> {
  const now = ctx.desk.clock.now().getTime();
  const resolved = (await ctx.desk.store.listConversations({ customerId: arrival.customer.id, modes: ['resolved'] }))
    .filter((c) => c.id !== arrival.conversation.id && c.resolvedAt !== undefined && !c.reopenedAt)
    .sort((a, b) => (a.resolvedAt! < b.resolvedAt! ? 1 : -1));
  const last = resolved[0];
  if (!last || now - new Date(last.resolvedAt!).getTime() > ctx.config.reopen.window) return undefined;
  return last;
}

async function reopen(
  ctx: QueueContext,
  c: Conversation,
  previous: Conversation,
  now: Date,
): Promise<ConversationChange> {
  const agent = previous.lastAssignee ? await ctx.desk.store.getAgent(previous.lastAssignee) : undefined;
  const decision = decideOwnership(ownershipSnapshot('resolved', { lastAssignee: previous.lastAssignee }), {
    type: 'REOPEN',
    withinWindow: true,
    lastAssigneeOnline: ctx.config.reopen.sameAgent && agent?.presence === 'online',
  });
  if (!decision.accepted) return { conversation: c, events: [] };
  let next: Conversation = {
    ...c,
    mode: decision.mode,
    assignee: decision.context.assignee,
    lastAssignee: decision.context.lastAssignee,
    reopenOf: previous.id,
    skill: previous.skill,
    topic: previous.topic,
    priority: previous.priority,
    language: c.language ?? previous.language,
    handoffReason: 'reopened',
    updatedAt: now.toISOString(),
  };
  if (next.mode !== 'bot') next = { ...next, sla: startQueueTimers(next, ctx.config, now) };
  if (next.mode === 'agent') next = { ...next, sla: { ...next.sla, assignedAt: now.toISOString() } };
  const events: NewEvent[] = [
    caseEvent('conversation.reopened', next, now, undefined, {
      previousConversationId: previous.id,
      to: next.mode,
      assignee: next.assignee,
    }),
  ];
  if (next.mode === 'queued') {
    events.push(
      caseEvent('handoff.requested', next, now, undefined, {
        reason: 'reopened',
        topic: next.topic,
        language: next.language,
        priority: next.priority,
        channel: next.channel,
        skill: next.skill,
      }),
    );
  }
  // A survey still open on the old case ends: the customer came back about the problem, not to rate it.
  return {
    conversation: next,
    events,
    others: [{ ...previous, reopenedAt: now.toISOString(), surveyUntil: undefined }],
  };
}

/** Longest a customer message waits for a handback made elsewhere (a crash in between leaves its mark behind). */
const HANDBACK_WAIT_MS = 10_000;

/** Resolves once the conversation's handback mark `since` is gone, or at `until` (ms since the epoch, desk clock). */
async function handedBackElsewhere(ctx: QueueContext, conversationId: string, since: string, until: number) {
  while (ctx.desk.clock.now().getTime() < until) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      if ((await ctx.desk.store.getConversation(conversationId))?.handingBackSince !== since) return;
    } catch (err) {
      if (!isStoreUnavailable(err)) return;
    }
  }
}
