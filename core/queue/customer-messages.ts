/**
 * What the human side does when a customer writes (a Desk interceptor, run
 * after the message is stored and before the flow):
 *
 * - a conversation a human owns, or that waits in the queue, is not the
 *   bot's: the flow does not see the message; the next-response clock starts;
 * - a customer coming back within the reopen window after resolution: the new
 *   conversation continues the old case (same agent if online, else the
 *   queue), recorded as a reopen. While a resolved case's survey is open,
 *   ingest keeps the answers its flow takes in that case (they reach the flow,
 *   the case stays resolved); anything else the customer writes arrives here
 *   as a new conversation and reopens the case;
 * - a message arriving while an agent hands back waits until the flow has
 *   received `agent.handback`.
 */
import type { Desk, MessageInterceptor, StoredIngest } from '../desk.js';
import type { Conversation, NewEvent } from '../domain.js';
import { draftOutbound } from '../outbox/outbound.js';
import { onCustomerMessage, startQueueTimers } from '../sla/timers.js';
import { type ConversationChange, caseEvent, changeConversation, type QueueContext } from './context.js';
import { decideOwnership, ownershipSnapshot } from './ownership-machine.js';
import { placeInLine } from './queue-view.js';

export interface CustomerMessageOptions {
  /** Told to a customer who writes while queued; `{place}` is their place in line. Empty: say nothing. */
  readonly placeInLineText?: string;
}

export function customerMessageInterceptor(
  ctx: QueueContext,
  options: CustomerMessageOptions = {},
): MessageInterceptor {
  const intercept = async (_desk: Desk, stored: StoredIngest): Promise<boolean> => {
    const pending = ctx.handbacks.get(stored.conversation.id);
    if (pending) await pending;
    const previous = stored.openedConversation ? await reopenable(ctx, stored) : undefined;
    const fresh = await ctx.desk.store.getConversation(stored.conversation.id);
    // The bot's own conversations cost nothing extra here: no write on the hot path.
    if (!previous && (fresh === undefined || fresh.mode === 'bot' || fresh.mode === 'resolved')) return false;
    let humanOwned = false;
    await changeConversation(ctx, stored.conversation.id, async (c, now) => {
      let change: ConversationChange = { conversation: c, events: [] };
      if (previous && c.mode === 'bot' && !c.reopenOf) change = await reopen(ctx, c, previous, now);
      const cur = change.conversation;
      humanOwned = cur.mode === 'queued' || cur.mode === 'agent';
      const next = { ...cur, sla: onCustomerMessage(cur, ctx.config, now) };
      const extra = cur.mode === 'queued' && !change.events.length ? await tellPlace(ctx, next, now, options) : {};
      return {
        ...change,
        conversation: extra.conversation ?? next,
        messages: extra.messages,
        outbox: extra.outbox,
        events: [...change.events, ...(extra.events ?? [])],
      };
    });
    return humanOwned;
  };
  // The bot's own conversation, not a new one (which may reopen a case), not being handed back: the flow's.
  const passes = (stored: StoredIngest): boolean =>
    !stored.openedConversation &&
    (stored.conversation.mode === 'bot' || stored.conversation.mode === 'resolved') &&
    !ctx.handbacks.has(stored.conversation.id);
  return Object.assign(intercept, { passes });
}

/** The customer's last resolved conversation, if it was resolved within the reopen window and not reopened yet. */
async function reopenable(ctx: QueueContext, stored: StoredIngest): Promise<Conversation | undefined> {
  const now = ctx.desk.clock.now().getTime();
  const resolved = (await ctx.desk.store.listConversations({ customerId: stored.customer.id, modes: ['resolved'] }))
    .filter((c) => c.id !== stored.conversation.id && c.resolvedAt !== undefined && !c.reopenedAt)
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

async function tellPlace(
  ctx: QueueContext,
  c: Conversation,
  now: Date,
  options: CustomerMessageOptions,
): Promise<Partial<ConversationChange>> {
  if (!options.placeInLineText) return {};
  const customer = await ctx.desk.store.getCustomer(c.customerId);
  if (!customer) return {};
  const { place } = await placeInLine(ctx.desk.store, c.id);
  const text = options.placeInLineText.replaceAll('{place}', String(place));
  const out = draftOutbound({ conversation: c, customer, author: 'system', text, now });
  return {
    conversation: { ...c, messageCount: c.messageCount + 1 },
    messages: [out.message],
    outbox: out.outbox ? [out.outbox] : [],
    events: [out.event],
  };
}
