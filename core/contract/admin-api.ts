/**
 * The admin API under /admin/v1, as data: for each route, the zod schemas of
 * its query, its body and its answer, and the frames of the event stream.
 * The server parses requests with these and types its answers by them; the
 * TUI and the CLI parse the answers with them; test/server/api-contract.test.ts
 * checks docs/api.md against `ADMIN_ROUTES`.
 */
import { z } from 'zod';
import {
  AgentSchema,
  ChannelSchema,
  ConversationSchema,
  EventSchema,
  MessageSchema,
  type Mode,
  ModeSchema,
} from '../domain.js';
import { CustomerLinkSchema } from '../identity/linking.js';
import { TransferTargetSchema } from '../queue/actions.js';
import { CannedInputSchema, CannedResponseSchema } from '../queue/canned.js';
import { DurationSchema } from '../queue/config.js';
import { CustomerExportSchema, EraseBodySchema, ErasedAnswerSchema } from './customer-data.js';
import {
  AgentViewSchema,
  AuditPageSchema,
  ConversationDetailSchema,
  ConversationRowSchema,
  HourVolumeSchema,
  KpiGroupingSchema,
  KpisSchema,
  PresenceSchema,
  ViewerActivitySchema,
  ViewerSchema,
} from './shapes.js';

// ---- Requests: path parameters, queries, bodies (unknown fields are a 400)

export const IdParamsSchema = z.object({ id: z.string().min(1).max(128) }).strict();
export const ResendParamsSchema = IdParamsSchema.extend({ messageId: IdParamsSchema.shape.id }).strict();

/** Actions without a body accept none, `{}` or `null`. */
export const NoBodySchema = z.union([z.undefined(), z.null(), z.object({}).strict()]);

export const PresenceBodySchema = z.object({ presence: PresenceSchema }).strict();

// ---- The team, managed by supervisors: no defaults in a change, so that a field not sent stays as it is.

const AgentFields = z.object({
  name: z.string().trim().min(1).max(128),
  role: AgentSchema.shape.role,
  skills: z.array(z.string().trim().min(1).max(64)).max(64),
  languages: z.array(z.string().trim().min(1).max(16)).max(32),
  capacity: AgentSchema.shape.capacity,
});
export const NewAgentBodySchema = AgentFields.extend({
  role: AgentFields.shape.role.default('agent'),
  skills: AgentFields.shape.skills.default([]),
  languages: AgentFields.shape.languages.default([]),
  capacity: AgentFields.shape.capacity.default(5),
}).strict();
export const AgentChangeBodySchema = AgentFields.partial()
  .strict()
  .refine((change) => Object.values(change).some((v) => v !== undefined), {
    message: 'name at least one of name, role, skills, languages, capacity',
  });
export type AgentChange = z.output<typeof AgentChangeBodySchema>;

const ALL_MODES: readonly Mode[] = ModeSchema.options;

/** `mode=queued,agent`, `mode=all`, or the parameter repeated. */
const ModesSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()))
  .pipe(z.array(z.union([ModeSchema, z.literal('all')])).min(1))
  .transform((modes) => (modes.includes('all') ? [...ALL_MODES] : [...new Set(modes as Mode[])]));

export const ConversationListQuerySchema = z
  .object({
    mode: ModesSchema.optional(),
    channel: ChannelSchema.optional(),
    skill: z.string().min(1).max(64).optional(),
    language: z.string().min(1).max(16).optional(),
    breached: z.enum(['true', 'false']).optional(),
    /** `me` or an agent id. */
    assignee: z.string().min(1).max(128).optional(),
    q: z.string().max(256).optional(),
    limit: z
      .string()
      .regex(/^\d{1,6}$/, 'expected a whole number')
      .transform(Number)
      .pipe(z.number().int().min(1).max(10_000))
      .optional(),
  })
  .strict();

/** A file an agent sends, in the JSON body: its bytes in base64 (the size limit is the server's, CAREDESK_ATTACHMENT_MAX_SIZE). */
export const AttachmentUploadSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(256)
      .regex(/^[^/\\\u0000-\u001f]+$/, 'a file name without a folder or control characters'),
    mimeType: z
      .string()
      .regex(/^[\w.+-]+\/[\w.+-]+$/, 'a media type such as image/png or application/pdf')
      .max(128)
      .default('application/octet-stream'),
    contentBase64: z.base64('expected the file’s bytes in base64'),
  })
  .strict();
export type AttachmentUpload = z.output<typeof AttachmentUploadSchema>;

/** One file per message: Telegram sends one per message, and the text goes with it as its caption. */
export const MAX_UPLOADS_PER_MESSAGE = 1;

export const MessageBodySchema = z
  .object({
    // Length and blank text are core's to judge (E_TEXT_TOO_LONG, E_INVALID_INPUT), with its wording.
    text: z.string(),
    internal: z.boolean().default(false),
    attachments: z.array(AttachmentUploadSchema).max(MAX_UPLOADS_PER_MESSAGE).optional(),
  })
  .strict();

