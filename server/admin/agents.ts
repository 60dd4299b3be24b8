/**
 * The calling agent and the team: GET /me, presence, GET /agents. An agent
 * is always shown with their load and never with their token hash.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type AgentWithLoad, NotFoundError, PresenceSchema } from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { agentOf } from './auth.js';
import { parseInput } from './input.js';

const PresenceBodySchema = z.object({ presence: PresenceSchema }).strict();

export function agentRoutes(scope: FastifyInstance, { human }: ServerContext): void {
  const withLoad = async (id: string): Promise<AgentWithLoad> => {
    const agent = (await human.listAgents()).find((a) => a.id === id);
    // Removed between authentication and now.
    if (!agent) throw new NotFoundError('agent', id);
    return agent;
  };

  scope.get('/admin/v1/me', async (request) => ({ agent: await withLoad(agentOf(request).id) }));

  scope.get('/admin/v1/me/presence', async (request) => ({ presence: agentOf(request).presence }));

  scope.put('/admin/v1/me/presence', async (request) => {
    const { presence } = parseInput(PresenceBodySchema, request.body, 'The body');
    const me = agentOf(request);
    await human.setPresence(me.id, presence, me.id);
    return { agent: await withLoad(me.id) };
  });

  scope.get('/admin/v1/agents', async () => ({ agents: await human.listAgents() }));
}
