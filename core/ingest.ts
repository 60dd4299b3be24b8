/**
 * ingest: what every customer message is checked and drafted with, whatever
 * the channel: the Inbound a channel hands over (validated with zod), the
 * Customer it is from (found or new) and the Message with its Conversation
 * (found open, in its survey window, or new), drafted into one write. The
 * message path (core/pipeline.ts) stores it with its handling.
 */
import { z } from 'zod';
import type { Clock } from './clock.js';
import { newId } from './clock.js';
import {
  AttachmentSchema,
  type Channel,
  ChannelSchema,
  type Conversation,
  type Customer,
  conversationWith,
  type DomainEvent,
  MAX_ATTACHMENTS,
  MAX_TEXT_LENGTH,
  type Message,
  type NewEvent,
} from './domain.js';
import { SURVEY_WINDOW_COLLECTION, surveyOpen } from './engine/survey-window.js';
import { describeIssues, InvalidInputError } from './errors.js';
import { identityKey } from './store/state.js';
import type { Store, WriteBatch } from './store/store.js';

/** What a channel hands to core, once it has translated its own update. */
export const InboundSchema = z.object({
  channel: z.string().min(1).max(32),
  /** The customer's id on the channel (Telegram user id, Bot Framework `from.id`). */
  externalUserId: z.string().min(1).max(128),
  /** The channel's id for this update; redeliveries carry the same one. */
  channelMessageId: z.string().min(1).max(256),
  /**
   * `message`: text/attachments; `action`: a button or quick reply; `edit`: a correction of an
   * earlier message; `unsupported`: content the channel cannot pass on (a poll, a game…), stored
   * and answered with what caredesk can read, never shown to the flow.
   */
  kind: z.enum(['message', 'action', 'edit', 'unsupported']).default('message'),
  text: z.string().max(MAX_TEXT_LENGTH).default(''),
  attachments: z.array(AttachmentSchema).max(MAX_ATTACHMENTS).default([]),
  /** For `action`: the value of the button pressed. */
  actionValue: z.string().max(256).optional(),
  /** For `edit`: the channel id of the message being edited. */
  editOfChannelMessageId: z.string().max(256).optional(),
  displayName: z.string().max(256).optional(),
  /** Language the channel reports for the customer (IETF tag), if any. */
  language: z.string().max(16).optional(),
  /** Extra channel data core keeps for replies (e.g. a Bot Framework ConversationReference). */
  replyContext: z.record(z.string(), z.unknown()).optional(),
  sentAt: z.string().datetime({ offset: true }).optional(),
});
export type Inbound = z.input<typeof InboundSchema>;
/** An Inbound checked by parseInbound: its channel is one caredesk knows. */
export type ParsedInbound = z.output<typeof InboundSchema> & { readonly channel: Channel };

export interface IngestDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** The flow a new conversation on this channel starts with. */
  readonly flowFor: (channel: ParsedInbound['channel']) => string;
  /** Says whether a resolved case's survey takes a message (the flow engine); without it none does. */
  readonly engine?: Partial<SurveyAnswerTaker> | undefined;
}

/** The customer a message is from, found by its channel identity or new. */
export interface Sender {
  readonly customer: Customer;
  /** `customer.created`, when the customer is new (not stored yet). */
  readonly events: readonly NewEvent[];
}

/**
 * A customer message drafted for the store: the message, its conversation
 * (found open, in its survey window, or new) moved on by it, and the write
 * that stores them. Nothing is stored yet.
 */
export interface Arrival {
  readonly inbound: ParsedInbound;
  readonly customer: Customer;
  readonly newCustomer: boolean;
  /** The conversation with this message counted in. */
  readonly conversation: Conversation;
  readonly message: Message;
  readonly openedConversation: boolean;
  readonly batch: WriteBatch;
}

/** What a channel learns once a message is stored. */
export type StoredIngest = Omit<Arrival, 'batch' | 'newCustomer'> & {
  readonly status: 'stored';
  readonly events: readonly DomainEvent[];
};

export type IngestResult = { readonly status: 'duplicate'; readonly messageId: string } | StoredIngest;

/** Parses outside input into an Inbound, or throws InvalidInputError naming each problem. */
export function parseInbound(raw: unknown): ParsedInbound {
  const parsed = InboundSchema.safeParse(raw);
  if (!parsed.success) {
    const tooLong = parsed.error.issues.some((i) => i.path[0] === 'text' && i.code === 'too_big');
    throw new InvalidInputError(
      tooLong
        ? `Message text is longer than ${MAX_TEXT_LENGTH} characters; split it into shorter messages.`
        : `Inbound message is invalid: ${describeIssues(parsed.error.issues)}`,
      { issues: parsed.error.issues },
      tooLong ? 'E_TEXT_TOO_LONG' : 'E_INVALID_INPUT',
    );
  }
  const channel = ChannelSchema.safeParse(parsed.data.channel);
  if (!channel.success) {
    throw new InvalidInputError(
      `Unknown channel "${parsed.data.channel}"; caredesk knows ${ChannelSchema.options.join(', ')}.`,
      { channel: parsed.data.channel },
      'E_UNKNOWN_CHANNEL',
    );
  }
  // zod's own output, not a copy: the channel it checked is the same string, now known to be a Channel.
  return parsed.data as ParsedInbound;
}

/**
 * Every change to a customer's conversations (ingest, the flow engine, an
 * agent's action) runs under this key, so no writer overwrites another's update.
 */
