/**
 * One customer, every channel: a supervisor merges two customers who are the
 * same person (identities, conversations and history follow the survivor),
 * and any merge can be undone; CAREDESK_AGENTS_MAY_MERGE opens both to every
 * agent. Each is recorded with the acting agent and a reason. Supervisors
 * export a customer's data and erase it (docs/privacy.md).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { eraseCustomerData, exportCustomer } from '../../core/customer-data/index.js';
import {
  type AnswerOf,
  EraseBodySchema,
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
import { agentOf, supervisorOf } from './auth.js';
import { parseInput } from './input.js';

export function customerRoutes(scope: FastifyInstance, { desk, config }: ServerContext): void {
  const merger = (request: FastifyRequest, what: string) =>
    config.agentsMayMerge
      ? agentOf(request)
      : supervisorOf(request, `${what} (CAREDESK_AGENTS_MAY_MERGE=true opens it to every agent)`);

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
      const agentId = merger(request, 'merge customers').id;
      const { id } = parseInput(IdParamsSchema, request.params, 'The path');
      const { from, reason } = parseInput(MergeBodySchema, request.body, 'The body');
      if (from === id)
        throw new InvalidInputError('A customer cannot be merged into itself: name another customer in "from".');
      const link = await mergeCustomers(desk, {
        survivorId: id,
        mergedId: from,
        evidence: { kind: 'agent', agentId, reason },
      });
      void reply.status(201);
      return { link };
    },
  );

  scope.get(
    '/admin/v1/customers/:id/export',
    async (request, reply): Promise<AnswerOf<'GET /admin/v1/customers/:id/export'>> => {
      supervisorOf(request, "export a customer's data");
      const { id } = parseInput(IdParamsSchema, request.params, 'The path');
      const data = await exportCustomer(desk.store, id, desk.clock.now());
      void reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="customer-${data.customer.id}.json"`);
      return data;
    },
  );

  scope.delete('/admin/v1/customers/:id', async (request): Promise<AnswerOf<'DELETE /admin/v1/customers/:id'>> => {
    const agentId = supervisorOf(request, "erase a customer's data").id;
    const { id } = parseInput(IdParamsSchema, request.params, 'The path');
    const { reason } = parseInput(EraseBodySchema, request.body ?? {}, 'The body');
    const { customerIds, erased, event } = await eraseCustomerData(desk, { customerId: id, reason, agentId });
    return { customerIds, erased, event };
  });

  scope.post('/admin/v1/links/:id/undo', async (request): Promise<AnswerOf<'POST /admin/v1/links/:id/undo'>> => {
    const actor = merger(request, 'undo a merge of customers').id;
    const { id } = parseInput(IdParamsSchema, request.params, 'The path');
    const { reason } = parseInput(UndoBodySchema, request.body, 'The body');
    await unmergeCustomers(desk, id, { actor, reason });
    return { undone: id };
  });
}
