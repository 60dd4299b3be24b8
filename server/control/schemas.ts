/**
 * What crosses the control route, both ways: the server parses requests with
 * these, the CLI parses the answers with them (a server of another version
 * answering something else is an error with a message, not a crash later).
 */
import { z } from 'zod';
import { AgentSchema } from '../../core/index.js';

export const KPI_GROUPINGS = ['channel', 'agent'] as const;
export type KpiGrouping = (typeof KPI_GROUPINGS)[number];

export const AgentViewSchema = AgentSchema.omit({ tokenHash: true }).extend({
  load: z.number().int().nonnegative(),
  freeCapacity: z.number().int().nonnegative(),
});
/** An agent as the CLI shows it: never a token nor its hash. */
export type AgentView = z.infer<typeof AgentViewSchema>;

export const PublicAgentSchema = AgentSchema.omit({ tokenHash: true });

export const AgentListSchema = z.object({ agents: z.array(AgentViewSchema) });
export const CreatedAgentSchema = z.object({ agent: PublicAgentSchema, token: z.string().min(1) });
export const RotatedTokenSchema = z.object({ agent: PublicAgentSchema, token: z.string().min(1) });
export const RemovedAgentSchema = z.object({ agent: AgentViewSchema });

export const IdParamsSchema = z.object({ id: z.string().min(1).max(128) });

const nullableNumber = z.number().nullable();
export const KpisSchema = z.object({
  conversations: z.number(),
  firstResponseMs: z.object({ median: nullableNumber, p90: nullableNumber, count: z.number() }),
  averageHandleMs: nullableNumber,
  slaCompliance: nullableNumber,
  resolved: z.number(),
  fullyResolved: z.number(),
  fullyResolvedRate: nullableNumber,
  botContainment: nullableNumber,
  handoffRate: nullableNumber,
  reopenRate: nullableNumber,
  csat: z.object({ average: nullableNumber, count: z.number(), distribution: z.record(z.string(), z.number()) }),
  effortAverage: nullableNumber,
});

export const KpiQuerySchema = z.object({
  since: z.iso.datetime({ offset: true }),
  by: z.enum(KPI_GROUPINGS),
});

/** The KPIs of conversations opened in [since, now]: per group, and over all of them. */
export const KpiSummarySchema = z.object({
  since: z.string(),
  now: z.string(),
  by: z.enum(KPI_GROUPINGS),
  groups: z.record(z.string(), KpisSchema),
  all: KpisSchema.nullable(),
});
export type KpiSummary = z.infer<typeof KpiSummarySchema>;

export const ControlStatusSchema = z.object({ pid: z.number(), dataDir: z.string() });
