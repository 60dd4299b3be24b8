/**
 * The desk's tables as columns: for each, the column names, their types and
 * where each value comes from. A group commit (rows.ts) and the copy of a
 * whole desk (import-rows.ts) both write rows this way, one array per column.
 */
import type { Agent, Conversation, Customer, DomainEvent, Message, NewEvent, OutboxEntry } from '../../domain.js';
import { recordKey } from './keys.js';

export interface IdentityRow {
  readonly channel: string;
  readonly externalId: string;
  readonly customerId: string;
}
export interface SnapshotRow {
  readonly conversationId: string;
  readonly snapshot: unknown;
}
export interface RecordRow {
  readonly collection: string;
  readonly id: string;
  readonly value: unknown;
}

export interface RowsOf {
  customers: Customer;
  customer_identities: IdentityRow;
  conversations: Conversation;
  messages: Message;
  events: DomainEvent;
  outbox: OutboxEntry;
  flow_snapshots: SnapshotRow;
  agents: Agent;
  records: RecordRow;
}
export type Table = keyof RowsOf;

export type Column<T> = readonly [name: string, type: string, value: (row: T) => unknown];

/** Each table's columns, their types, and where each value comes from. */
export const COLUMNS: { [T in Table]: ReadonlyArray<Column<RowsOf[T]>> } = {
  customers: [
    ['id', 'text', (c) => c.id],
    ['merged_into', 'text', (c) => c.mergedInto],
    ['created_at', 'timestamptz', (c) => c.createdAt],
    ['doc', 'json', (c) => JSON.stringify(c)],
  ],
  customer_identities: [
    ['channel', 'text', (i) => i.channel],
    ['external_id', 'text', (i) => i.externalId],
    ['customer_id', 'text', (i) => i.customerId],
  ],
  conversations: [
    ['id', 'text', (c) => c.id],
    ['customer_id', 'text', (c) => c.customerId],
    ['channel', 'text', (c) => c.channel],
    ['mode', 'text', (c) => c.mode],
    ['assignee', 'text', (c) => c.assignee],
    ['priority', 'text', (c) => c.priority],
    ['topic', 'text', (c) => c.topic],
    ['skill', 'text', (c) => c.skill],
    ['created_at', 'timestamptz', (c) => c.createdAt],
    ['queued_at', 'timestamptz', (c) => c.sla.queuedAt],
    ['first_responded_at', 'timestamptz', (c) => c.sla.firstRespondedAt],
    ['last_message_at', 'timestamptz', (c) => c.lastMessageAt],
    ['resolved_at', 'timestamptz', (c) => c.resolvedAt],
    ['message_count', 'int', (c) => c.messageCount],
    ['doc', 'json', (c) => JSON.stringify(c)],
  ],
  messages: [
    ['id', 'text', (m) => m.id],
    ['conversation_id', 'text', (m) => m.conversationId],
    ['customer_id', 'text', (m) => m.customerId],
    ['channel', 'text', (m) => m.channel],
    ['direction', 'text', (m) => m.direction],
    ['author', 'text', (m) => m.author],
    ['channel_message_id', 'text', (m) => m.channelMessageId],
    ['created_at', 'timestamptz', (m) => m.createdAt],
    ['doc', 'json', (m) => JSON.stringify(m)],
  ],
  events: [
    ['seq', 'bigint', (e) => e.seq],
    ['type', 'text', (e) => e.type],
    ['at', 'timestamptz', (e) => e.at],
    ['conversation_id', 'text', (e) => e.conversationId],
    ['customer_id', 'text', (e) => e.customerId],
    ['agent_id', 'text', (e) => e.agentId],
    ['doc', 'json', (e) => eventDoc(e)],
  ],
  outbox: [
    ['id', 'text', (o) => o.id],
    ['conversation_id', 'text', (o) => o.conversationId],
    ['status', 'text', (o) => o.status],
    ['created_at', 'timestamptz', (o) => o.createdAt],
    ['doc', 'json', (o) => JSON.stringify(o)],
  ],
  flow_snapshots: [
    ['conversation_id', 'text', (s) => s.conversationId],
    // null: the commit forgets the snapshot.
    ['snapshot', 'json', (s) => (s.snapshot === null ? undefined : JSON.stringify(s.snapshot))],
  ],
  agents: [
    ['id', 'text', (a) => a.id],
    ['token_hash', 'text', (a) => a.tokenHash],
    ['doc', 'json', (a) => JSON.stringify(a)],
  ],
  records: [
    ['collection', 'text', (r) => recordKey(r.collection)],
    ['id', 'text', (r) => recordKey(r.id)],
    // null: the commit deletes the record.
    ['value', 'json', (r) => (r.value === null ? undefined : JSON.stringify(r.value))],
  ],
};

/** An event as the events table keeps it: its seq in a column, the rest as `doc` (as caredesk_commit writes it). */
export const eventDoc = (e: NewEvent): string =>
  JSON.stringify({
    type: e.type,
    at: e.at,
    conversationId: e.conversationId,
    customerId: e.customerId,
    agentId: e.agentId,
    data: e.data,
  });