export const AttachmentParamsSchema = ResendParamsSchema.extend({
  index: z
    .string()
    .regex(/^\d{1,2}$/, 'expected the attachment’s place in the message, 0 for the first')
    .transform(Number),
}).strict();

export const TransferBodySchema = TransferTargetSchema;

export const ViewerReportSchema = z.object({ activity: z.union([ViewerActivitySchema, z.literal('left')]) }).strict();

export const NewCannedSchema = CannedInputSchema.strict();
export const CannedChangeSchema = CannedInputSchema.partial().strict();

const Reason = z.string().trim().min(1).max(500);
export const MergeBodySchema = z.object({ from: z.string().min(1).max(128), reason: Reason }).strict();
export const UndoBodySchema = z.object({ reason: Reason }).strict();

export const KpiQuerySchema = z
  .object({
    /** A period back from now (`7d`), a date (midnight UTC) or a date-time. */
    since: z.string().max(64).default('7d'),
    by: KpiGroupingSchema.optional(),
  })
  .strict();

/** `since` read: milliseconds back from now, or a moment. */
export const KpiSinceSchema = z
  .union([
    DurationSchema,
    z.iso.date().transform((d) => new Date(`${d}T00:00:00.000Z`)),
    z.iso.datetime({ offset: true }).transform((d) => new Date(d)),
  ])
  .refine((v) => typeof v === 'number' || !Number.isNaN(v.getTime()), 'not a real date');

/** The seq of a stored event, as `?after=` or `Last-Event-ID` carries it. */
export const EventSeqSchema = z
  .string()
  .regex(/^\d{1,15}$/, 'expected the seq of an event, a whole number like 42')
  .transform(Number);
export const EventsQuerySchema = z.object({ after: EventSeqSchema.optional() }).strict();

/** A moment: a date (midnight UTC) or a date-time with its offset. */
const MomentSchema = z.union([
  z.iso.date().transform((d) => new Date(`${d}T00:00:00.000Z`)),
  z.iso.datetime({ offset: true }).transform((d) => new Date(d)),
]);

/** An event type (`agent.created`), a family (`agent.*`), or several, comma-separated. */
const EventTypesSchema = z
  .string()
  .max(512)
  .transform((v) => v.split(',').map((s) => s.trim()))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(
            /^[a-z]+(\.[a-z_]+)*(\.\*)?$/,
            'expected an event type such as agent.created, or a family such as agent.*',
          ),
      )
      .min(1)
      .max(20),
  );

export const AUDIT_MAX_LIMIT = 500;

export const AuditQuerySchema = z
  .object({
    /** Events by this agent, or about them (the agent added, changed, removed). */
    agent: z.string().min(1).max(128).optional(),
    action: EventTypesSchema.optional(),
    conversation: z.string().min(1).max(128).optional(),
    /** Inclusive. */
    from: MomentSchema.optional(),
    /** Exclusive. */
    to: MomentSchema.optional(),
    limit: z
      .string()
      .regex(/^\d{1,6}$/, 'expected a whole number')
      .transform(Number)
      .pipe(z.number().int().min(1).max(AUDIT_MAX_LIMIT))
      .default(50),
    /** The `nextCursor` of the previous page. */
    cursor: EventSeqSchema.optional(),
  })
  .strict();
export type AuditQuery = z.output<typeof AuditQuerySchema>;

// ---- Answers

/** Every error answer, of every route (server/http-errors.ts words them): a stable code and what to do. */
export const ErrorAnswerSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const MeAnswerSchema = z.object({ agent: AgentViewSchema });
export const PresenceAnswerSchema = z.object({ presence: PresenceSchema });
export const AgentsAnswerSchema = z.object({ agents: z.array(AgentViewSchema) });
/** The token is in this answer only: the server keeps its hash. */
export const AgentAnswerSchema = z.object({ agent: AgentViewSchema });
export const AgentTokenAnswerSchema = z.object({ agent: AgentViewSchema, token: z.string().min(1) });
export const AuditAnswerSchema = AuditPageSchema;
export const ConversationsAnswerSchema = z.object({ conversations: z.array(ConversationRowSchema) });
export const ConversationAnswerSchema = z.object({ conversation: ConversationSchema });
export const MessageAnswerSchema = z.object({ message: MessageSchema, conversation: ConversationSchema });
export const ViewersAnswerSchema = z.object({ viewers: z.array(ViewerSchema) });
export const CannedListAnswerSchema = z.object({ canned: z.array(CannedResponseSchema) });
export const CannedAnswerSchema = z.object({ canned: CannedResponseSchema });
export const LinksAnswerSchema = z.object({ links: z.array(CustomerLinkSchema) });
export const LinkAnswerSchema = z.object({ link: CustomerLinkSchema });
export const UndoneAnswerSchema = z.object({ undone: z.string() });
export const KpiAnswerSchema = z.object({
  since: z.string(),
  now: z.string(),
  /** null: one group, `all`. */
  by: KpiGroupingSchema.nullable(),
  kpis: z.record(z.string(), KpisSchema),
  /** The last 12 hours, oldest first, the current hour last. */
  volume: z.array(HourVolumeSchema),
});

