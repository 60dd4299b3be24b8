/**
 * Erasing a customer (GDPR art. 17): what of each stored record is personal
 * data, and what stays so that the desk's counts and KPIs stay right. Every
 * store applies these same rules, to its live data and to its history.
 *
 * What goes: names, language, identities (the channel's user ids), message
 * text and attachments, reply text, channel message ids (Telegram's carry the
 * chat id), flow snapshots (a flow's context holds what the customer said),
 * the records that name the customer or their conversations (link codes,
 * links, timers, reply contexts…), and the free-text parts of their events.
 * What stays: ids, channels, timestamps, modes, tags, priorities, counts,
 * and the numbers of events (SLA, survey scores), anonymous.
 *
 * Each rule only removes or shortens: a record never grows, which lets the
 * embedded store rewrite a journal line in the same number of bytes (its
 * indexes hold byte positions).
 */
import type { Conversation, Customer, DomainEvent, Message, NewEvent, OutboxEntry } from '../domain.js';
import { identityKey } from './state.js';
import type { DeliveryWrite, FlowSnapshotWrite, StoredRecord } from './store.js';

/** The external id an erased identity keeps: Customer needs one identity, and the index skips it. */
export const ERASED_EXTERNAL_ID = '-';

/** Who to erase: a person's customer ids (the survivor of their links and those merged into it). */
export interface ErasureTarget {
  readonly customerIds: readonly string[];
}

/** What an erasure changed, counted (the audit event carries these, never the data). */
export interface ErasureReport {
  readonly customers: number;
  readonly conversations: number;
  readonly messages: number;
  readonly events: number;
  readonly outbox: number;
  readonly records: number;
  /** Files of history rewritten (embedded store: journal segments; the checkpoint is always rewritten). */
  readonly files: number;
}

export const emptyReport = (): Mutable<ErasureReport> => ({
  customers: 0,
  conversations: 0,
  messages: 0,
  events: 0,
  outbox: 0,
  records: 0,
  files: 0,
});

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Event data kept on an erased customer's events: what the KPIs and the
 * audit read (states, targets, scores, agents), never free text.
 */
const KEPT_EVENT_KEYS = new Set([
  'from',
  'to',
  'by',
  'target',
  'level',
  'question',
  'score',
  'waitedMs',
  'priority',
  'tag',
  'flow',
  'mode',
  'channel',
  'kind',
  'status',
  'assignee',
  'agentId',
  'skill',
  'topic',
  'humanHandled',
  'closed',
  'attempts',
  'linkId',
  'mergedId',
]);

/** A short word (a state, a target, an id): what a kept string must look like. */
const WORD = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * The ids an erasure looks for. It grows as history is read (the outbox
 * entries and messages of the erased conversations), which is why journal
 * lines are read oldest first.
 */
export class ErasureScope {
  readonly customerIds: ReadonlySet<string>;
  readonly conversationIds = new Set<string>();
  readonly outboxIds = new Set<string>();
  /** Record ids of the customers' identities (`reply-context`, keyed by channel and user id). */
  private readonly identityKeys = new Set<string>();
  /**
   * The customers' user ids on their channels, found as whole words in a
   * record: a channel's own records name a person by them (a Web Chat
   * transcript's `from.id`), not by caredesk's ids.
   */
  private readonly externalIds = new Set<string>();
  /** Channel message ids of the erased inbound messages: the redelivery index forgets them. */
  readonly channelMessageIds: Array<{ channel: string; id: string }> = [];
  private pattern: RegExp | undefined;

  constructor(customerIds: Iterable<string>) {
    this.customerIds = new Set(customerIds);
  }

  addConversation(id: string): void {
    if (!this.conversationIds.has(id)) this.pattern = undefined;
    this.conversationIds.add(id);
  }

  addOutbox(id: string): void {
    if (!this.outboxIds.has(id)) this.pattern = undefined;
    this.outboxIds.add(id);
  }

  addIdentities(c: Customer): void {
    for (const i of c.identities) {
      if (i.externalId === ERASED_EXTERNAL_ID) continue;
      this.identityKeys.add(identityKey(i.channel, i.externalId));
      // Too short an id would be found in anything; these are the channels' long ids.
      if (i.externalId.length >= MIN_EXTERNAL_ID && !this.externalIds.has(i.externalId)) {
        this.externalIds.add(i.externalId);
        this.pattern = undefined;
      }
    }
  }

  /** Whether a piece of history may concern the customer (one of the ids is in it): the others are not parsed. */
  mayConcern(text: string): boolean {
    this.pattern ??= new RegExp(
      [
        ...[...this.customerIds, ...this.conversationIds, ...this.outboxIds].map(escapeRegExp),
        ...[...this.externalIds].map((id) => `(?<![\\w:.-])${escapeRegExp(id)}(?![\\w:.-])`),
      ].join('|'),
    );
    return this.pattern.test(text);
  }

  ownsCustomer(c: Customer): boolean {
    return this.customerIds.has(c.id);
  }
  ownsConversation(c: Conversation): boolean {
    return this.conversationIds.has(c.id) || this.customerIds.has(c.customerId);
  }
  ownsMessage(m: Message): boolean {
    return this.conversationIds.has(m.conversationId) || this.customerIds.has(m.customerId);
  }
  ownsOutbox(o: OutboxEntry): boolean {
    return this.outboxIds.has(o.id) || this.conversationIds.has(o.conversationId);
  }
  ownsEvent(e: NewEvent): boolean {
    return (
      (e.customerId !== undefined && this.customerIds.has(e.customerId)) ||
      (e.conversationId !== undefined && this.conversationIds.has(e.conversationId))
    );
  }
  /** A record naming the customer or a conversation of theirs, in its id or its value. */
  ownsRecord(r: { readonly id: string; readonly value: unknown }, collection: string): boolean {
    if (this.identityKeys.has(r.id)) return true;
    if (r.value === null) return this.mayConcern(`${collection} ${r.id}`);
    return this.mayConcern(`${collection} ${r.id} ${JSON.stringify(r.value)}`);
  }

