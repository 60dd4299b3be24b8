/**
 * Routing rules from the config: what a handoff's skill and priority are
 * when the flow did not say. The first matching rule that sets a field wins.
 */
import type { Conversation, Priority } from '../domain.js';
import type { DeskConfig } from './config.js';

export function routeByRules(
  c: Pick<Conversation, 'channel' | 'topic' | 'language' | 'tags'>,
  config: DeskConfig,
): { skill?: string; priority?: Priority } {
  const out: { skill?: string; priority?: Priority } = {};
  for (const rule of config.routing.rules) {
    const m = rule.match;
    if (m.channel && m.channel !== c.channel) continue;
    if (m.topic && m.topic !== c.topic) continue;
    if (m.language && m.language !== c.language) continue;
    if (m.tag && !c.tags.includes(m.tag)) continue;
    if (out.skill === undefined && rule.set.skill) out.skill = rule.set.skill;
    if (out.priority === undefined && rule.set.priority) out.priority = rule.set.priority;
  }
  return out;
}

const ORDER: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];
export const priorityRank = (p: Priority): number => ORDER.indexOf(p);
export const bumpPriority = (p: Priority): Priority => ORDER[Math.min(ORDER.length - 1, priorityRank(p) + 1)]!;
