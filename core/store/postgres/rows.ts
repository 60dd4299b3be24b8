/**
 * What a group of batches leaves behind, as `caredesk_commit` takes it: the
 * batches merged in order (the last version of each row, deliveries laid
 * over the entries they deliver, a removal after an upsert wins and the other
 * way round), then one array per column. PostgreSQL then parses nothing out
 * of JSON: a record's JSON goes in as the text it is, so a customer's NUL
 * (which PostgreSQL text cannot hold) is kept.
 */
import type { Agent, Conversation, Customer, DomainEvent, Message, NewEvent, OutboxEntry } from '../../domain.js';
import type { DeliveryWrite, WriteBatch } from '../store.js';
import { COLUMNS, type Column, type RowsOf, type Table } from './columns.js';

export { keyOfRecord, recordKey } from './keys.js';

/** The group merged: each map keeps a row's first place and its last version. */
class MergedGroup {
  readonly customers = new Map<string, Customer>();
  /** `channel NUL externalId` -> [channel, externalId, customer id]. */
  readonly identities = new Map<string, readonly [string, string, string]>();
  readonly conversations = new Map<string, Conversation>();
  readonly messages = new Map<string, Message>();
  readonly outbox = new Map<string, OutboxEntry>();
  /** Deliveries of entries not written in this group. */
  readonly deliveries = new Map<string, DeliveryWrite>();
  readonly snapshots = new Map<string, unknown>();
  /** null: removed. */
  readonly agents = new Map<string, Agent | null>();
  readonly records = new Map<string, { collection: string; id: string; value: unknown }>();
  readonly events: NewEvent[] = [];

  add(b: WriteBatch): void {
    for (const c of b.customers ?? []) this.customer(c);
    for (const c of b.conversations ?? []) this.conversations.set(c.id, c);
    for (const m of b.messages ?? []) if (!this.messages.has(m.id)) this.messages.set(m.id, m);
    for (const o of b.outbox ?? []) {
      this.outbox.set(o.id, o);
      this.deliveries.delete(o.id);
    }
    for (const d of b.deliveries ?? []) this.delivery(d);
    for (const s of b.flowSnapshots ?? []) this.snapshots.set(s.conversationId, s.snapshot);
    for (const a of b.agents ?? []) this.agents.set(a.id, a);
    for (const id of b.removeAgents ?? []) this.agents.set(id, null);
    for (const r of b.records ?? []) this.records.set(`${r.collection}\u0000${r.id}`, r);
    if (b.events) for (const e of b.events) this.events.push(e);
  }

  private customer(c: Customer): void {
    this.customers.set(c.id, c);
    for (const [key, row] of this.identities) if (row[2] === c.id) this.identities.delete(key);
    if (c.mergedInto !== undefined) return;
    for (const i of c.identities) {
      const key = `${i.channel}\u0000${i.externalId}`;
      this.identities.delete(key); // to its new place: the last customer to claim it wins
      this.identities.set(key, [i.channel, i.externalId, c.id]);
    }
  }

  private delivery(d: DeliveryWrite): void {
    const entry = this.outbox.get(d.outboxId);
    if (entry === undefined) {
      this.deliveries.set(d.outboxId, d);
      return;
    }
    this.outbox.set(d.outboxId, {
      ...entry,
      status: 'delivered',
      attempts: d.attempts,
      deliveredAt: d.deliveredAt,
      channelMessageId: d.channelMessageId ?? entry.channelMessageId,
    });
  }
}

/** The columns a commit writes of a table, in `caredesk_commit`'s order. */
const columnsOf = <T extends Table>(table: T, rows: readonly RowsOf[T][], skip = 0): Array<Array<unknown>> =>
  (COLUMNS[table] as ReadonlyArray<Column<RowsOf[T]>>)
    .slice(skip)
    .map(([, , value]) => rows.map((r) => value(r) ?? null));
const typesOf = (table: Table, skip = 0): string[] => COLUMNS[table].slice(skip).map(([, type]) => type);

/** Events are numbered by the commit: their seq column is not sent. */
const NO_SEQ = 1;

