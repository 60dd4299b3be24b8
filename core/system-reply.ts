/**
 * A reply from caredesk itself (not the flow, not an agent) to the customer
 * of a stored message, in the channel they wrote in: stored with its outbox
 * entry in one commit, then handed to the dispatcher.
 */
import type { Desk, StoredIngest } from './desk.js';
import { draftOutbound } from './outbox/outbound.js';

export async function sendSystemReply(desk: Desk, stored: StoredIngest, text: string): Promise<void> {
  // The customer may have been merged since (/link): reply in their current open conversation.
  const customer = await desk.store.getCustomer(stored.customer.id);
  const survivorId = customer?.mergedInto ?? stored.customer.id;
  const survivor = (await desk.store.getCustomer(survivorId)) ?? stored.customer;
  const conversation = (await desk.store.findOpenConversation(survivorId)) ?? stored.conversation;
  const out = draftOutbound({
    conversation: { ...conversation, channel: stored.message.channel },
    customer: survivor,
    author: 'system',
    text,
    now: desk.clock.now(),
  });
  const result = await desk.store.commit({
    messages: [out.message],
    outbox: out.outbox ? [out.outbox] : [],
    events: [out.event],
  });
  desk.bus.publish(result.events);
  if (out.outbox) desk.dispatcher?.kick([out.outbox]);
}

const UNREADABLE = {
  en: 'Sorry, I can only read text, photos, documents, voice messages and stickers. Could you tell me in a message?',
  it: 'Mi dispiace, posso leggere solo testo, foto, documenti, messaggi vocali e sticker. Puoi scrivermelo in un messaggio?',
};

/**
 * Messages the flow must not see: an edit (stored as a correction of what the
 * flow already answered) and content the channel could not pass on (answered
 * with what caredesk can read).
 */
export async function handleChannelNotices(desk: Desk, stored: StoredIngest): Promise<boolean> {
  if (stored.inbound.kind === 'edit') return true;
  if (stored.inbound.kind !== 'unsupported') return false;
  const language = stored.customer.language ?? stored.inbound.language;
  await sendSystemReply(desk, stored, language?.startsWith('it') ? UNREADABLE.it : UNREADABLE.en);
  return true;
}
/** Messages and button presses go on to the flow. */
handleChannelNotices.passes = (stored: StoredIngest): boolean =>
  stored.inbound.kind === 'message' || stored.inbound.kind === 'action';
