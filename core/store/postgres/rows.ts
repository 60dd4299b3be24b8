/**
 * What a group of batches leaves behind, as `caredesk_commit` takes it: the
 * batches merged in order (the last version of each row, deliveries laid
 * over the entries they deliver, a removal after an upsert wins and the other
 * way round), then one array per column. PostgreSQL then parses nothing out
 * of JSON: a record's JSON goes in as the text it is, so a customer's NUL
 * (which PostgreSQL text cannot hold) is kept.
 */
import type { Agent, Conversation, Customer, Message, NewEvent, OutboxEntry } from '../../domain.js';
import type { DeliveryWrite, WriteBatch } from '../store.js';

/**
 * A record's collection or id as a column keeps it: PostgreSQL text cannot
 * hold a NUL, which some keys use as a separator (a channel and a chat id),
 * so `\` and NUL are escaped (`\\`, `\0`), one way back.
 */
export const recordKey = (key: string): string =>
  key.includes('\u0000') || key.includes('\\') ? key.replace(/\\/g, '\\\\').replace(/\u0000/g, '\\0') : key;
export const keyOfRecord = (stored: string): string =>
  stored.includes('\\') ? stored.replace(/\\(\\|0)/g, (_, c: string) => (c === '0' ? '\u0000' : '\\')) : stored;

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

const json = (value: unknown): string => JSON.stringify(value);
const column = <T, V>(rows: Iterable<T>, pick: (row: T) => V | undefined): Array<V | null> =>
  Array.from(rows, (row) => pick(row) ?? null);

/** The parameters of `caredesk_commit`, in its order. */
export function commitParameters(batches: readonly WriteBatch[]): unknown[] {
  const g = new MergedGroup();
  for (const b of batches) g.add(b);
  const customers = [...g.customers.values()];
  const identities = [...g.identities.values()];
  const conversations = [...g.conversations.values()];
  const messages = [...g.messages.values()];
  const outbox = [...g.outbox.values()];
  const deliveries = [...g.deliveries.values()];
  const snapshots = [...g.snapshots];
  const agents = [...g.agents.values()].filter((a): a is Agent => a !== null);
  const removed = [...g.agents].filter(([, a]) => a === null).map(([id]) => id);
  const records = [...g.records.values()];
  const events = g.events;
  return [
    column(customers, (c) => c.id),
    column(customers, (c) => c.mergedInto),
    column(customers, (c) => c.createdAt),
    column(customers, json),
    column(identities, (i) => i[0]),
    column(identities, (i) => i[1]),
    column(identities, (i) => i[2]),
    column(conversations, (c) => c.id),
    column(conversations, (c) => c.customerId),
    column(conversations, (c) => c.channel),
    column(conversations, (c) => c.mode),
    column(conversations, (c) => c.assignee),
    column(conversations, (c) => c.priority),
    column(conversations, (c) => c.topic),
    column(conversations, (c) => c.skill),
    column(conversations, (c) => c.createdAt),
    column(conversations, (c) => c.sla.queuedAt),
    column(conversations, (c) => c.sla.firstRespondedAt),
    column(conversations, (c) => c.lastMessageAt),
    column(conversations, (c) => c.resolvedAt),
    column(conversations, (c) => c.messageCount),
    column(conversations, json),
    column(messages, (m) => m.id),
    column(messages, (m) => m.conversationId),
    column(messages, (m) => m.customerId),
    column(messages, (m) => m.channel),
    column(messages, (m) => m.direction),
    column(messages, (m) => m.author),
    column(messages, (m) => m.channelMessageId),
    column(messages, (m) => m.createdAt),
    column(messages, json),
    column(outbox, (o) => o.id),
    column(outbox, (o) => o.conversationId),
    column(outbox, (o) => o.status),
    column(outbox, (o) => o.createdAt),
    column(outbox, json),
    column(deliveries, (d) => d.outboxId),
    column(deliveries, (d) => d.attempts),
    column(deliveries, (d) => d.deliveredAt),
    column(deliveries, (d) => d.channelMessageId),
    column(snapshots, ([id]) => id),
    column(snapshots, ([, s]) => (s === null ? undefined : json(s))),
    column(agents, (a) => a.id),
    column(agents, (a) => a.tokenHash),
    column(agents, json),
    removed,
    column(records, (r) => recordKey(r.collection)),
    column(records, (r) => recordKey(r.id)),
    column(records, (r) => (r.value === null ? undefined : json(r.value))),
    column(events, (e) => e.type),
    column(events, (e) => e.at),
    column(events, (e) => e.conversationId),
    column(events, (e) => e.customerId),
    column(events, (e) => e.agentId),
    column(events, json),
  ];
}

/** `SELECT caredesk_commit($1::text[], …)`: each parameter typed as the function declares it. */
export const COMMIT_SQL = `SELECT caredesk_commit(${[
  'text[]',
  'text[]',
  'timestamptz[]',
  'json[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'timestamptz[]',
  'timestamptz[]',
  'timestamptz[]',
  'timestamptz[]',
  'timestamptz[]',
  'int[]',
  'json[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'text[]',
  'timestamptz[]',
  'json[]',
  'text[]',
  'text[]',
  'text[]',
  'timestamptz[]',
  'json[]',
  'text[]',
  'int[]',
  'text[]',
  'text[]',
  'text[]',
  'json[]',
  'text[]',
  'text[]',
  'json[]',
  'text[]',
  'text[]',
  'text[]',
  'json[]',
  'text[]',
  'timestamptz[]',
  'text[]',
  'text[]',
  'text[]',
  'json[]',
]
  .map((type, i) => `$${i + 1}::${type}`)
  .join(', ')}) AS base`;