/** The parameters of `caredesk_commit`, in its order. */
export function commitParameters(batches: readonly WriteBatch[]): unknown[] {
  const g = new MergedGroup();
  for (const b of batches) g.add(b);
  const deliveries = [...g.deliveries.values()];
  const identities = [...g.identities.values()].map(([channel, externalId, customerId]) => ({
    channel,
    externalId,
    customerId,
  }));
  return [
    ...columnsOf('customers', [...g.customers.values()]),
    ...columnsOf('customer_identities', identities),
    ...columnsOf('conversations', [...g.conversations.values()]),
    ...columnsOf('messages', [...g.messages.values()]),
    ...columnsOf('outbox', [...g.outbox.values()]),
    deliveries.map((d) => d.outboxId),
    deliveries.map((d) => d.attempts),
    deliveries.map((d) => d.deliveredAt),
    deliveries.map((d) => d.channelMessageId ?? null),
    ...columnsOf(
      'flow_snapshots',
      [...g.snapshots].map(([conversationId, snapshot]) => ({ conversationId, snapshot })),
    ),
    ...columnsOf(
      'agents',
      [...g.agents.values()].filter((a): a is Agent => a !== null),
    ),
    [...g.agents].filter(([, a]) => a === null).map(([id]) => id),
    ...columnsOf('records', [...g.records.values()]),
    ...columnsOf('events', g.events as DomainEvent[], NO_SEQ),
  ];
}

/** The commit's column types, in the order commitParameters gives the arrays. */
const COMMIT_TYPES = [
  ...typesOf('customers'),
  ...typesOf('customer_identities'),
  ...typesOf('conversations'),
  ...typesOf('messages'),
  ...typesOf('outbox'),
  'text',
  'int',
  'text',
  'text',
  ...typesOf('flow_snapshots'),
  ...typesOf('agents'),
  'text',
  ...typesOf('records'),
  ...typesOf('events', NO_SEQ),
];

/** Where a commit is announced to the desk's other processes (core/store/postgres/coordinator.ts listens). */
export const COMMITS_CHANNEL = 'caredesk_commits';

/**
 * `SELECT caredesk_commit($1::text[], …)`, each parameter typed as the function
 * declares it, and the commit's announcement (the last parameter, see
 * commitAnnouncement, with the number before the commit's first event added
 * here): a NOTIFY is delivered only if and when the transaction commits, so it
 * costs no round trip of its own and never tells of a write that did not land.
 * OFFSET 0 keeps the commit a subquery run once.
 */
export const COMMIT_SQL = `SELECT base, pg_notify('${COMMITS_CHANNEL}', $${COMMIT_TYPES.length + 1}::text || ' ' || coalesce(base::text, '-'))
  FROM (SELECT caredesk_commit(${COMMIT_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ')}) AS base OFFSET 0) AS c`;

/**
 * What a commit tells the desk's processes: who wrote it, how many replies it
 * queued and how many events it numbered (COMMIT_SQL adds where they start).
 */
export function commitAnnouncement(writer: string, batches: readonly WriteBatch[]): string {
  const queued = batches.reduce((n, b) => n + (b.outbox ?? []).filter((e) => e.status === 'pending').length, 0);
  const events = batches.reduce((n, b) => n + (b.events?.length ?? 0), 0);
  return `${writer} ${queued} ${events}`;
}

export interface CommitAnnouncement {
  readonly writer: string;
  readonly outbox: number;
  /** The commit's events: the numbers after `after`, `count` of them. */
  readonly events?: { readonly after: number; readonly count: number };
}

/** The announcement read back; undefined for a payload that is not one. */
export function parseCommitAnnouncement(payload: string): CommitAnnouncement | undefined {
  const [writer, outbox, events, base] = payload.split(' ');
  const n = Number(outbox);
  if (!writer || !Number.isInteger(n)) return undefined;
  const count = Number(events);
  const after = Number(base);
  if (!Number.isInteger(count) || count === 0 || !Number.isInteger(after)) return { writer, outbox: n };
  return { writer, outbox: n, events: { after, count } };
}
