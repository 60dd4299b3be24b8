/**
 * Conversations as a desk screen shows them: the queue's rows (each with who
 * the customer is, the deadline that orders it and its place in line) and one
 * case in full (customer, transcript with notes, the customer's other cases).
 */
import { z } from 'zod';
import type {
  ConversationDetailSchema,
  ConversationRowSchema,
  PlaceInLineSchema,
  Undelivered,
} from '../contract/shapes.js';
import type { Conversation, Customer } from '../domain.js';
import { describeIssues, InvalidInputError, NotFoundError } from '../errors.js';
import { isBreached, slaDeadline } from '../sla/timers.js';
import type { Store } from '../store/store.js';
import { compareUrgency, listQueue, placeInLine, QueueFilterSchema } from './queue-view.js';

// The shapes are the admin API's (core/contract): defined once, there.
export type PlaceInLine = z.infer<typeof PlaceInLineSchema>;
export type ConversationRow = z.infer<typeof ConversationRowSchema>;
export type CustomerSummary = ConversationRow['customer'];
/** What the server adds to it: who has the case open (`viewers`). */
export type ConversationDetail = Omit<z.output<typeof ConversationDetailSchema>, 'viewers'>;
export type UndeliveredReply = Undelivered;

export const ConversationRowFilterSchema = QueueFilterSchema.extend({
  /** Text in the customer's name, the last message preview or the topic (case-insensitive). */
  q: z.string().trim().min(1).max(256).optional(),
});
export type ConversationRowFilter = z.input<typeof ConversationRowFilterSchema>;

/** The queue's ordering and filters, plus a text search, each row with its customer and SLA figures. */
export async function listConversationRows(
  store: Store,
  raw: ConversationRowFilter,
  now: Date,
): Promise<ConversationRow[]> {
  const parsed = ConversationRowFilterSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidInputError(`The conversation filter is invalid: ${describeIssues(parsed.error.issues)}`);
  }
  const { q, limit, ...filter } = parsed.data;
  const customers = new Map<string, Customer | undefined>();
  const customerOf = async (id: string): Promise<Customer | undefined> => {
    if (!customers.has(id)) customers.set(id, await store.getCustomer(id));
    return customers.get(id);
  };
  // The text search narrows the list before the limit applies, so `limit` counts matches.
  let rows = await listQueue(store, filter, now);
  if (q !== undefined) {
    const needle = q.toLowerCase();
    const matches: Conversation[] = [];
    for (const c of rows) {
      const name = displayName(await customerOf(c.customerId));
      if ([name, c.lastMessagePreview, c.topic].some((t) => t?.toLowerCase().includes(needle))) matches.push(c);
    }
    rows = matches;
  }
  if (limit !== undefined) rows = rows.slice(0, limit);
  const places = rows.some((c) => c.mode === 'queued') ? await placesInLine(store) : new Map<string, PlaceInLine>();
  const out: ConversationRow[] = [];
  for (const c of rows) {
    const customer = await customerOf(c.customerId);
    const place = places.get(c.id);
    out.push({
      ...c,
      customer: { id: c.customerId, displayName: displayName(customer), language: customer?.language },
      slaDueAt: slaDeadline(c),
      breached: isBreached(c, now),
      ...(place ? { placeInLine: place } : {}),
    });
  }
  return out;
}

function displayName(customer: Customer | undefined): string | undefined {
  return customer?.displayName ?? customer?.identities.find((i) => i.displayName)?.displayName;
}

/**
 * Every queued conversation's place in line, in one pass (`placeInLine` for
 * each row would sort the queue once per row). Same rule: among those waiting
 * for the same skill.
 */
export async function placesInLine(store: Store): Promise<Map<string, PlaceInLine>> {
  const lines = new Map<string | undefined, Conversation[]>();
  for (const c of await store.listConversations({ modes: ['queued'] })) {
    const line = lines.get(c.skill);
    if (line) line.push(c);
    else lines.set(c.skill, [c]);
  }
  const out = new Map<string, PlaceInLine>();
  for (const line of lines.values()) {
    line.sort(compareUrgency);
    for (const [i, c] of line.entries()) out.set(c.id, { place: i + 1, of: line.length });
  }
  return out;
}

export async function conversationDetail(store: Store, id: string): Promise<ConversationDetail> {
  const conversation = await store.getConversation(id);
  if (!conversation) throw new NotFoundError('conversation', id);
  const customer = await store.getCustomer(conversation.customerId);
  if (!customer) throw new NotFoundError('customer', conversation.customerId);
  const history = (await store.listConversations({ customerId: customer.id }))
    .filter((c) => c.id !== id)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  const place = conversation.mode === 'queued' ? await placeInLine(store, id) : undefined;
  const undelivered = (await store.listOutbox({ conversationId: id }))
    .filter((e) => e.status !== 'delivered')
    .map(({ messageId, status, attempts, lastError }) => ({
      messageId,
      status: status as UndeliveredReply['status'],
      attempts,
      ...(lastError ? { lastError } : {}),
    }));
  return {
    conversation,
    customer,
    messages: await store.listMessages(id),
    history,
    ...(place ? { placeInLine: place } : {}),
    undelivered,
  };
}
