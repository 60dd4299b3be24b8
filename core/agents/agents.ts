/**
 * The team: agents and supervisors, their skills, languages, capacity and
 * presence. A token is shown once, when it is made; the store keeps only its
 * sha256, and `authenticate` compares hashes in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { newId } from '../clock.js';
import type { AgentView, Presence, PublicAgent } from '../contract/shapes.js';
import type { Agent, NewEvent } from '../domain.js';
import { AgentSchema } from '../domain.js';
import { describeIssues, InvalidInputError, NotFoundError, UnauthorizedError } from '../errors.js';
import type { EventBus } from '../event-bus.js';
import type { Store } from '../store/store.js';

export interface AgentDeps {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
}

export { type Presence, PresenceSchema } from '../contract/shapes.js';

export const NewAgentSchema = z.object({
  name: AgentSchema.shape.name,
  role: AgentSchema.shape.role.default('agent'),
  skills: AgentSchema.shape.skills.default([]),
  languages: AgentSchema.shape.languages.default([]),
  capacity: AgentSchema.shape.capacity.default(5),
});
export type NewAgent = z.input<typeof NewAgentSchema>;

// Written out, not NewAgentSchema.partial(): zod 4 applies a default even to a missing optional key,
// so a change of capacity alone would reset the role, skills and languages.
export const AgentUpdateSchema = z.object({
  name: AgentSchema.shape.name.optional(),
  role: AgentSchema.shape.role.optional(),
  skills: AgentSchema.shape.skills.optional(),
  languages: AgentSchema.shape.languages.optional(),
  capacity: AgentSchema.shape.capacity.optional(),
});
export type AgentUpdate = z.input<typeof AgentUpdateSchema>;

export type { PublicAgent };
export const publicAgent = ({ tokenHash: _, ...rest }: Agent): PublicAgent => rest;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');
const makeToken = (): string => `cdk_${randomBytes(24).toString('base64url')}`;

function parse<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw new InvalidInputError(`${what} is invalid: ${describeIssues(r.error.issues)}`);
  return r.data;
}

async function save(deps: AgentDeps, agent: Agent | undefined, event: NewEvent, remove?: string): Promise<void> {
  const result = await deps.store.commit({
    agents: agent ? [agent] : [],
    removeAgents: remove ? [remove] : [],
    events: [event],
  });
  deps.bus.publish(result.events);
}

export async function getAgent(store: Store, id: string): Promise<Agent> {
  const agent = await store.getAgent(id);
  if (!agent) throw new NotFoundError('agent', id);
  return agent;
}

/** Creates an agent; the token in the result is the only time it is ever seen. */
export async function createAgent(
  deps: AgentDeps,
  raw: NewAgent,
  actorId?: string,
): Promise<{ agent: PublicAgent; token: string }> {
  const input = parse(NewAgentSchema, raw, 'The new agent');
  const token = makeToken();
  const at = deps.clock.now().toISOString();
  const agent: Agent = { id: newId('agt'), ...input, presence: 'offline', tokenHash: hashToken(token), createdAt: at };
  await save(deps, agent, {
    type: 'agent.created',
    at,
    agentId: actorId ?? agent.id,
    data: { subjectId: agent.id, name: agent.name, role: agent.role },
  });
  return { agent: publicAgent(agent), token };
}

export async function listAgents(store: Store): Promise<PublicAgent[]> {
  return (await store.listAgents()).map(publicAgent);
}

export async function removeAgent(deps: AgentDeps, id: string, actorId?: string): Promise<void> {
  await getAgent(deps.store, id);
  const at = deps.clock.now().toISOString();
  await save(deps, undefined, { type: 'agent.removed', at, agentId: actorId ?? id, data: { subjectId: id } }, id);
}

/** A new token; the old one stops working at once. */
export async function rotateToken(deps: AgentDeps, id: string, actorId?: string): Promise<{ token: string }> {
  const agent = await getAgent(deps.store, id);
  const token = makeToken();
  const at = deps.clock.now().toISOString();
  await save(
    deps,
    { ...agent, tokenHash: hashToken(token) },
    { type: 'agent.token_rotated', at, agentId: actorId ?? id, data: { subjectId: id } },
  );
  return { token };
}

/** Skills, languages, capacity, name or role. */
export async function updateAgent(
  deps: AgentDeps,
  id: string,
  raw: AgentUpdate,
  actorId?: string,
): Promise<PublicAgent> {
  const change = parse(AgentUpdateSchema, raw, 'The agent update');
  const agent = { ...(await getAgent(deps.store, id)), ...change };
  const at = deps.clock.now().toISOString();
  await save(deps, agent, {
    type: 'agent.updated',
    at,
    agentId: actorId ?? id,
    data: { subjectId: id, ...change },
  });
  return publicAgent(agent);
}

/**
 * Why a presence changed when the agent did not set it: their terminal lost
 * its live event stream (`disconnected`: away), or got it back (`reconnected`:
 * online again, only after such an automatic away).
 */
export type PresenceCause = 'disconnected' | 'reconnected';

/** Records an agent's presence (the queue reacts to it: see core/queue `setPresence`). */
export async function writePresence(
  deps: AgentDeps,
  id: string,
  presence: Presence,
  actorId?: string,
  cause?: PresenceCause,
): Promise<Agent> {
  const agent = await getAgent(deps.store, id);
  const autoAway = presence === 'away' && cause === 'disconnected';
  if (agent.presence === presence && (agent.autoAway ?? false) === autoAway) return agent;
  const { autoAway: _, ...rest } = agent;
  const updated: Agent = autoAway ? { ...rest, presence, autoAway } : { ...rest, presence };
  const at = deps.clock.now().toISOString();
  await save(deps, updated, {
    type: 'agent.presence_changed',
    at,
    agentId: actorId ?? id,
    data: { subjectId: id, from: agent.presence, to: presence, ...(cause ? { cause } : {}) },
  });
  return updated;
}

/** The agent holding this token; UnauthorizedError for none. Every agent is compared, so time tells nothing. */
export async function authenticate(store: Store, token: string | undefined): Promise<Agent> {
  if (!token) throw new UnauthorizedError();
  const wanted = Buffer.from(hashToken(token), 'hex');
  let found: Agent | undefined;
  for (const agent of await store.listAgents()) {
    const stored = Buffer.from(agent.tokenHash, 'hex');
    if (stored.length === wanted.length && timingSafeEqual(stored, wanted) && !found) found = agent;
  }
  if (!found) throw new UnauthorizedError();
  return found;
}

/** Conversations each agent owns now (mode `agent`). */
export async function agentLoads(store: Store): Promise<Map<string, number>> {
  const loads = new Map<string, number>();
  for (const c of await store.listConversations({ modes: ['agent'] })) {
    if (c.assignee) loads.set(c.assignee, (loads.get(c.assignee) ?? 0) + 1);
  }
  return loads;
}

/** The agent view of the admin API (core/contract). */
export type AgentWithLoad = AgentView;

export async function listAgentsWithLoad(store: Store): Promise<AgentWithLoad[]> {
  const loads = await agentLoads(store);
  return (await store.listAgents()).map((a) => {
    const load = loads.get(a.id) ?? 0;
    return { ...publicAgent(a), load, freeCapacity: Math.max(0, a.capacity - load) };
  });
}
