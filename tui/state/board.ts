/**
 * The open conversations the TUI knows of (queued, assigned, bot-handled),
 * kept current between reloads by applying events: what an event says is
 * applied at once, what it cannot say (a new conversation, a new preview, a
 * new SLA deadline) asks for a reload. Views, filters and urgency are
 * computed here, apart from React, so that they are tested and benchmarked
 * as plain functions.
 */
import type { ConversationRow, DomainEvent } from '../client.js';

export type Urgency = 'breached' | 'warning' | 'ok' | 'none';
export type ViewName = 'queue' | 'mine' | 'bot' | 'all';

export const VIEWS: ReadonlyArray<{ readonly name: ViewName; readonly description: string }> = [
  { name: 'queue', description: 'queued and assigned' },
  { name: 'mine', description: 'assigned to me' },
  { name: 'bot', description: 'handled by the bot' },
  { name: 'all', description: 'every open conversation' },
];

/** The SLA deadline the board counts down to. */
export function slaDue(row: ConversationRow): string | undefined {
  if (row.slaDueAt) return row.slaDueAt;
  const s = row.sla;
  const dues = [s.firstResponseDueAt, s.nextResponseDueAt, s.resolutionDueAt].filter((d): d is string => !!d);
  return dues.sort()[0];
}

export function urgencyOf(row: ConversationRow, now: Date): Urgency {
  const due = slaDue(row);
  if (row.breached || (due !== undefined && Date.parse(due) <= now.getTime())) return 'breached';
  if (due === undefined) return 'none';
  const at = now.toISOString();
  const s = row.sla;
  const warned = [s.firstResponseWarnAt, s.nextResponseWarnAt, s.resolutionWarnAt].some((w) => w && w <= at);
  return warned ? 'warning' : 'ok';
}

const PRIORITY_RANK: Readonly<Record<string, number>> = { urgent: 3, high: 2, normal: 1, low: 0 };

/** Most urgent first: SLA deadline (none last), then priority, then who waited longest. As the server orders. */
export function compareUrgency(a: ConversationRow, b: ConversationRow): number {
  const da = slaDue(a);
  const db = slaDue(b);
  if (da !== db) {
    if (da === undefined) return 1;
    if (db === undefined) return -1;
    return da < db ? -1 : 1;
  }
  const p = (PRIORITY_RANK[b.priority] ?? 1) - (PRIORITY_RANK[a.priority] ?? 1);
  if (p !== 0) return p;
  const qa = a.sla.queuedAt ?? a.createdAt;
  const qb = b.sla.queuedAt ?? b.createdAt;
  return qa < qb ? -1 : qa > qb ? 1 : a.id < b.id ? -1 : 1;
}

export interface Filter {
  readonly channel?: string;
  readonly skill?: string;
  readonly language?: string;
  /** Words that must all appear (in customer, topic, preview, id, assignee). */
  readonly words: readonly string[];
}

const FILTER_KEYS: Readonly<Record<string, 'channel' | 'skill' | 'language'>> = {
  channel: 'channel',
  ch: 'channel',
  skill: 'skill',
  sk: 'skill',
  language: 'language',
  lang: 'language',
  l: 'language',
};

/** `channel:telegram lang:it refund` → a Filter. */
export function parseFilter(raw: string): Filter {
  const out: { channel?: string; skill?: string; language?: string; words: string[] } = { words: [] };
  for (const token of raw.trim().split(/\s+/).filter(Boolean)) {
    const m = /^([a-z]+):(.+)$/i.exec(token);
    const key = m ? FILTER_KEYS[m[1]!.toLowerCase()] : undefined;
    if (m && key) out[key] = m[2]!.toLowerCase();
    else out.words.push(token.toLowerCase());
  }
  return out;
}

export function isEmptyFilter(f: Filter): boolean {
  return !f.channel && !f.skill && !f.language && f.words.length === 0;
}

export function matchesFilter(row: ConversationRow, f: Filter): boolean {
  if (f.channel && !row.channel.startsWith(f.channel)) return false;
  if (f.skill && (row.skill ?? '').toLowerCase() !== f.skill) return false;
  if (f.language && (row.language ?? row.customer.language ?? '').toLowerCase() !== f.language) return false;
  if (f.words.length === 0) return true;
  const hay = [row.id, row.customer.displayName, row.customer.id, row.topic, row.lastMessagePreview, row.assignee]
    .join(' ')
    .toLowerCase();
  return f.words.every((w) => hay.includes(w));
}