  /** Notes a message's channel id, to be forgotten by the redelivery index. */
  noteMessage(m: Message): void {
    if (m.channelMessageId !== undefined && m.direction === 'inbound')
      this.channelMessageIds.push({ channel: m.channel, id: m.channelMessageId });
  }
}

const MIN_EXTERNAL_ID = 5;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function eraseCustomer(c: Customer): Customer {
  return {
    id: c.id,
    identities: c.identities.map((i) => ({ channel: i.channel, externalId: ERASED_EXTERNAL_ID })),
    createdAt: c.createdAt,
    ...(c.mergedInto === undefined ? {} : { mergedInto: c.mergedInto }),
  };
}

export const isErasedCustomer = (c: Customer): boolean =>
  c.identities.every((i) => i.externalId === ERASED_EXTERNAL_ID) && c.displayName === undefined;

export function eraseConversation(c: Conversation): Conversation {
  const {
    lastMessagePreview: _preview,
    handoffReason: _reason,
    surveyUntil: _survey,
    ...kept
  } = c as Conversation & Record<string, unknown>;
  return kept as Conversation;
}

export function eraseMessage(m: Message): Message {
  const { channelMessageId: _channelId, text: _text, attachments: _attachments, ...kept } = m;
  return { ...kept, text: '', attachments: [] };
}

export function eraseOutbox(o: OutboxEntry): OutboxEntry {
  const { channelMessageId: _channelId, lastError: _error, text: _text, quickReplies: _buttons, ...kept } = o;
  return { ...kept, recipient: ERASED_EXTERNAL_ID, text: '', quickReplies: [] };
}

export function eraseDelivery(d: DeliveryWrite): DeliveryWrite {
  const { channelMessageId: _channelId, ...kept } = d;
  return kept;
}

export function eraseEventData(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (!KEPT_EVENT_KEYS.has(key)) continue;
    if (typeof value === 'number' || typeof value === 'boolean' || value === null) kept[key] = value;
    else if (typeof value === 'string' && WORD.test(value)) kept[key] = value;
  }
  return kept;
}

export function eraseEvent<E extends NewEvent | DomainEvent>(e: E): E {
  return { ...e, data: eraseEventData(e.data) };
}

/** History as the stores keep it: a batch (a journal line carries its events' seq). */
export interface ErasableLine {
  customers?: Customer[];
  conversations?: Conversation[];
  messages?: Message[];
  events?: Array<NewEvent | DomainEvent>;
  outbox?: OutboxEntry[];
  deliveries?: DeliveryWrite[];
  flowSnapshots?: FlowSnapshotWrite[];
  records?: StoredRecord[];
}

/**
 * The line without the customer's personal data, or undefined if it held
 * none. Grows `scope` with the conversations and outbox entries it finds,
 * and counts into `report`.
 */
export function eraseFromLine<L extends ErasableLine>(
  line: L,
  scope: ErasureScope,
  report: Mutable<ErasureReport>,
): L | undefined {
  let changed = false;
  const out: L = { ...line };
  for (const c of line.customers ?? []) if (scope.ownsCustomer(c)) scope.addIdentities(c);
  for (const c of line.conversations ?? []) if (scope.ownsConversation(c)) scope.addConversation(c.id);
  for (const o of line.outbox ?? []) if (scope.ownsOutbox(o)) scope.addOutbox(o.id);
  const map = <T>(list: T[] | undefined, owns: (t: T) => boolean, erase: (t: T) => T, count?: keyof ErasureReport) => {
    if (!list?.some(owns)) return list;
    changed = true;
    return list.map((t) => {
      if (!owns(t)) return t;
      if (count) report[count]++;
      return erase(t);
    });
  };
  out.customers = map(line.customers, (c) => scope.ownsCustomer(c), eraseCustomer);
  out.conversations = map(line.conversations, (c) => scope.ownsConversation(c), eraseConversation);
  out.messages = map(
    line.messages,
    (m) => scope.ownsMessage(m),
    (m) => {
      scope.noteMessage(m);
      return eraseMessage(m);
    },
    'messages',
  );
  out.events = map(line.events, (e) => scope.ownsEvent(e), eraseEvent, 'events');
  out.outbox = map(line.outbox, (o) => scope.ownsOutbox(o), eraseOutbox);
  out.deliveries = map(
    line.deliveries,
    (d) => scope.outboxIds.has(d.outboxId) && d.channelMessageId !== undefined,
    eraseDelivery,
  );
  if (line.flowSnapshots?.some((s) => scope.conversationIds.has(s.conversationId) && s.snapshot !== null)) {
    changed = true;
    out.flowSnapshots = line.flowSnapshots.filter((s) => !scope.conversationIds.has(s.conversationId));
  }
  // Deletions too: a record's id may name them (a reply context's is the channel's user id).
  const keptRecords = line.records?.filter((r) => !scope.ownsRecord(r, r.collection));
  if (line.records && keptRecords && keptRecords.length < line.records.length) {
    changed = true;
    out.records = keptRecords;
  }
  if (!changed) return undefined;
  for (const key of Object.keys(out) as Array<keyof ErasableLine>) {
    if (out[key] === undefined || (out[key] as unknown[]).length === 0) delete out[key];
  }
  return out;
}
