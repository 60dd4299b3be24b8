/**
 * ingest: the one door every customer message comes through, whatever the
 * channel. It validates, drops redeliveries, finds or creates the Customer and
 * their open Conversation, and appends the Message durably before it returns,
 * so a channel is acknowledged only for what is stored.
 */
import { z } from 'zod';
import type { Clock } from './clock.js';
import { newId } from './clock.js';
import type { InlineStep } from './desk.js';
import {
  AttachmentSchema,
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
import { describeIssues, InvalidInputError } from './errors.js';
import type { EventBus } from './event-bus.js';
import { identityKey } from './store/state.js';
import type { CommitResult, Store, WriteBatch } from './store/store.js';
import { type SurveyAnswerTaker, surveyAnswered } from './survey-window.js';
import type { KeyedMutex } from './util/keyed-mutex.js';

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
export type ParsedInbound = z.output<typeof InboundSchema>;

export interface IngestDeps {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly locks: KeyedMutex;
  /** The flow a new conversation on this channel starts with. */
  readonly flowFor: (channel: ParsedInbound['channel']) => string;
  /** Says whether a resolved case's survey takes a message (the flow engine); without it none does. */
  readonly engine?: Partial<SurveyAnswerTaker> | undefined;
  /** The flow's step to commit in the message's own write, if it can be taken now (the Desk). */
  readonly planInline?: (stored: StoredIngest) => Promise<InlineStep | undefined>;
}

/** What ingest hands on once a message is stored. */
export type StoredIngest = Extract<IngestResult, { status: 'stored' }>;

export type IngestResult =
  | { readonly status: 'duplicate'; readonly messageId: string }
  | {
      readonly status: 'stored';
      readonly inbound: ParsedInbound;
      readonly customer: Customer;
      readonly conversation: Conversation;
      readonly message: Message;
      readonly openedConversation: boolean;
      readonly events: readonly DomainEvent[];
      /** The flow already took this message, in the same write. */
      readonly flowStepped?: boolean;
    };

/** Parses outside input into an Inbound, or throws InvalidInputError naming each problem. */
export function parseInbound(raw: unknown): ParsedInbound & { channel: z.infer<typeof ChannelSchema> } {
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
  return parsed.data as ParsedInbound & { channel: typeof channel.data };
}

/**
 * Every change to a customer's conversations (ingest, the flow engine, an
 * agent's action) runs under this key, so no writer overwrites another's update.
 */
export const customerLock = (customerId: string): string => `customer:${customerId}`;

export async function ingest(deps: IngestDeps, raw: unknown): Promise<IngestResult> {
  const inbound = parseInbound(raw);
  // One customer's updates are taken one at a time: no double customer, no double conversation.
  return deps.locks.run(`identity:${identityKey(inbound.channel, inbound.externalUserId)}`, async () => {
    const duplicate = await deps.store.findMessageIdByChannelId(inbound.channel, inbound.channelMessageId);
    if (duplicate !== undefined) return { status: 'duplicate', messageId: duplicate };
    return store(deps, inbound);
  });
}

async function store(deps: IngestDeps, inbound: ReturnType<typeof parseInbound>): Promise<IngestResult> {
  const now = deps.clock.now().toISOString();
  const events: NewEvent[] = [];
  let customer = await deps.store.findCustomerByIdentity(inbound.channel, inbound.externalUserId);
  if (!customer) {
    customer = {
      id: newId('cus'),
      identities: [{ channel: inbound.channel, externalId: inbound.externalUserId, displayName: inbound.displayName }],
      displayName: inbound.displayName,
      language: inbound.language,
      createdAt: now,
    };
    events.push({ type: 'customer.created', at: now, customerId: customer.id, data: { channel: inbound.channel } });
  }
  const customerId = customer.id;
  const isNewCustomer = events.length > 0;
  return deps.locks.run(customerLock(customerId), async () => {
    // Merged into another customer while we waited for the lock: continue as the survivor.
    if (!isNewCustomer && (await deps.store.getCustomer(customerId))?.mergedInto) return store(deps, inbound);
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
    const stored: StoredIngest = {
      status: 'stored',
      inbound,
      customer: customer as Customer,
      conversation: updated,
      message,
      openedConversation: !open,
      events: [],
    };
    const step = await deps.planInline?.(stored);
    const batch: WriteBatch = {
      customers: isNewCustomer ? [customer as Customer] : [],
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
    };
    let result: CommitResult;
    try {
      result = await deps.store.commit(step ? withStep(batch, step.batch) : batch);
    } catch (err) {
      step?.failed();
      throw err;
    }
    deps.bus.publish(result.events);
    step?.committed();
    // A literal, not `{ ...stored, … }`: this runs for every message, and V8 copies a spread with overrides slowly.
    return {
      status: 'stored',
      inbound,
      customer: stored.customer,
      conversation: updated,
      message,
      openedConversation: !open,
      events: result.events,
      flowStepped: step !== undefined,
    };
  });
}

/** The message's write with the flow's step: the step's conversation is the message's, moved on. */
function withStep(message: WriteBatch, step: WriteBatch): WriteBatch {
  const both = <T>(a: readonly T[] | undefined, b: readonly T[] | undefined): readonly T[] => (a ?? []).concat(b ?? []);
  return {
    customers: message.customers,
    conversations: step.conversations?.length ? step.conversations : message.conversations,
    messages: both(message.messages, step.messages),
    events: both(message.events, step.events),
    outbox: step.outbox,
    flowSnapshots: step.flowSnapshots,
    records: both(message.records, step.records),
  };
}

function preview(text: string, attachments: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length === 0 && attachments > 0) return `[${attachments} attachment${attachments > 1 ? 's' : ''}]`;
  return flat.length > 117 ? `${flat.slice(0, 117)}...` : flat;
}
