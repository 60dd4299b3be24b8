/**
 * Reading conversations: the list (the universal queue's ordering, with
 * filters and a text search) and one case in full, with who else has it open,
 * and the files its messages carry (attachments.ts).
 */
import type { FastifyInstance } from 'fastify';
import {
  type AnswerOf,
  ConversationListQuerySchema,
  type ConversationRowFilter,
  conversationDetail,
  IdParamsSchema,
  listConversationRows,
} from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { attachmentRoutes } from './attachments.js';
import { agentOf } from './auth.js';
import { parseInput } from './input.js';
import type { ViewerRegistry } from './viewers.js';

export function conversationRoutes(scope: FastifyInstance, context: ServerContext, viewers: ViewerRegistry): void {
  const { desk } = context;
  scope.get(
    '/admin/v1/conversations',
    { config: { parsesQuery: true } },
    async (request): Promise<AnswerOf<'GET /admin/v1/conversations'>> => {
      const query = parseInput(ConversationListQuerySchema, request.query, 'The query');
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
    },
  );

  scope.get('/admin/v1/conversations/:id', async (request): Promise<AnswerOf<'GET /admin/v1/conversations/:id'>> => {
    const { id } = parseInput(IdParamsSchema, request.params, 'The path');
    const detail = await conversationDetail(desk.store, id);
    return { ...detail, viewers: viewers.list(id) };
  });

  attachmentRoutes(scope, context);
}
