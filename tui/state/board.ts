/**
 * The open conversations the TUI knows of (queued, assigned, bot-handled),
 * kept current by applying events: what an event says is applied at once,
 * what it cannot say (a new conversation, a new preview, a new SLA deadline)
 * asks for that one conversation to be fetched again. Views, filters and
 * urgency are computed here, apart from React, so that they are tested and
 * benchmarked as plain functions.
 */
import { compareUrgency, isBreached, priorityRank, slaDeadline } from '../../core/index.js';
import type { ConversationDetail, ConversationRow, DomainEvent } from '../client.js';
import { sanitizeLine } from '../sanitize.js';

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
  return row.slaDueAt ?? slaDeadline(row);
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

/** Most urgent first: SLA deadline (none last), then priority, then who waited longest. The queue's own order (core). */
export { compareUrgency };

export interface Filter {
  readonly channel?: string;
  readonly skill?: string;
  readonly language?: string;
  /** Words that must all appear (in customer, topic, skill, preview, id, assignee), as shown. */
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

/**
 * The language as the board shows it: the primary subtag of the tag ("en-GB" → "en"), as the
 * queue has it once a conversation is handed off; channels report the customer's locale.
 */
export function primaryLanguage(tag: string | undefined): string {
  return sanitizeLine(tag ?? '')
    .trim()
    .split(/[-_]/)[0]!
    .toLowerCase();
}

export function languageOf(row: ConversationRow): string {
  return primaryLanguage(row.language ?? row.customer.language);
}

/** The customer's name as the row shows it: sanitised (escape sequences and controls gone). */
export function customerNameOf(row: ConversationRow): string {
  return sanitizeLine(row.customer.displayName ?? row.customer.id);
}

// The words a row is searched for, as shown: computed once per version of a row, not per key.
const haystacks = new WeakMap<ConversationRow, string>();
function haystack(row: ConversationRow): string {
  let hay = haystacks.get(row);
  if (hay === undefined) {
    hay = [row.id, customerNameOf(row), row.customer.id, row.topic, row.skill, row.lastMessagePreview, row.assignee]
      .map((t) => sanitizeLine(t))
      .join(' ')
      .toLowerCase();
    haystacks.set(row, hay);
  }
  return hay;
}

/**
 * Whether the row matches, on the text the row shows (sanitised: a name stored with escape
 * sequences in it is found by what is on the screen). `assigneeName` adds the assignee's name.
 */
export function matchesFilter(
  row: ConversationRow,
  f: Filter,
  assigneeName?: (id: string) => string | undefined,
): boolean {
  if (f.channel && !row.channel.startsWith(f.channel)) return false;
  if (f.skill && sanitizeLine(row.skill).toLowerCase() !== f.skill) return false;
  if (f.language && languageOf(row) !== primaryLanguage(f.language)) return false;
  if (f.words.length === 0) return true;
  const hay = haystack(row);
  const agent = row.assignee && assigneeName ? sanitizeLine(assigneeName(row.assignee)).toLowerCase() : '';
  return f.words.every((w) => hay.includes(w) || (agent !== '' && agent.includes(w)));
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

/** Events that change what a row shows, though they do not say to what: the row is fetched again. */
const REFETCH_EVENTS = new Set([
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

interface Entry {
  readonly row: ConversationRow;
  /** Orders as core's compareUrgency does, as one string: sorting and finding compare strings only. */
  readonly key: string;
  /** The SLA deadline in ms (Infinity when no clock runs), for counting breaches without parsing dates. */
  readonly dueMs: number;
}

function entry(row: ConversationRow): Entry {
  const due = slaDue(row);
  // The deadline compareUrgency orders by (the row's own `slaDueAt` is the server's copy of it).
  const order = slaDeadline(row);
  const rank = 9 - priorityRank(row.priority);
  // ISO timestamps of one format order as strings; '~' sorts after every digit: no deadline goes last.
  const key = `${order ?? '~'}\u0000${rank}\u0000${row.sla.queuedAt ?? row.createdAt}\u0000${row.id}`;
  return { row, key, dueMs: due ? Date.parse(due) : Number.POSITIVE_INFINITY };
}

/** Index of the first entry whose key is not below `key`. */
function lowerBound(sorted: readonly Entry[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows by id, and (once asked for) in urgency order. The order is kept
 * up to date one row at a time: 50 events a second must not mean sorting
 * 10,000 rows 50 times a second. Only a reload sorts everything.
 */
export class ConversationSet {
  readonly #entries = new Map<string, Entry>();
  #sorted: Entry[] | undefined;
  #rows: ConversationRow[] | undefined;
  #places: Map<string, number> | undefined;
  /** Goes up on every change; views are recomputed when it does. */
  version = 0;

  get size(): number {
    return this.#entries.size;
  }

  get(id: string): ConversationRow | undefined {
    return this.#entries.get(id)?.row;
  }

  replace(rows: readonly ConversationRow[]): void {
    this.#entries.clear();
    for (const r of rows) if (r.mode !== 'resolved') this.#entries.set(r.id, entry(r));
    this.#sorted = undefined;
    this.#changed();
  }

  /** The server's fresh copy of one conversation (after an action). */
  upsert(row: Partial<ConversationRow> & { id: string }): void {
    const current = this.#entries.get(row.id);
    if (!current) return;
    if (row.mode === 'resolved') this.#remove(row.id);
    else this.#put({ ...current.row, ...row });
    this.#changed();
  }

  /** A conversation as fetched on its own: added, replaced, or dropped when resolved. */
  putDetail(detail: Pick<ConversationDetail, 'conversation' | 'customer' | 'placeInLine'>, now: Date): void {
    const c = detail.conversation;
    if (c.mode === 'resolved') {
      if (!this.#entries.has(c.id)) return;
      this.#remove(c.id);
    } else {
      const customer = detail.customer;
      this.#put({
        ...c,
        customer: {
          id: customer.id,
          displayName: customer.displayName ?? customer.identities.find((i) => i.displayName)?.displayName,
          language: customer.language,
        },
        slaDueAt: slaDeadline(c),
        breached: isBreached(c, now),
        ...(detail.placeInLine ? { placeInLine: detail.placeInLine } : {}),
      });
    }
    this.#changed();
  }

  forget(id: string): void {
    if (!this.#entries.has(id)) return;
    this.#remove(id);
    this.#changed();
  }

  /** Applies what the event tells; true when the conversation should be fetched again for the rest. */
  apply(e: DomainEvent): boolean {
    const id = e.conversationId;
    if (id === undefined) return false;
    const row = this.#entries.get(id)?.row;
    const reload = REFETCH_EVENTS.has(e.type);
    if (!row) return reload || (e.type.startsWith('conversation.') && e.type !== 'conversation.resolved');
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
    if (next === row) return reload;
    if (next === undefined) this.#remove(id);
    else this.#put(next);
    this.#changed();
    return reload;
  }

  /** Every row, most urgent first (cached until the next change). */
  sorted(): readonly ConversationRow[] {
    if (!this.#sorted) {
      this.#sorted = [...this.#entries.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    this.#rows ??= this.#sorted.map((x) => x.row);
    return this.#rows;
  }

  /**
   * A queued conversation's place in line, as the server counts it (among those waiting for the
   * same skill, most urgent first), kept current by every change: a row's own `placeInLine` is
   * only as fresh as its last fetch, and goes stale as soon as the one before it leaves the queue.
   */
  placeInLine(id: string): number | undefined {
    if (!this.#places) {
      const places = new Map<string, number>();
      const bySkill = new Map<string, number>();
      for (const r of this.sorted()) {
        if (r.mode !== 'queued') continue;
        const skill = r.skill ?? '';
        const place = (bySkill.get(skill) ?? 0) + 1;
        bySkill.set(skill, place);
        places.set(r.id, place);
      }
      this.#places = places;
    }
    return this.#places.get(id);
  }

  view(
    view: ViewName,
    filter: Filter,
    meId: string,
    assigneeName?: (id: string) => string | undefined,
  ): ConversationRow[] {
    const empty = isEmptyFilter(filter);
    return this.sorted().filter((r) => inView(r, view, meId) && (empty || matchesFilter(r, filter, assigneeName)));
  }

  counts(now: Date, meId: string): BoardCounts {
    const at = now.getTime();
    let queued = 0;
    let breached = 0;
    let mine = 0;
    for (const { row: r, dueMs } of this.#entries.values()) {
      if (r.mode === 'queued') queued++;
      else if (r.mode !== 'agent') continue;
      else if (r.assignee === meId) mine++;
      if (r.breached || dueMs <= at) breached++;
    }
    return { queued, breached, mine };
  }

  #put(row: ConversationRow): void {
    const next = entry(row);
    const old = this.#entries.get(row.id);
    this.#entries.set(row.id, next);
    const sorted = this.#sorted;
    if (!sorted) return;
    if (old && old.key === next.key) {
      sorted[lowerBound(sorted, old.key)] = next;
      return;
    }
    if (old) sorted.splice(lowerBound(sorted, old.key), 1);
    sorted.splice(lowerBound(sorted, next.key), 0, next);
  }

  #remove(id: string): void {
    const old = this.#entries.get(id);
    if (!old) return;
    this.#entries.delete(id);
    if (this.#sorted) this.#sorted.splice(lowerBound(this.#sorted, old.key), 1);
  }

  #changed(): void {
    this.#rows = undefined;
    this.#places = undefined;
    this.version++;
  }
}
