/**
 * The desk's KPIs, computed from stored events and conversations (no
 * counters kept aside, so they are right after a restart and can be computed
 * for any window): per channel or per agent, over conversations opened since
 * `since`.
 */
import type { Kpis } from '../contract/shapes.js';
import type { Conversation, DomainEvent } from '../domain.js';
import type { Store } from '../store/store.js';

/** A case is fully resolved when no reopen and no new contact from the customer follows within this. */
export const FULLY_RESOLVED_MS = 7 * 86_400_000;

export interface KpiOptions {
  readonly since: Date;
  readonly now: Date;
  /** Group by channel or by agent (the agent who owned the case last; `bot` for none). Default: one group `all`. */
  readonly by?: 'channel' | 'agent';
}

// The shape is the API's (core/contract): computed here, sent as is.
export type { Kpis };

export type KpiReport = Record<string, Kpis>;

/**
 * Events at or after `since`, oldest first. Events are numbered in commit
 * order and stamped with the clock, so the first one in the window is found
 * by bisecting on `seq` instead of reading the whole history.
 */
export async function allEvents(store: Store, since?: Date): Promise<DomainEvent[]> {
  const out: DomainEvent[] = [];
  await forEachEvent(store, since, (e) => {
    out.push(e);
  });
  return out;
}

/** Like `allEvents`, a page at a time, without holding the window's events all at once; `range` bounds it by seq. */
export async function forEachEvent(
  store: Store,
  since: Date | undefined,
  visit: (e: DomainEvent) => void | Promise<void>,
  range: { afterSeq?: number; toSeq?: number } = {},
): Promise<void> {
  const from = since?.toISOString();
  const to = range.toSeq ?? Number.POSITIVE_INFINITY;
  let after = range.afterSeq ?? 0;
  if (from !== undefined) {
    let lo = 0;
    let hi = await store.lastEventSeq();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const [e] = await store.listEvents(mid, 1);
      if (e === undefined || e.at >= from) hi = mid;
      else lo = e.seq;
    }
    after = Math.max(after, lo);
  }
  while (after < to) {
    const page = await store.listEvents(after, Math.min(1000, to - after));
    if (page.length === 0) break;
    for (const e of page) if (e.seq <= to && (from === undefined || e.at >= from)) await visit(e);
    after = page[page.length - 1]!.seq;
  }
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  // Nearest-rank: the value at or below which q of the samples lie.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

interface CaseFacts {
  readonly c: Conversation;
  humanHandled: boolean;
  breached: boolean;
  firstAssignedAt?: string;
  firstResponseMs?: number;
  readonly surveys: Array<{ question: string; score: number }>;
}

export async function computeKpis(store: Store, options: KpiOptions): Promise<KpiReport> {
  const since = options.since.toISOString();
  // Opened since `since` means a message since then too: resolved cases older than the window stay unread.
  const conversations = await store.listConversations({ activeSince: since });
  const opened = conversations.filter((c) => c.createdAt >= since);
  const facts = new Map<string, CaseFacts>(
    opened.map((c) => [c.id, { c, humanHandled: c.lastAssignee !== undefined, breached: false, surveys: [] }]),
  );
  // A page of events at a time: a busy window holds millions.
  await forEachEvent(store, options.since, (e) => {
    const f = e.conversationId ? facts.get(e.conversationId) : undefined;
    if (!f) return;
    if (e.type === 'handoff.requested' || e.type === 'conversation.taken_over' || e.type === 'conversation.assigned') {
      f.humanHandled = true;
      if (e.type === 'conversation.assigned') f.firstAssignedAt ??= e.at;
    } else if (e.type === 'sla.breached' && e.data.target !== 'replyWindow') {
      f.breached = true;
    } else if (e.type === 'conversation.first_response' && typeof e.data.waitedMs === 'number') {
      f.firstResponseMs = e.data.waitedMs;
    } else if (
      e.type === 'survey.answered' &&
      typeof e.data.score === 'number' &&
      typeof e.data.question === 'string'
    ) {
      f.surveys.push({ question: e.data.question, score: e.data.score });
    }
  });
  // A later contact from the same customer (any channel: one customer, many identities) spoils "fully resolved".
  const contactsByCustomer = new Map<string, string[]>();
  for (const c of conversations) {
    const list = contactsByCustomer.get(c.customerId) ?? [];
    list.push(c.createdAt);
    contactsByCustomer.set(c.customerId, list);
  }
  const fullyResolved = (c: Conversation): boolean => {
    if (!c.resolvedAt || !isResolved(c) || c.reopenedAt) return false;
    const until = new Date(new Date(c.resolvedAt).getTime() + FULLY_RESOLVED_MS).toISOString();
    return !(contactsByCustomer.get(c.customerId) ?? []).some((at) => at > c.resolvedAt! && at <= until);
  };

  const groups = new Map<string, CaseFacts[]>();
  for (const f of facts.values()) {
    const key = options.by === 'channel' ? f.c.channel : options.by === 'agent' ? (f.c.lastAssignee ?? 'bot') : 'all';
    // Pushed, not copied: a copy per case made 100,000 cases take 90 s.
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  const report: KpiReport = {};
  for (const [key, cases] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1)))
    report[key] = summarize(cases, fullyResolved);
  return report;
}

/**
 * A case counts as resolved from `resolvedAt` on, also while its survey runs
 * (the answers still count for CSAT and effort). Cases stored by earlier
 * versions read `mode: "bot"` during the survey: `resolvedAt` says it for them too.
 */
const isResolved = (c: Conversation): boolean =>
  c.resolvedAt !== undefined && c.mode !== 'queued' && c.mode !== 'agent';

function summarize(cases: readonly CaseFacts[], fullyResolved: (c: Conversation) => boolean): Kpis {
  const frt = cases.flatMap((f) => (f.firstResponseMs === undefined ? [] : [f.firstResponseMs])).sort((a, b) => a - b);
  const human = cases.filter((f) => f.humanHandled);
  const resolved = cases.filter((f) => isResolved(f.c));
  const handle = human.flatMap((f) =>
    f.c.resolvedAt && f.firstAssignedAt
      ? [new Date(f.c.resolvedAt).getTime() - new Date(f.firstAssignedAt).getTime()]
      : [],
  );
  const full = resolved.filter((f) => fullyResolved(f.c));
  const contained = full.filter((f) => !f.humanHandled);
  const csat = cases.flatMap((f) => f.surveys.filter((s) => s.question === 'csat').map((s) => s.score));
  const effort = cases.flatMap((f) => f.surveys.filter((s) => s.question === 'effort').map((s) => s.score));
  const distribution: Record<string, number> = {};
  for (const score of csat) distribution[String(score)] = (distribution[String(score)] ?? 0) + 1;
  return {
    conversations: cases.length,
    firstResponseMs: { median: quantile(frt, 0.5), p90: quantile(frt, 0.9), count: frt.length },
    averageHandleMs: mean(handle),
    slaCompliance: ratio(human.filter((f) => !f.breached).length, human.length),
    resolved: resolved.length,
    fullyResolved: full.length,
    fullyResolvedRate: ratio(full.length, resolved.length),
    botContainment: ratio(contained.length, cases.length),
    handoffRate: ratio(human.length, cases.length),
    reopenRate: ratio(resolved.filter((f) => f.c.reopenedAt).length, resolved.length),
    csat: { average: mean(csat), count: csat.length, distribution },
    effortAverage: mean(effort),
  };
}
