/**
 * The human side's configuration: SLA policies, routing rules and teams,
 * escalation, auto-reassign (and what silent agents lead to), presence that
 * follows the agents' terminals, reopen, the volume-spike detector and what a
 * waiting customer is told (`customerUpdates`). The server
 * loads it from the config file; `parseDeskConfig` is the zod boundary.
 */
import { z } from 'zod';
import { ChannelSchema, PrioritySchema } from '../domain.js';
import { ConfigError, describeIssues } from '../errors.js';
import { BusinessHoursSchema } from '../sla/business-hours.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration: milliseconds, or a string like `90s`, `15m`, `4h`, `7d`. */
export const DurationSchema = z
  .union([z.number().int().positive(), z.string().regex(/^\d+(ms|s|m|h|d)$/, 'use e.g. 30s, 15m, 4h, 7d')])
  .transform((v) => (typeof v === 'number' ? v : Number(v.match(/^\d+/)![0]) * UNITS[v.replace(/^\d+/, '')]!));

export const SlaPolicySchema = z.object({
  name: z.string().min(1).max(64),
  /** Applies to this channel only; none: every channel. */
  channel: ChannelSchema.optional(),
  /** Applies to this priority only; none: every priority. */
  priority: PrioritySchema.optional(),
  firstResponse: DurationSchema,
  nextResponse: DurationSchema,
  resolution: DurationSchema,
  /** Queued this long (business time) without a claim: escalated. Default: the first-response target. */
  escalateAfter: DurationSchema.optional(),
  /** Count only business hours (when `businessHours` is configured). */
  businessHoursOnly: z.boolean().default(true),
});
export type SlaPolicy = z.infer<typeof SlaPolicySchema>;

export const RoutingRuleSchema = z.object({
  /** Every given field must match the conversation (a tag: one of its tags). */
  match: z.object({
    channel: ChannelSchema.optional(),
    topic: z.string().max(64).optional(),
    language: z.string().max(16).optional(),
    tag: z.string().max(64).optional(),
  }),
  set: z.object({ skill: z.string().max(64).optional(), priority: PrioritySchema.optional() }),
});
export type RoutingRule = z.infer<typeof RoutingRuleSchema>;

export const TeamSchema = z.object({
  name: z.string().min(1).max(64),
  /** Conversations needing one of these skills belong to this team; empty: any skill. */
  skills: z.array(z.string().max(64)).default([]),
  /** Hand new queued conversations to the least busy online agent who fits. */
  autoAssign: z.boolean().default(false),
});
export type Team = z.infer<typeof TeamSchema>;

const DEFAULT_POLICY = {
  name: 'default',
  firstResponse: '1h',
  nextResponse: '4h',
  resolution: '3d',
  businessHoursOnly: true,
} as const;

/**
 * A customer-facing text per language (`en`, `it`, …), with `{place}`, `{of}`
 * and `{wait}` (minutes) filled in. Languages not given keep their default.
 */
const textsWithDefaults = (defaults: Record<string, string>) =>
  z
    .record(z.string().min(2).max(16), z.string().min(1).max(1000))
    .optional()
    .transform((given): Record<string, string> => ({ ...defaults, ...given }));

export const DEFAULT_CUSTOMER_TEXTS = {
  whileQueued: {
    en: 'You are number {place} in line; the expected wait is about {wait} min.',
    it: 'Sei il numero {place} in coda; l’attesa prevista è di circa {wait} min.',
  },
  reopenedToQueue: {
    en: 'Welcome back: we have reopened your case. You are number {place} in line; the expected wait is about {wait} min.',
    it: 'Bentornato: abbiamo riaperto la tua pratica. Sei il numero {place} in coda; l’attesa prevista è di circa {wait} min.',
  },
  reopenedToAgent: {
    en: 'Welcome back: we have reopened your case, and the person who helped you before will answer you here.',
    it: 'Bentornato: abbiamo riaperto la tua pratica e ti risponderà qui la persona che ti ha aiutato prima.',
  },
  requeued: {
    en: 'We are passing you to another person from our team. You are number {place} in line; the expected wait is about {wait} min.',
    it: 'Ti stiamo passando a un’altra persona del nostro team. Sei il numero {place} in coda; l’attesa prevista è di circa {wait} min.',
  },
  escalated: {
    en: 'We are sorry you are still waiting for an answer. We have passed your case to a supervisor, who will make sure someone answers you here as soon as possible.',
    it: 'Ci dispiace che tu stia ancora aspettando una risposta. Abbiamo passato la tua pratica a un supervisore, che farà in modo che qualcuno ti risponda qui il prima possibile.',
  },
} as const;

