/**
 * The domain vocabulary of DESIGN.md as zod schemas; the inferred types are
 * what the rest of caredesk trusts once a value has crossed a boundary.
 */
import { z } from 'zod';

/** Channels caredesk knows. An Inbound naming another channel is refused. */
export const CHANNELS = ['telegram', 'botframework', 'devchat', 'webchat'] as const;
export const ChannelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof ChannelSchema>;

/** Longest message text accepted from a customer or an agent (characters). */
export const MAX_TEXT_LENGTH = 4096;
/** Most attachments carried by one message. */
export const MAX_ATTACHMENTS = 10;

const Id = z.string().min(1).max(128);
const Timestamp = z.string().datetime({ offset: true });

export const ModeSchema = z.enum(['bot', 'queued', 'agent', 'resolved']);
export type Mode = z.infer<typeof ModeSchema>;

export const AuthorSchema = z.enum(['customer', 'bot', 'agent', 'system']);
export type Author = z.infer<typeof AuthorSchema>;

export const PrioritySchema = z.enum(['low', 'normal', 'high', 'urgent']);
export type Priority = z.infer<typeof PrioritySchema>;

export const IdentitySchema = z.object({
  channel: ChannelSchema,
  externalId: Id,
  displayName: z.string().max(256).optional(),
  /** Set when the channel refused delivery for good (e.g. Telegram "bot was blocked"). */
  unreachableSince: Timestamp.optional(),
});
export type Identity = z.infer<typeof IdentitySchema>;

export const CustomerSchema = z.object({
  id: Id,
  displayName: z.string().max(256).optional(),
  language: z.string().max(16).optional(),
  identities: z.array(IdentitySchema).min(1),
  createdAt: Timestamp,
  /** When this customer was merged into another one, the survivor's id. */
  mergedInto: Id.optional(),
});
export type Customer = z.infer<typeof CustomerSchema>;

export const SlaTimestampsSchema = z.object({
  firstResponseDueAt: Timestamp.optional(),
  nextResponseDueAt: Timestamp.optional(),
  resolutionDueAt: Timestamp.optional(),
  firstRespondedAt: Timestamp.optional(),
  queuedAt: Timestamp.optional(),
  // The human side (core/queue, core/sla): 80% marks, reply window and alerts already raised,
  // kept on the conversation so SLA timers survive a restart.
  firstResponseWarnAt: Timestamp.optional(),
  nextResponseWarnAt: Timestamp.optional(),
  resolutionWarnAt: Timestamp.optional(),
  /** The channel stops accepting business replies after this (e.g. Messenger's 24 h). */
  replyWindowClosesAt: Timestamp.optional(),
  replyWindowWarnAt: Timestamp.optional(),
  lastCustomerMessageAt: Timestamp.optional(),
  lastAgentReplyAt: Timestamp.optional(),
  assignedAt: Timestamp.optional(),
  escalatedAt: Timestamp.optional(),
  /** When the customer was last told their place in line (the `desk.customerUpdates` rate limit). */
  placeToldAt: Timestamp.optional(),
  /** Alerts already raised, as `target.level@dueAt`, so none is raised twice. */
  alerted: z.array(z.string().max(128)).max(64).optional(),
  /**
   * Each time the case was taken from a silent agent (`reassign.onSilence`), oldest first: auto-assignment
   * does not give it straight back to them, and enough of them escalate the case to the supervisors.
   */
  silentAgents: z
    .array(z.object({ agentId: Id, at: Timestamp }))
    .max(32)
    .optional(),
});
export type SlaTimestamps = z.infer<typeof SlaTimestampsSchema>;

