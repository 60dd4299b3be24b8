/**
 * Reading conversations: the list (the universal queue's ordering, with
 * filters and a text search) and one case in full, with who else has it open.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  ChannelSchema,
  type ConversationRowFilter,
  conversationDetail,
  listConversationRows,
  type Mode,
  ModeSchema,
} from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { agentOf } from './auth.js';
import { IdParamsSchema, parseInput } from './input.js';
import type { ViewerRegistry } from './viewers.js';

const ALL_MODES: readonly Mode[] = ModeSchema.options;

/** `mode=queued,agent`, `mode=all`, or the parameter repeated. */
const ModesSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()))
  .pipe(z.array(z.union([ModeSchema, z.literal('all')])).min(1))
  .transform((modes) => (modes.includes('all') ? [...ALL_MODES] : [...new Set(modes as Mode[])]));

const ListQuerySchema = z
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

export function conversationRoutes(scope: FastifyInstance, { desk }: ServerContext, viewers: ViewerRegistry): void {
  scope.get('/admin/v1/conversations', { config: { parsesQuery: true } }, async (request) => {
    const query = parseInput(ListQuerySchema, request.query, 'The query');
    const filter: ConversationRowFilter = {
      mode: query.mode ?? 'queued',
      channel: query.channel,
      skill: query.skill,
      language: query.language,
      breached: query.breached === undefined ? undefined : query.breached === 'true',
      assignee: query.assignee === 'me' ? agentOf(request).id : query.assignee,
      q: query.q?.trim() || undefined,
      limit: query.limit,
    };
    return { conversations: await listConversationRows(desk.store, filter, desk.clock.now()) };
  });

  scope.get('/admin/v1/conversations/:id', async (request) => {
    const { id } = parseInput(IdParamsSchema, request.params, 'The path');
    const detail = await conversationDetail(desk.store, id);
    return { ...detail, viewers: viewers.list(id) };
  });
}
