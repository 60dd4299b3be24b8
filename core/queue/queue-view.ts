/**
 * The universal queue as agents see it: every conversation waiting for a
 * human, from every channel, most urgent SLA deadline first, then priority,
 * then who waited longest. The same ordering lists the other modes.
 */
import { z } from 'zod';
import type { Conversation } from '../domain.js';
import { ChannelSchema, ModeSchema } from '../domain.js';
import { describeIssues, InvalidInputError, NotFoundError } from '../errors.js';
import { isBreached, slaDeadline } from '../sla/timers.js';
import type { Store } from '../store/store.js';
import { priorityRank } from './routing-rules.js';

export const QueueFilterSchema = z.object({
  mode: z.union([ModeSchema, z.array(ModeSchema)]).default('queued'),
  channel: ChannelSchema.optional(),
  skill: z.string().max(64).optional(),
  language: z.string().max(16).optional(),
  /** true: only conversations past an SLA target; false: only those within. */
  breached: z.boolean().optional(),
  assignee: z.string().max(128).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
});
export type QueueFilter = z.input<typeof QueueFilterSchema>;

/** SLA deadline ascending (none last), then priority descending, then longest waiting. */
export function compareUrgency(a: Conversation, b: Conversation): number {
  const da = slaDeadline(a);
  const db = slaDeadline(b);
  if (da !== db) {
    if (da === undefined) return 1;
    if (db === undefined) return -1;
    return da < db ? -1 : 1;
  }
  const p = priorityRank(b.priority) - priorityRank(a.priority);
  if (p !== 0) return p;
  const qa = a.sla.queuedAt ?? a.createdAt;
  const qb = b.sla.queuedAt ?? b.createdAt;
  return qa < qb ? -1 : qa > qb ? 1 : a.id < b.id ? -1 : 1;
}

export async function listQueue(store: Store, raw: QueueFilter, now: Date): Promise<Conversation[]> {
  const parsed = QueueFilterSchema.safeParse(raw);
  if (!parsed.success)
    throw new InvalidInputError(`The queue filter is invalid: ${describeIssues(parsed.error.issues)}`);
  const f = parsed.data;
  const modes = Array.isArray(f.mode) ? f.mode : [f.mode];
  const all = await store.listConversations({ modes, channel: f.channel, assignee: f.assignee });
  const out = all.filter(
    (c) =>
      (f.skill === undefined || c.skill === f.skill) &&
      (f.language === undefined || c.language === f.language) &&
      (f.breached === undefined || isBreached(c, now) === f.breached),
  );
  out.sort(compareUrgency);
  return f.limit ? out.slice(0, f.limit) : out;
}

/**
 * A queued conversation's place in line (1 = next), among those waiting for
 * the same skill (the whole queue when it needs none).
 */
export async function placeInLine(store: Store, conversationId: string): Promise<{ place: number; of: number }> {
  const c = await store.getConversation(conversationId);
  if (!c) throw new NotFoundError('conversation', conversationId);
  if (c.mode !== 'queued') return { place: 0, of: 0 };
  return placeAmong(await store.listConversations({ modes: ['queued'] }), c);
}

/**
 * The place `c` has (or will have, once this version of it is written) in
 * the line of `queued`: the stored copy of `c`, if any, counts as this one.
 */
export function placeAmong(queued: readonly Conversation[], c: Conversation): { place: number; of: number } {
  const line = queued.filter((q) => q.id !== c.id && q.skill === c.skill);
  line.push(c);
  line.sort(compareUrgency);
  return { place: line.indexOf(c) + 1, of: line.length };
}
