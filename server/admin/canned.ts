/**
 * The team's canned responses. Anyone on the team may add one; changing or
 * removing one is for the agent who wrote it or a supervisor.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type Agent,
  type AnswerOf,
  CannedChangeSchema,
  createCanned,
  ForbiddenError,
  getCanned,
  IdParamsSchema,
  listCanned,
  NewCannedSchema,
  removeCanned,
  updateCanned,
} from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { agentOf } from './auth.js';
import { parseInput } from './input.js';

export function cannedRoutes(scope: FastifyInstance, { desk }: ServerContext): void {
  const mayChange = async (request: FastifyRequest): Promise<{ id: string; agent: Agent }> => {
    const { id } = parseInput(IdParamsSchema, request.params, 'The path');
    const agent = agentOf(request);
    const canned = await getCanned(desk.store, id);
    if (agent.role !== 'supervisor' && canned.createdBy !== agent.id) {
      throw new ForbiddenError(
        `Canned response ${id} was written by agent ${canned.createdBy}; only they or a supervisor may change or remove it.`,
        { cannedId: id, createdBy: canned.createdBy, agentId: agent.id },
      );
    }
    return { id, agent };
  };

  scope.get(
    '/admin/v1/canned',
    async (): Promise<AnswerOf<'GET /admin/v1/canned'>> => ({ canned: await listCanned(desk.store) }),
  );

  scope.post('/admin/v1/canned', async (request, reply): Promise<AnswerOf<'POST /admin/v1/canned'>> => {
    const input = parseInput(NewCannedSchema, request.body, 'The body');
    const canned = await createCanned(desk, input, agentOf(request).id);
    void reply.status(201);
    return { canned };
  });

  scope.put('/admin/v1/canned/:id', async (request): Promise<AnswerOf<'PUT /admin/v1/canned/:id'>> => {
    const change = parseInput(CannedChangeSchema, request.body, 'The body');
    const { id, agent } = await mayChange(request);
    return { canned: await updateCanned(desk, id, change, agent.id) };
  });

  scope.delete('/admin/v1/canned/:id', async (request, reply) => {
    const { id, agent } = await mayChange(request);
    await removeCanned(desk, id, agent.id);
    return reply.status(204).send();
  });
}