export function inView(row: ConversationRow, view: ViewName, meId: string): boolean {
  switch (view) {
    case 'queue':
      return row.mode === 'queued' || row.mode === 'agent';
    case 'mine':
      return row.mode === 'agent' && row.assignee === meId;
    case 'bot':
      return row.mode === 'bot';
    case 'all':
      return row.mode !== 'resolved';
  }
}

export interface BoardCounts {
  readonly queued: number;
  readonly breached: number;
  readonly mine: number;
}

/** Events that change what a row shows, though they do not say to what: the row is reloaded. */
const RELOAD_EVENTS = new Set([
  'handoff.requested',
  'conversation.opened',
  'conversation.reopened',
  'conversation.transferred',
  'conversation.reassigned',
  'conversation.first_response',
  'message.received',
  'message.edited',
  'message.sent',
  'sla.warning',
  'sla.breached',
]);

export class ConversationSet {
  readonly #rows = new Map<string, ConversationRow>();
  #sorted: ConversationRow[] | undefined;
  /** Goes up on every change; views are recomputed when it does. */
  version = 0;

  get size(): number {
    return this.#rows.size;
  }

  get(id: string): ConversationRow | undefined {
    return this.#rows.get(id);
  }

  replace(rows: readonly ConversationRow[]): void {
    this.#rows.clear();
    for (const r of rows) if (r.mode !== 'resolved') this.#rows.set(r.id, r);
    this.#changed();
  }

  /** The server's fresh copy of one conversation (after an action). */
  upsert(row: Partial<ConversationRow> & { id: string }): void {
    const current = this.#rows.get(row.id);
    if (row.mode === 'resolved') this.#rows.delete(row.id);
    else if (current) this.#rows.set(row.id, { ...current, ...row });
    else return;
    this.#changed();
  }

  /** Applies what the event tells; true when the set should be reloaded for the rest. */
  apply(e: DomainEvent): boolean {
    const id = e.conversationId;
    if (id === undefined) return false;
    const row = this.#rows.get(id);
    const reload = RELOAD_EVENTS.has(e.type);
    if (!row) return reload || e.type.startsWith('conversation.');
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    let next: ConversationRow | undefined = row;
    switch (e.type) {
      case 'conversation.assigned':
      case 'conversation.taken_over':
        next = { ...row, mode: 'agent', assignee: str(e.data.assignee) ?? e.agentId ?? row.assignee };
        break;
      case 'conversation.transferred':
        next = str(e.data.to)
          ? { ...row, mode: 'agent', assignee: str(e.data.to) }
          : { ...row, mode: 'queued', assignee: undefined, skill: str(e.data.skill) ?? row.skill };
        break;
      case 'conversation.reassigned':
        next = { ...row, mode: 'queued', assignee: undefined };
        break;
      case 'conversation.released':
        next = { ...row, mode: 'bot', assignee: undefined, slaDueAt: undefined, breached: false };
        break;
      case 'conversation.resolved':
        next = undefined;
        break;
      case 'conversation.escalated':
        next = { ...row, priority: (str(e.data.to) as ConversationRow['priority']) ?? row.priority };
        break;
      case 'sla.breached':
        next = e.data.target === 'replyWindow' ? row : { ...row, breached: true };
        break;
      case 'message.received':
      case 'message.sent':
        next = { ...row, lastMessageAt: e.at, messageCount: row.messageCount + 1 };
        break;
      case 'handoff.requested':
        next = { ...row, mode: 'queued', assignee: undefined };
        break;
    }
    if (next === undefined) this.#rows.delete(id);
    else if (next !== row) this.#rows.set(id, next);
    if (next !== row) this.#changed();
    return reload;
  }

  /** Every row, most urgent first (cached until the next change). */
  sorted(): readonly ConversationRow[] {
    this.#sorted ??= [...this.#rows.values()].sort(compareUrgency);
    return this.#sorted;
  }

  view(view: ViewName, filter: Filter, meId: string): ConversationRow[] {
    const empty = isEmptyFilter(filter);
    return this.sorted().filter((r) => inView(r, view, meId) && (empty || matchesFilter(r, filter)));
  }

  counts(now: Date, meId: string): BoardCounts {
    let queued = 0;
    let breached = 0;
    let mine = 0;
    for (const r of this.#rows.values()) {
      if (r.mode === 'queued') queued++;
      if (r.mode === 'agent' && r.assignee === meId) mine++;
      if ((r.mode === 'queued' || r.mode === 'agent') && urgencyOf(r, now) === 'breached') breached++;
    }
    return { queued, breached, mine };
  }

  #changed(): void {
    this.#sorted = undefined;
    this.version++;
  }
}
