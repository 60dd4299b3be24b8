/**
 * Building an outbound message: a Message (the conversation's record) and,
 * unless it is an internal note, an OutboxEntry (the promise to deliver it),
 * committed together so nothing is sent that was not first stored.
 */
import { newId } from '../clock.js';
import type {
  Attachment,
  Author,
  Conversation,
  Customer,
  Message,
  NewEvent,
  OutboxEntry,
  QuickReply,
} from '../domain.js';

export interface OutboundDraft {
  readonly conversation: Conversation;
  readonly customer: Customer;
  readonly author: Exclude<Author, 'customer'>;
  readonly text: string;
  readonly quickReplies?: readonly QuickReply[];
  /** Files already stored (stored-files.ts) that go out with the text. */
  readonly attachments?: readonly Attachment[];
  readonly agentId?: string;
  readonly internal?: boolean;
  readonly now: Date;
}

export interface Outbound {
  readonly message: Message;
  readonly outbox: OutboxEntry | undefined;
  readonly event: NewEvent;
}

export function draftOutbound(d: OutboundDraft): Outbound {
  const at = d.now.toISOString();
  const identity = d.customer.identities.find((i) => i.channel === d.conversation.channel) ?? d.customer.identities[0];
  const message: Message = {
    id: newId('msg'),
    conversationId: d.conversation.id,
    customerId: d.customer.id,
    channel: d.conversation.channel,
    direction: 'outbound',
    author: d.author,
    agentId: d.agentId,
    text: d.text,
    attachments: [...(d.attachments ?? [])],
    internal: d.internal ?? false,
    createdAt: at,
  };
  const outbox: OutboxEntry | undefined =
    message.internal || !identity
      ? undefined
      : {
          id: newId('out'),
          messageId: message.id,
          conversationId: d.conversation.id,
          channel: identity.channel,
          recipient: identity.externalId,
          text: d.text,
          quickReplies: [...(d.quickReplies ?? [])],
          ...(d.attachments && d.attachments.length > 0 ? { attachments: [...d.attachments] } : {}),
          status: 'pending',
          attempts: 0,
          notBefore: at,
          createdAt: at,
        };
  const event: NewEvent = {
    type: message.internal ? 'note.added' : 'message.sent',
    at,
    conversationId: d.conversation.id,
    customerId: d.customer.id,
    agentId: d.agentId,
    data: { messageId: message.id, author: d.author, outboxId: outbox?.id },
  };
  return { message, outbox, event };
}