export const customerLock = (customerId: string): string => `customer:${customerId}`;

/** The lock one channel identity's updates are taken under: no double customer, no double conversation. */
export const identityLock = (channel: Channel, externalUserId: string): string =>
  `identity:${identityKey(channel, externalUserId)}`;

/** The customer of this identity, or a new one to store with the message. */
export async function findSender(deps: IngestDeps, inbound: ParsedInbound): Promise<Sender> {
  const known = await deps.store.findCustomerByIdentity(inbound.channel, inbound.externalUserId);
  if (known) return { customer: known, events: [] };
  const now = deps.clock.now().toISOString();
  const customer: Customer = {
    id: newId('cus'),
    identities: [{ channel: inbound.channel, externalId: inbound.externalUserId, displayName: inbound.displayName }],
    displayName: inbound.displayName,
    language: inbound.language,
    createdAt: now,
  };
  return {
    customer,
    events: [{ type: 'customer.created', at: now, customerId: customer.id, data: { channel: inbound.channel } }],
  };
}

/** Drafts the message's write; call it under the customer's lock. */
export async function draftArrival(deps: IngestDeps, inbound: ParsedInbound, sender: Sender): Promise<Arrival> {
  const now = deps.clock.now().toISOString();
  const { customer } = sender;
  const customerId = customer.id;
  const events: NewEvent[] = [...sender.events];
  // A resolved case whose survey is still open takes the answers to it: no new conversation for a "5".
  const open =
    (await deps.store.findOpenConversation(customerId)) ??
    (await surveyAnswered(deps.store, deps.engine, customerId, inbound, new Date(now)));
  const conversation: Conversation = open ?? {
    id: newId('cnv'),
    customerId,
    channel: inbound.channel,
    mode: 'bot',
    flow: deps.flowFor(inbound.channel),
    tags: [],
    priority: 'normal',
    language: inbound.language,
    sla: {},
    createdAt: now,
    updatedAt: now,
    lastMessageAt: now,
    messageCount: 0,
  };
  if (!open) {
    events.push({
      type: 'conversation.opened',
      at: now,
      conversationId: conversation.id,
      customerId,
      data: { channel: inbound.channel, flow: conversation.flow },
    });
  }
  const editOf =
    inbound.kind === 'edit' && inbound.editOfChannelMessageId
      ? await deps.store.findMessageIdByChannelId(inbound.channel, inbound.editOfChannelMessageId)
      : undefined;
  const message: Message = {
    id: newId('msg'),
    conversationId: conversation.id,
    customerId,
    channel: inbound.channel,
    direction: 'inbound',
    author: 'customer',
    text: inbound.text,
    attachments: inbound.attachments,
    channelMessageId: inbound.channelMessageId,
    internal: false,
    editOf,
    createdAt: now,
  };
  const updated: Conversation = conversationWith(conversation, {
    // A customer writing on another channel is answered there from now on.
    channel: inbound.channel,
    updatedAt: now,
    lastMessageAt: now,
    lastMessagePreview: preview(inbound.text, inbound.attachments.length),
    messageCount: conversation.messageCount + 1,
  });
  events.push({
    type: inbound.kind === 'edit' ? 'message.edited' : 'message.received',
    at: now,
    conversationId: conversation.id,
    customerId,
    data: { messageId: message.id, channel: inbound.channel, mode: updated.mode, kind: inbound.kind },
  });
  const newCustomer = sender.events.length > 0;
  return {
    inbound,
    customer,
    newCustomer,
    conversation: updated,
    message,
    openedConversation: !open,
    batch: {
      customers: newCustomer ? [customer] : [],
      conversations: [updated],
      messages: [message],
      events,
      records: inbound.replyContext
        ? [
            {
              collection: 'reply-context',
              id: identityKey(inbound.channel, inbound.externalUserId),
              value: inbound.replyContext,
            },
          ]
        : [],
    },
  };
}

function preview(text: string, attachments: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length === 0 && attachments > 0) return `[${attachments} attachment${attachments > 1 ? 's' : ''}]`;
  return flat.length > 117 ? `${flat.slice(0, 117)}...` : flat;
}

/** Decides whether a flow in its survey takes this message as an answer (the flow engine implements it). */
export interface SurveyAnswerTaker {
  takesSurveyAnswer(conversation: Conversation, inbound: ParsedInbound): Promise<boolean>;
}

/**
 * The customer's resolved conversation whose survey this message answers, if
 * any: its window is open and its flow takes the message as an answer. A
 * message the flow does not take (a new problem, "it still does not work")
 * opens a new conversation, which the human side treats as a reopen.
 */
export async function surveyAnswered(
  store: Store,
  taker: Partial<SurveyAnswerTaker> | undefined,
  customerId: string,
  inbound: ParsedInbound,
  now: Date,
): Promise<Conversation | undefined> {
  if (taker?.takesSurveyAnswer === undefined || inbound.kind === 'edit' || inbound.kind === 'unsupported')
    return undefined;
  const pointer = (await store.getRecord(SURVEY_WINDOW_COLLECTION, customerId)) as
    | { conversationId?: unknown }
    | undefined;
  if (typeof pointer?.conversationId !== 'string') return undefined;
  const c = await store.getConversation(pointer.conversationId);
  if (!c || c.customerId !== customerId || !surveyOpen(c, now)) return undefined;
  return (await taker.takesSurveyAnswer(c, inbound)) ? c : undefined;
}
