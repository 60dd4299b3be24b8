/**
 * Auto-assignment, for teams that turn it on: each queued conversation (most
 * urgent first) goes to an online agent with the skill and language it needs
 * and free capacity, least busy first, never straight back to an agent who
 * just lost it for silence (silence.ts). Manual claim works either way.
 */
import type { Agent, Conversation } from '../domain.js';
import { CaredeskError } from '../errors.js';
import { assign } from './actions.js';
import type { Team } from './config.js';
import type { QueueContext } from './context.js';
import { compareUrgency } from './queue-view.js';
import { mayGetBack } from './silence.js';

/** The team a conversation belongs to: the first whose skills include its skill (or a team open to any skill). */
export function teamFor(c: Conversation, teams: readonly Team[]): Team | undefined {
  return (
    teams.find((t) => c.skill !== undefined && t.skills.includes(c.skill)) ?? teams.find((t) => t.skills.length === 0)
  );
}

/** Whether this agent can take this conversation now, as far as skills, language and capacity go. */
export function fits(agent: Agent, c: Conversation, load: number): boolean {
  return (
    agent.presence === 'online' &&
    load < agent.capacity &&
    (c.skill === undefined || agent.skills.includes(c.skill)) &&
    (c.language === undefined || agent.languages.length === 0 || agent.languages.includes(c.language))
  );
}

/**
 * Least busy first: fewest conversations, then most free capacity, then by id
 * (stable). The agent who last had it (transferred it away, lost it for
 * silence) comes last.
 */
export function pickAgent(
  c: Conversation,
  agents: readonly Agent[],
  loads: ReadonlyMap<string, number>,
): Agent | undefined {
  const candidates = agents.filter((a) => fits(a, c, loads.get(a.id) ?? 0));
  candidates.sort((a, b) => {
    const pa = a.id === c.lastAssignee ? 1 : 0;
    const pb = b.id === c.lastAssignee ? 1 : 0;
    if (pa !== pb) return pa - pb;
    const la = loads.get(a.id) ?? 0;
    const lb = loads.get(b.id) ?? 0;
    if (la !== lb) return la - lb;
    const fa = a.capacity - la;
    const fb = b.capacity - lb;
    if (fa !== fb) return fb - fa;
    return a.id < b.id ? -1 : 1;
  });
  return candidates[0];
}

/** One pass over the queue; returns the assignments made. */
export async function autoAssign(ctx: QueueContext): Promise<Array<{ conversationId: string; agentId: string }>> {
  const teams = ctx.config.routing.teams.filter((t) => t.autoAssign);
  if (teams.length === 0) return [];
  const { store } = ctx.desk;
  const agents = await store.listAgents();
  const loads = new Map<string, number>();
  for (const c of await store.listConversations({ modes: ['agent'] })) {
    if (c.assignee) loads.set(c.assignee, (loads.get(c.assignee) ?? 0) + 1);
  }
  const queued = (await store.listConversations({ modes: ['queued'] })).sort(compareUrgency);
  const now = ctx.desk.clock.now();
  const made: Array<{ conversationId: string; agentId: string }> = [];
  for (const c of queued) {
    const team = teamFor(c, ctx.config.routing.teams);
    if (!team?.autoAssign) continue;
    // Not straight back to an agent who just lost it for silence (nor ever, once that escalated it).
    const agent = pickAgent(
      c,
      agents.filter((a) => mayGetBack(ctx, a, c, now)),
      loads,
    );
    if (!agent) continue;
    try {
      await assign(ctx, c.id, agent.id, 'auto');
    } catch (err) {
      // Claimed by hand meanwhile: that agent was faster, nothing to do.
      if (err instanceof CaredeskError && (err.code === 'E_CLAIM_CONFLICT' || err.code === 'E_INVALID_STATE')) continue;
      throw err;
    }
    loads.set(agent.id, (loads.get(agent.id) ?? 0) + 1);
    made.push({ conversationId: c.id, agentId: agent.id });
  }
  return made;
}
