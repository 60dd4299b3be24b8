/**
 * Replies from caredesk itself (not the flow, not an agent) to a customer,
 * in the channel they wrote in: stored with their outbox entry in one write.
 */
import type { Clock } from '../clock.js';
import type { OutboxEntry } from '../domain.js';
import type { EventBus } from '../event-bus.js';
import type { Arrival } from '../ingest.js';
import type { Store, WriteBatch } from '../store/store.js';
import { draftOutbound } from './outbound.js';

export interface SystemReplyDeps {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly outbox: { kick(entries?: readonly OutboxEntry[]): void };
}

/** Whom a system reply answers: the customer of a stored message, on the message's channel. */
export interface ReplyTarget {
  readonly customerId: string;
  readonly conversationId: string;
  readonly channel: string;
}

/** Sends a reply to the customer of a stored message, in their current open conversation (they may have been merged since). */
export async function sendSystemReply(deps: SystemReplyDeps, target: ReplyTarget, text: string): Promise<void> {
  const customer = await deps.store.getCustomer(target.customerId);
  const survivor = customer?.mergedInto ? await deps.store.getCustomer(customer.mergedInto) : customer;
  if (!survivor) return;
  const conversation =
    (await deps.store.findOpenConversation(survivor.id)) ?? (await deps.store.getConversation(target.conversationId));
  if (!conversation) return;
  const out = draftOutbound({
    conversation: { ...conversation, channel: target.channel as typeof conversation.channel },
    customer: survivor,
    author: 'system',
    text,
    now: deps.clock.now(),
  });
  const result = await deps.store.commit({
    messages: [out.message],
    outbox: out.outbox ? [out.outbox] : [],
    events: [out.event],
  });
  deps.bus.publish(result.events);
  if (out.outbox) deps.outbox.kick([out.outbox]);
}

const UNREADABLE = {
  en: 'Sorry, I can only read text, photos, documents, voice messages and stickers. Could you tell me in a message?',
  it: 'Mi dispiace, posso leggere solo testo, foto, documenti, messaggi vocali e sticker. Puoi scrivermelo in un messaggio?',
};

/** The answer to content the channel could not pass on (a poll, a game…), written with the message. */
export function unreadableReply(arrival: Arrival, now: Date): { readonly batch: WriteBatch } {
  const language = arrival.customer.language ?? arrival.inbound.language;
  const text = language?.startsWith('it') ? UNREADABLE.it : UNREADABLE.en;
  const conversation = { ...arrival.conversation, messageCount: arrival.conversation.messageCount + 1 };
  const out = draftOutbound({ conversation, customer: arrival.customer, author: 'system', text, now });
  return {
    batch: {
      conversations: [conversation],
      messages: [out.message],
      outbox: out.outbox ? [out.outbox] : [],
      events: [out.event],
    },
  };
}
