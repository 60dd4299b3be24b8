/**
 * One customer, every channel: an agent merges two customers who are the same
 * person (identities, conversations and history follow the survivor), and any
 * merge can be undone. Each is recorded with the acting agent and a reason.
 */
import type { FastifyInstance } from 'fastify';
import {
  type AnswerOf,
  IdParamsSchema,
  InvalidInputError,
  listCustomerLinks,
  MergeBodySchema,
  mergeCustomers,
  NotFoundError,
  UndoBodySchema,
  unmergeCustomers,
} from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { agentOf } from './auth.js';
import { parseInput } from './input.js';

export function customerRoutes(scope: FastifyInstance, { desk }: ServerContext): void {
  scope.get(
    '/admin/v1/customers/:id/links',
    async (request): Promise<AnswerOf<'GET /admin/v1/customers/:id/links'>> => {
      const { id } = parseInput(IdParamsSchema, request.params, 'The path');
      // A merged customer still exists (its links say where it went); one that never did is a 404.
      if (!(await desk.store.getCustomer(id))) throw new NotFoundError('customer', id);
      return { links: await listCustomerLinks(desk.store, id) };
    },
  );

  scope.post(
    '/admin/v1/customers/:id/merge',
    async (request, reply): Promise<AnswerOf<'POST /admin/v1/customers/:id/merge'>> => {
      const { id } = parseInput(IdParamsSchema, request.params, 'The path');
      const { from, reason } = parseInput(MergeBodySchema, request.body, 'The body');
      if (from === id)
        throw new InvalidInputError('A customer cannot be merged into itself: name another customer in "from".');
      const agentId = agentOf(request).id;
      const link = await mergeCustomers(desk, {
        survivorId: id,
        mergedId: from,
        evidence: { kind: 'agent', agentId, reason },
      });
      void reply.status(201);
      return { link };
    },
  );

  scope.post('/admin/v1/links/:id/undo', async (request): Promise<AnswerOf<'POST /admin/v1/links/:id/undo'>> => {
    const { id } = parseInput(IdParamsSchema, request.params, 'The path');
    const { reason } = parseInput(UndoBodySchema, request.body, 'The body');
    await unmergeCustomers(desk, id, { actor: agentOf(request).id, reason });
    return { undone: id };
  });
}