export const CustomerUpdatesSchema = z
  .object({
    /** A queued customer who writes is told their place and wait, at most once per `every`. */
    whileQueued: z
      .object({
        enabled: z.boolean().default(true),
        every: DurationSchema.default(2 * 60_000),
        text: textsWithDefaults(DEFAULT_CUSTOMER_TEXTS.whileQueued),
      })
      .prefault({}),
    /** A customer whose case reopens is told where it went: the queue (with place and wait) or their agent. */
    onReopen: z
      .object({
        enabled: z.boolean().default(true),
        toQueue: textsWithDefaults(DEFAULT_CUSTOMER_TEXTS.reopenedToQueue),
        toAgent: textsWithDefaults(DEFAULT_CUSTOMER_TEXTS.reopenedToAgent),
      })
      .prefault({}),
    /** A case put back in the queue (transfer to a skill, auto-reassign, agent offline or removed). */
    onRequeue: z
      .object({
        enabled: z.boolean().default(true),
        text: textsWithDefaults(DEFAULT_CUSTOMER_TEXTS.requeued),
      })
      .prefault({}),
    /** A case escalated to the supervisors after agents stayed silent on it (`reassign.escalateAfterSilent`). */
    onSilentEscalation: z
      .object({
        enabled: z.boolean().default(true),
        text: textsWithDefaults(DEFAULT_CUSTOMER_TEXTS.escalated),
      })
      .prefault({}),
  })
  .prefault({});
export type CustomerUpdates = z.infer<typeof CustomerUpdatesSchema>;

export const DeskConfigSchema = z.object({
  sla: z
    .object({
      policies: z
        .array(SlaPolicySchema)
        .min(1)
        .default([SlaPolicySchema.parse(DEFAULT_POLICY)]),
      businessHours: BusinessHoursSchema.optional(),
      /** Fraction of a target at which `sla.warning` is raised. */
      warnAt: z.number().gt(0).lt(1).default(0.8),
      /** How long after the customer's last message a channel still accepts a reply (Messenger: 24h). */
      replyWindows: z.partialRecord(ChannelSchema, DurationSchema).default({}),
      /** Warn this long before a reply window closes. */
      replyWindowWarnBefore: DurationSchema.default(2 * 3_600_000),
    })
    .prefault({}),
  routing: z
    .object({
      rules: z.array(RoutingRuleSchema).default([]),
      teams: z.array(TeamSchema).default([]),
    })
    .prefault({}),
  reassign: z
    .object({
      /** An agent going offline puts their conversations back in the queue. */
      onOffline: z.boolean().default(true),
      /** An agent silent past the next-response target loses the conversation to the queue. */
      onSilence: z.boolean().default(false),
      /** Auto-assignment does not give a case back to the agent it was taken from for silence for this long. */
      silentCooldown: DurationSchema.default(15 * 60_000),
      /**
       * After this many reassignments for silence the case is escalated to the supervisors (priority up,
       * `conversation.escalated`), its customer is told, and no agent who was silent on it gets it again by auto-assignment.
       */
      escalateAfterSilent: z.number().int().min(1).max(32).default(2),
    })
    .prefault({}),
  presence: z
    .object({
      /**
       * An online agent whose terminal (TUI) has had no live event stream for this long becomes `away` and gets no
       * new assignments; back `online` when it reconnects. `false`: presence does not follow the connection.
       */
      awayAfterDisconnect: z.union([z.literal(false), DurationSchema]).default(60_000),
    })
    .prefault({}),
  reopen: z
    .object({
      /** A customer writing again within this time after resolution reopens the case. */
      window: DurationSchema.default(72 * 3_600_000),
      /** Back to the agent who resolved it, when online. */
      sameAgent: z.boolean().default(true),
    })
    .prefault({}),
  spike: z
    .object({
      /** Length of one counting window. */
      window: DurationSchema.default(3_600_000),
      /** How many earlier windows make the baseline. */
      baselineWindows: z.number().int().min(1).max(168).default(24),
      /** Raised when a window's volume is this many times the baseline average… */
      factor: z.number().gt(1).default(3),
      /** …and at least this many conversations (no alert for 1 → 3). */
      minVolume: z.number().int().min(1).default(10),
    })
    .prefault({}),
  customerUpdates: CustomerUpdatesSchema,
});
export type DeskConfig = z.infer<typeof DeskConfigSchema>;
export type DeskConfigInput = z.input<typeof DeskConfigSchema>;

/** Parses the `desk` section of the config file; throws ConfigError naming each problem. */
export function parseDeskConfig(raw: unknown): DeskConfig {
  const parsed = DeskConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(`The desk configuration is invalid: ${describeIssues(parsed.error.issues)}`, {
      issues: parsed.error.issues,
    });
  }
  return parsed.data;
}
