/**
 * The local control route, /control/v1, both ways: the server parses requests
 * with these, `caredesk agents` and `caredesk report` parse the answers with
 * them (a server of another version answering something else is an error
 * with a message, not a crash later). Its shapes are the admin API's.
 */
import { z } from 'zod';
import { IdParamsSchema } from './admin-api.js';
import { AgentViewSchema, KpiGroupingSchema, KpisSchema, PublicAgentSchema } from './shapes.js';

export { IdParamsSchema as ControlIdParamsSchema };

export const ControlStatusSchema = z.object({ pid: z.number(), dataDir: z.string() });
export const AgentListSchema = z.object({ agents: z.array(AgentViewSchema) });
/** The token is shown this once. */
export const CreatedAgentSchema = z.object({ agent: PublicAgentSchema, token: z.string().min(1) });
export const RotatedTokenSchema = CreatedAgentSchema;
export const RemovedAgentSchema = z.object({ agent: AgentViewSchema });

export const ControlKpiQuerySchema = z.object({
  since: z.iso.datetime({ offset: true }),
  by: KpiGroupingSchema,
});

/** The KPIs of conversations opened in [since, now]: per group, and over all of them. */
export const KpiSummarySchema = z.object({
  since: z.string(),
  now: z.string(),
  by: KpiGroupingSchema,
  groups: z.record(z.string(), KpisSchema),
  all: KpisSchema.nullable(),
});
export type KpiSummary = z.infer<typeof KpiSummarySchema>;
