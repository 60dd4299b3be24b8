/**
 * GET /admin/v1/audit: the stored events, newest first, filtered by agent,
 * event type, conversation and time, a page at a time. Every change on the
 * desk is an event with the acting agent's id, so this is who did what, when.
 */
import type { FastifyInstance } from 'fastify';
import {
  type AnswerOf,
  type AuditPage,
  type AuditQuery,
  AuditQuerySchema,
  type DomainEvent,
  type Store,
} from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { supervisorOf } from './auth.js';
import { parseInput } from './input.js';

/** Events read from the store per round. */
const CHUNK = 1_000;
/** Events looked at per request at most: a rare filter over a long history answers a short page and a cursor, not a long wait. */
const MAX_SCANNED = 50_000;
/** How far an event may be older than the one committed after it (a clock set back): `from` ends the scan only past this. */
const CLOCK_SLACK_MS = 60_000;

export function auditRoutes(scope: FastifyInstance, { desk }: ServerContext): void {
  scope.get(
    '/admin/v1/audit',
    { config: { parsesQuery: true } },
    async (request): Promise<AnswerOf<'GET /admin/v1/audit'>> => {
      supervisorOf(request, 'read the audit');
      const query = parseInput(AuditQuerySchema, request.query, 'The query');
      return readAudit(desk.store, query);
    },
  );
}

/**
 * Reads backwards from the cursor (the seq of the last event the previous
 * page showed) in chunks. Seqs are 1, 2, 3… in commit order, so the chunk
 * below `before` is `listEvents(before - 1 - CHUNK, CHUNK)`.
 */
export async function readAudit(store: Store, query: AuditQuery): Promise<AuditPage> {
  const matches = matcher(query);
  const from = query.from?.getTime();
  const events: DomainEvent[] = [];
  let before = query.cursor ?? (await store.lastEventSeq()) + 1;
  let scanned = 0;
  while (before > 1) {
    if (scanned >= MAX_SCANNED) return { events, nextCursor: String(before) };
    const after = Math.max(0, before - 1 - CHUNK);
    const chunk = await store.listEvents(after, before - 1 - after);
    scanned += chunk.length;
    for (let i = chunk.length - 1; i >= 0; i--) {
      const event = chunk[i]!;
      if (event.seq >= before) continue;
      if (from !== undefined && Date.parse(event.at) < from - CLOCK_SLACK_MS) return { events, nextCursor: null };
      if (!matches(event)) continue;
      events.push(event);
      if (events.length === query.limit) return { events, nextCursor: event.seq > 1 ? String(event.seq) : null };
    }
    before = after + 1;
  }
  return { events, nextCursor: null };
}

function matcher(query: AuditQuery): (event: DomainEvent) => boolean {
  const { agent, action, conversation } = query;
  const from = query.from?.getTime();
  const to = query.to?.getTime();
  const types = action?.filter((t) => !t.endsWith('.*'));
  const families = action?.filter((t) => t.endsWith('.*')).map((t) => t.slice(0, -1));
  return (event) => {
    if (conversation !== undefined && event.conversationId !== conversation) return false;
    // By the agent (agentId; `by` in an undone merge) or about them (`subjectId`: added, changed, removed).
    if (agent !== undefined && event.agentId !== agent && event.data.subjectId !== agent && event.data.by !== agent) {
      return false;
    }
    if (action !== undefined && !types?.includes(event.type) && !families?.some((f) => event.type.startsWith(f))) {
      return false;
    }
    const at = Date.parse(event.at);
    if (from !== undefined && at < from) return false;
    if (to !== undefined && at >= to) return false;
    return true;
  };
}
