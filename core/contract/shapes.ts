/**
 * The shapes the admin API and the control route send, built on the stored
 * records of core/domain.ts: an agent as others see it, the KPIs, a row of
 * the queue, one case in full, who is looking at it. Defined once, here:
 * core/agents and core/kpi take their types from these, and the server's
 * answers are typed by them.
 */
import { z } from 'zod';
import { AgentSchema, ConversationSchema, CustomerSchema, EventSchema, MessageSchema } from '../domain.js';

/** An agent's presence: the stored agent's enum (core/domain.ts). */
export const PresenceSchema = AgentSchema.shape.presence;
export type Presence = z.infer<typeof PresenceSchema>;

/** An agent as shown to others: never the token hash. */
export const PublicAgentSchema = AgentSchema.omit({ tokenHash: true });
export type PublicAgent = z.infer<typeof PublicAgentSchema>;

/** An agent with the conversations they own now (mode `agent`) and the room left. */
export const AgentViewSchema = PublicAgentSchema.extend({
  load: z.number().int().nonnegative(),
  /** max(0, capacity - load) */
  freeCapacity: z.number().int().nonnegative(),
});
export type AgentView = z.infer<typeof AgentViewSchema>;

export const KPI_GROUPINGS = ['channel', 'agent'] as const;
export const KpiGroupingSchema = z.enum(KPI_GROUPINGS);
export type KpiGrouping = z.infer<typeof KpiGroupingSchema>;

const Share = z.number().nullable();
export const KpisSchema = z.object({
  conversations: z.number(),
  firstResponseMs: z.object({ median: Share, p90: Share, count: z.number() }),
  averageHandleMs: Share,
  /** Share of human-handled cases with no SLA breach (response and resolution targets). */
  slaCompliance: Share,
  resolved: z.number(),
  fullyResolved: z.number(),
  fullyResolvedRate: Share,
  /** Share of cases the bot resolved alone, by the fully-resolved rule. */
  botContainment: Share,
  /** Share of cases handed to a human (handoff or takeover). */
  handoffRate: Share,
  reopenRate: Share,
  csat: z.object({ average: Share, count: z.number(), distribution: z.record(z.string(), z.number()) }),
  effortAverage: Share,
});
export type Kpis = z.infer<typeof KpisSchema>;

/** Customer messages in and replies out in one hour (ISO, UTC, start of the hour). */
export const HourVolumeSchema = z.object({ hour: z.string(), inbound: z.number(), outbound: z.number() });

export const ViewerActivitySchema = z.enum(['viewing', 'typing']);
export type ViewerActivity = z.infer<typeof ViewerActivitySchema>;

export const ViewerSchema = z.object({
  agentId: z.string(),
  name: z.string(),
  activity: ViewerActivitySchema,
  /** When this activity began (ISO). */
  since: z.string(),
});
export type Viewer = z.infer<typeof ViewerSchema>;

export const PlaceInLineSchema = z.object({ place: z.number(), of: z.number() });

/** A row of the queue: the stored conversation plus what a list needs. */
export const ConversationRowSchema = ConversationSchema.extend({
  customer: z.object({ id: z.string(), displayName: z.string().optional(), language: z.string().optional() }),
  /** The deadline the list is ordered by (response owed soonest, else resolution). */
  slaDueAt: z.string().optional(),
  breached: z.boolean(),
  /** Queued only: among conversations waiting for the same skill. */
  placeInLine: PlaceInLineSchema.optional(),
});

/** A reply the channel has not delivered: still being tried (`pending`), or given up on (`failed`), with its last answer. */
export const UndeliveredSchema = z.object({
  messageId: z.string(),
  status: z.enum(['pending', 'failed']),
  attempts: z.number().int().nonnegative(),
  lastError: z.string().optional(),
});
export type Undelivered = z.infer<typeof UndeliveredSchema>;

/** One case in full: the customer with every identity, the transcript with notes, their other cases, who has it open. */
export const ConversationDetailSchema = z.object({
  conversation: ConversationSchema,
  customer: CustomerSchema,
  messages: z.array(MessageSchema),
  history: z.array(ConversationSchema),
  viewers: z.array(ViewerSchema),
  placeInLine: PlaceInLineSchema.optional(),
  // A server older than undelivered replies does not say: nothing shows as undelivered.
  undelivered: z.array(UndeliveredSchema).default([]),
});

/** A page of the audit: stored events, newest first; `nextCursor` asks for the older ones (null: none left). */
export const AuditPageSchema = z.object({
  events: z.array(EventSchema),
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof AuditPageSchema>;
