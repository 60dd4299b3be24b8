/**
 * The calling agent and the team: GET /me, presence, GET /agents. An agent
 * is always shown with their load and never with their token hash.
 */
import type { FastifyInstance } from 'fastify';
import { type AgentView, type AnswerOf, NotFoundError, PresenceBodySchema } from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { agentOf } from './auth.js';
import { parseInput } from './input.js';

export function agentRoutes(scope: FastifyInstance, { human }: ServerContext): void {
  const withLoad = async (id: string): Promise<AgentView> => {
    const agent = (await human.listAgents()).find((a) => a.id === id);
    // Removed between authentication and now.
    if (!agent) throw new NotFoundError('agent', id);
    return agent;
  };

  scope.get(
    '/admin/v1/me',
    async (request): Promise<AnswerOf<'GET /admin/v1/me'>> => ({ agent: await withLoad(agentOf(request).id) }),
  );

  scope.get(
    '/admin/v1/me/presence',
    async (request): Promise<AnswerOf<'GET /admin/v1/me/presence'>> => ({ presence: agentOf(request).presence }),
  );

  scope.put('/admin/v1/me/presence', async (request): Promise<AnswerOf<'PUT /admin/v1/me/presence'>> => {
    const { presence } = parseInput(PresenceBodySchema, request.body, 'The body');
    const me = agentOf(request);
    await human.setPresence(me.id, presence, me.id);
    return { agent: await withLoad(me.id) };
  });

  scope.get(
    '/admin/v1/agents',
    async (): Promise<AnswerOf<'GET /admin/v1/agents'>> => ({ agents: await human.listAgents() }),
  );
}
