import type { Conversation, Message } from '../domain.js';
import type { Store } from '../store/store.js';

export interface CaseHistory {
  readonly conversation: Conversation;
  readonly messages: readonly Message[];
}

/** A customer's every conversation, oldest first, with messages from every channel in order. */
export async function customerHistory(store: Store, customerId: string): Promise<CaseHistory[]> {
  const conversations = await store.listConversations({ customerId });
  conversations.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const out: CaseHistory[] = [];
  for (const conversation of conversations) {
    out.push({ conversation, messages: await store.listMessages(conversation.id) });
  }
  return out;
}

/** Every message of a customer on every channel, in the order it happened. */
export async function customerTimeline(store: Store, customerId: string): Promise<Message[]> {
  const all = (await customerHistory(store, customerId)).flatMap((h) => h.messages);
  // Stable sort: messages of the same instant keep their order within their conversation.
  return all.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}