// ---- The event stream: `event: <type>` frames carry a stored event; `viewer.changed` frames who looks at what

export const DomainEventSchema = EventSchema;
export const ViewerChangeSchema = z.object({ conversationId: z.string(), viewers: z.array(ViewerSchema) });
export type ViewerChange = z.infer<typeof ViewerChangeSchema>;

// ---- The routes

export interface RouteContract {
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** The JSON answer; none: `204`, no body. */
  readonly answer?: z.ZodType;
  /** Server-Sent Events: the `data` of each kind of frame (`*`: every stored event type). */
  readonly frames?: Readonly<Record<string, z.ZodType>>;
}

const action = { body: NoBodySchema, answer: ConversationAnswerSchema } as const;

export const ADMIN_ROUTES = {
  'GET /admin/v1/me': { answer: MeAnswerSchema },
  'GET /admin/v1/me/presence': { answer: PresenceAnswerSchema },
  'PUT /admin/v1/me/presence': { body: PresenceBodySchema, answer: MeAnswerSchema },
  'GET /admin/v1/agents': { answer: AgentsAnswerSchema },
  'POST /admin/v1/agents': { body: NewAgentBodySchema, answer: AgentTokenAnswerSchema },
  'PUT /admin/v1/agents/:id': { body: AgentChangeBodySchema, answer: AgentAnswerSchema },
  'DELETE /admin/v1/agents/:id': { answer: AgentAnswerSchema },
  'POST /admin/v1/agents/:id/rotate-token': { body: NoBodySchema, answer: AgentTokenAnswerSchema },
  'PUT /admin/v1/agents/:id/presence': { body: PresenceBodySchema, answer: AgentAnswerSchema },
  'GET /admin/v1/audit': { query: AuditQuerySchema, answer: AuditAnswerSchema },
  'GET /admin/v1/conversations': { query: ConversationListQuerySchema, answer: ConversationsAnswerSchema },
  'GET /admin/v1/conversations/:id': { answer: ConversationDetailSchema },
  'POST /admin/v1/conversations/:id/claim': action,
  'POST /admin/v1/conversations/:id/takeover': action,
  'POST /admin/v1/conversations/:id/release': action,
  'POST /admin/v1/conversations/:id/resolve': action,
  'POST /admin/v1/conversations/:id/messages': { body: MessageBodySchema, answer: MessageAnswerSchema },
  'POST /admin/v1/conversations/:id/messages/:messageId/resend': action,
  // The file's bytes, not JSON: its Content-Type and Content-Disposition say what it is.
  'GET /admin/v1/conversations/:id/messages/:messageId/attachments/:index': {},
  'POST /admin/v1/conversations/:id/transfer': { body: TransferBodySchema, answer: ConversationAnswerSchema },
  'POST /admin/v1/conversations/:id/viewers': { body: ViewerReportSchema, answer: ViewersAnswerSchema },
  'GET /admin/v1/canned': { answer: CannedListAnswerSchema },
  'POST /admin/v1/canned': { body: NewCannedSchema, answer: CannedAnswerSchema },
  'PUT /admin/v1/canned/:id': { body: CannedChangeSchema, answer: CannedAnswerSchema },
  'DELETE /admin/v1/canned/:id': {},
  'GET /admin/v1/customers/:id/links': { answer: LinksAnswerSchema },
  'POST /admin/v1/customers/:id/merge': { body: MergeBodySchema, answer: LinkAnswerSchema },
  'POST /admin/v1/links/:id/undo': { body: UndoBodySchema, answer: UndoneAnswerSchema },
  'GET /admin/v1/customers/:id/export': { answer: CustomerExportSchema },
  'DELETE /admin/v1/customers/:id': { body: EraseBodySchema, answer: ErasedAnswerSchema },
  'GET /admin/v1/kpis': { query: KpiQuerySchema, answer: KpiAnswerSchema },
  'GET /admin/v1/events': {
    query: EventsQuerySchema,
    frames: { '*': DomainEventSchema, 'viewer.changed': ViewerChangeSchema },
  },
} as const satisfies Readonly<Record<string, RouteContract>>;

export type AdminRoute = keyof typeof ADMIN_ROUTES;

/**
 * What a route's handler may answer: the schema's output, read-only all the
 * way down, so that core's read-only results fit without copying.
 */
export type AnswerOf<R extends AdminRoute> = (typeof ADMIN_ROUTES)[R] extends { answer: infer S extends z.ZodType }
  ? Wire<z.output<S>>
  : never;

export type Wire<T> = T extends readonly (infer U)[]
  ? readonly Wire<U>[]
  : T extends object
    ? { readonly [K in keyof T]: Wire<T[K]> }
    : T;
