/**
 * Supervisors manage the team: add an agent (their token is in the answer,
 * once), change one, remove one, rotate a token, set someone's presence.
 * Core records each change as an `agent.*` event with the supervisor as its
 * `agentId` and the agent changed as `data.subjectId` (GET /admin/v1/audit).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  AgentChangeBodySchema,
  type AgentView,
  type AnswerOf,
  ForbiddenError,
  IdParamsSchema,
  NewAgentBodySchema,
  NoBodySchema,
  NotFoundError,
  PresenceBodySchema,
} from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { supervisorOf } from './auth.js';
import { parseInput } from './input.js';

type AgentAnswer = AnswerOf<'PUT /admin/v1/agents/:id'>;

export function teamRoutes(scope: FastifyInstance, { human }: ServerContext): void {
  const viewOf = async (id: string): Promise<AgentView> => {
    const agent = (await human.listAgents()).find((a) => a.id === id);
    if (!agent) throw new NotFoundError('agent', id);
    return agent;
  };
  const target = (request: FastifyRequest, what: string) => ({
    me: supervisorOf(request, what),
    id: parseInput(IdParamsSchema, request.params, 'The path').id,
  });

  scope.post('/admin/v1/agents', async (request, reply): Promise<AnswerOf<'POST /admin/v1/agents'>> => {
    const me = supervisorOf(request, 'add agents');
    const input = parseInput(NewAgentBodySchema, request.body, 'The body');
    const { agent, token } = await human.createAgent(input, me.id);
    // The token is in this answer only: no cache on the way may keep it.
    void reply.status(201).header('cache-control', 'no-store');
    return { agent: await viewOf(agent.id), token };
  });

  scope.put('/admin/v1/agents/:id', async (request): Promise<AgentAnswer> => {
    const { me, id } = target(request, 'change an agent’s name, role, skills, languages or capacity');
    const change = parseInput(AgentChangeBodySchema, request.body, 'The body');
    if (id === me.id && change.role === 'agent') {
      throw new ForbiddenError(
        'A supervisor cannot make themselves an agent: another supervisor can (so that the desk always keeps one).',
      );
    }
    await human.updateAgent(id, change, me.id);
    return { agent: await viewOf(id) };
  });

  scope.delete('/admin/v1/agents/:id', async (request): Promise<AnswerOf<'DELETE /admin/v1/agents/:id'>> => {
    const { me, id } = target(request, 'remove agents');
    if (id === me.id) {
      throw new ForbiddenError(
        'A supervisor cannot remove themselves: another supervisor can (so that the desk always keeps one).',
      );
    }
    const agent = await viewOf(id);
    // Their conversations go back to the queue first (core).
    await human.removeAgent(id, me.id);
    return { agent };
  });

  scope.post(
    '/admin/v1/agents/:id/rotate-token',
    async (request, reply): Promise<AnswerOf<'POST /admin/v1/agents/:id/rotate-token'>> => {
      const { me, id } = target(request, 'give an agent a new token');
      parseInput(NoBodySchema, request.body, 'The body');
      // An unknown id is core's 404 (NotFoundError), before anything changes.
      const { token } = await human.rotateToken(id, me.id);
      void reply.header('cache-control', 'no-store');
      return { agent: await viewOf(id), token };
    },
  );

  scope.put('/admin/v1/agents/:id/presence', async (request): Promise<AgentAnswer> => {
    const { me, id } = target(request, 'set another agent’s presence');
    const { presence } = parseInput(PresenceBodySchema, request.body, 'The body');
    await human.setPresence(id, presence, me.id);
    return { agent: await viewOf(id) };
  });
}