export const ConversationSchema = z.object({
  id: Id,
  customerId: Id,
  channel: ChannelSchema,
  mode: ModeSchema,
  flow: z.string().min(1).max(64),
  /** Human-readable name of the flow's current state, for lists; the snapshot itself is stored apart. */
  flowState: z.string().max(256).optional(),
  assignee: Id.optional(),
  tags: z.array(z.string().max(64)).max(64),
  priority: PrioritySchema,
  language: z.string().max(16).optional(),
  topic: z.string().max(64).optional(),
  handoffReason: z.string().max(256).optional(),
  /** The skill (department) a human needs to have to take it. */
  skill: z.string().max(64).optional(),
  /** The agent who owned it last (for a reopen back to the same agent). */
  lastAssignee: Id.optional(),
  /** This conversation continues a resolved one the customer came back to within the reopen window. */
  reopenOf: Id.optional(),
  /** Set on a resolved conversation when the customer came back within the reopen window. */
  reopenedAt: Timestamp.optional(),
  sla: SlaTimestampsSchema,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastMessageAt: Timestamp,
  lastMessagePreview: z.string().max(120).optional(),
  resolvedAt: Timestamp.optional(),
  /**
   * A resolved conversation whose flow asked its survey: until then the
   * customer's messages that the flow takes as answers stay in this case
   * instead of reopening it. Cleared when the flow finishes.
   */
  surveyUntil: Timestamp.optional(),
  /**
   * An agent handed the conversation back at this time and the flow has not
   * received `agent.handback` yet: a customer message, on whichever process
   * of the desk, waits for it (a few seconds at most) before the flow gets it.
   */
  handingBackSince: Timestamp.optional(),
  messageCount: z.number().int().nonnegative(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

/**
 * The conversation with `changes`: what `{ ...c, ...changes }` gives, made
 * faster. Every message copies its conversation a few times (ingest, the flow
 * step), and V8 copies a spread of conversations of different shapes (which
 * optional fields they have) about four times slower than this literal.
 * Listing every field is checked: a field added to Conversation and not here
 * fails to compile.
 */
export function conversationWith(c: Conversation, changes: Partial<Conversation>): Conversation {
  const copy = {
    id: c.id,
    customerId: c.customerId,
    channel: c.channel,
    mode: c.mode,
    flow: c.flow,
    flowState: c.flowState,
    assignee: c.assignee,
    tags: c.tags,
    priority: c.priority,
    language: c.language,
    topic: c.topic,
    handoffReason: c.handoffReason,
    skill: c.skill,
    lastAssignee: c.lastAssignee,
    reopenOf: c.reopenOf,
    reopenedAt: c.reopenedAt,
    sla: c.sla,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    lastMessageAt: c.lastMessageAt,
    lastMessagePreview: c.lastMessagePreview,
    resolvedAt: c.resolvedAt,
    surveyUntil: c.surveyUntil,
    handingBackSince: c.handingBackSince,
    messageCount: c.messageCount,
  } satisfies Record<keyof Conversation, unknown>;
  return Object.assign(copy, changes);
}

export const AttachmentSchema = z.object({
  kind: z.enum(['image', 'document', 'audio', 'video', 'sticker', 'location', 'other']),
  /** The channel's own file reference (Telegram file_id, a content URL…). */
  ref: z.string().max(2048),
  name: z.string().max(256).optional(),
  mimeType: z.string().max(128).optional(),
  size: z.number().int().nonnegative().optional(),
});
export type Attachment = z.infer<typeof AttachmentSchema>;

export const MessageSchema = z.object({
  id: Id,
  conversationId: Id,
  customerId: Id,
  channel: ChannelSchema,
  direction: z.enum(['inbound', 'outbound']),
  author: AuthorSchema,
  /** The agent who wrote it, for author `agent`. */
  agentId: Id.optional(),
  text: z.string().max(MAX_TEXT_LENGTH),
  attachments: z.array(AttachmentSchema).max(MAX_ATTACHMENTS),
  /** The channel's id for this message, used to drop redeliveries. */
  channelMessageId: z.string().max(256).optional(),
  /** Internal notes are never shown to the customer. */
  internal: z.boolean(),
  /** Id of the message this one edits (channels that let a customer edit). */
  editOf: Id.optional(),
  createdAt: Timestamp,
});
export type Message = z.infer<typeof MessageSchema>;

export const AgentSchema = z.object({
  id: Id,
  name: z.string().min(1).max(128),
  role: z.enum(['agent', 'supervisor']),
  skills: z.array(z.string().max(64)).max(64),
  languages: z.array(z.string().max(16)).max(32),
  capacity: z.number().int().min(1).max(100),
  presence: z.enum(['online', 'away', 'offline']),
  /** Set away by the desk because their terminal lost its event stream, not by themselves: online again when it is back. */
  autoAway: z.boolean().optional(),
  /** sha256 of the agent's API token; the token itself is never stored. */
  tokenHash: z.string(),
  createdAt: Timestamp,
});
export type Agent = z.infer<typeof AgentSchema>;

/** Quick-reply buttons: rendered natively where a channel can, as numbered text elsewhere. */
export const QuickReplySchema = z.object({ label: z.string().min(1).max(64), value: z.string().min(1).max(64) });
export type QuickReply = z.infer<typeof QuickReplySchema>;

export const OutboxEntrySchema = z.object({
  id: Id,
  messageId: Id,
  conversationId: Id,
  channel: ChannelSchema,
  /** The recipient identity's id on the channel. */
  recipient: Id,
  text: z.string().max(MAX_TEXT_LENGTH),
  quickReplies: z.array(QuickReplySchema).max(12),
  /** Files to send with the text (then its caption); each `ref` names a file stored before the entry (core/outbox/stored-files.ts). */
  attachments: z.array(AttachmentSchema).max(MAX_ATTACHMENTS).optional(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int().nonnegative(),
  notBefore: Timestamp,
  lastError: z.string().max(1024).optional(),
  channelMessageId: z.string().max(256).optional(),
  createdAt: Timestamp,
  deliveredAt: Timestamp.optional(),
});
export type OutboxEntry = z.infer<typeof OutboxEntrySchema>;

/**
 * An Event is an append-only domain fact. `seq` is given by the store when it
 * is committed, so that live readers can resume from the last one they saw.
 */
export const EventSchema = z.object({
  seq: z.number().int().nonnegative(),
  type: z.string().regex(/^[a-z]+(\.[a-z_]+)+$/),
  at: Timestamp,
  conversationId: Id.optional(),
  customerId: Id.optional(),
  agentId: Id.optional(),
  data: z.record(z.string(), z.unknown()),
});
export type DomainEvent = z.infer<typeof EventSchema>;
/** An event before the store numbered it. */
export type NewEvent = Omit<DomainEvent, 'seq'>;

/** The event types core itself publishes (flows and the queue add more). */
export type CoreEventType =
  | 'customer.created'
  | 'conversation.opened'
  | 'message.received'
  | 'message.edited'
  | 'message.sent'
  | 'message.delivered'
  | 'message.failed';
