/**
 * Erasure on PostgreSQL (see Store.erase and ../erasure.ts): one
 * transaction overwrites the customer's rows with their erased versions and
 * deletes what has nothing left to keep (identities, flow snapshots, the
 * records that name them). The database's own copies (old row versions
 * until VACUUM, WAL, base backups) are the operator's: docs/privacy.md.
 */
import type pg from 'pg';
import type { Conversation, Customer, Message, NewEvent, OutboxEntry } from '../../domain.js';
import {
  type ErasureReport,
  ErasureScope,
  type ErasureTarget,
  emptyReport,
  eraseConversation,
  eraseCustomer,
  eraseEvent,
  eraseMessage,
  eraseOutbox,
} from '../erasure.js';
import { keyOfRecord } from './rows.js';

export async function eraseRows(client: pg.PoolClient, target: ErasureTarget): Promise<ErasureReport> {
  const scope = new ErasureScope(target.customerIds);
  const report = emptyReport();
  const ids = [...scope.customerIds];
  const json = (v: unknown): string => JSON.stringify(v);

  const customers = await client.query<{ doc: Customer }>('SELECT doc FROM customers WHERE id = ANY($1) FOR UPDATE', [
    ids,
  ]);
  for (const { doc } of customers.rows) scope.addIdentities(doc);
  await client.query(
    'UPDATE customers c SET doc = u.doc FROM unnest($1::text[], $2::json[]) AS u(id, doc) WHERE c.id = u.id',
    [customers.rows.map((r) => r.doc.id), customers.rows.map((r) => json(eraseCustomer(r.doc)))],
  );
  await client.query('DELETE FROM customer_identities WHERE customer_id = ANY($1)', [ids]);
  report.customers = customers.rowCount ?? 0;

  const conversations = await client.query<{ doc: Conversation }>(
    'SELECT doc FROM conversations WHERE customer_id = ANY($1) FOR UPDATE',
    [ids],
  );
  for (const { doc } of conversations.rows) scope.addConversation(doc.id);
  const conversationIds = [...scope.conversationIds];
  await client.query(
    'UPDATE conversations c SET doc = u.doc FROM unnest($1::text[], $2::json[]) AS u(id, doc) WHERE c.id = u.id',
    [conversations.rows.map((r) => r.doc.id), conversations.rows.map((r) => json(eraseConversation(r.doc)))],
  );
  report.conversations = conversations.rowCount ?? 0;

  const messages = await client.query<{ doc: Message }>(
    'SELECT doc FROM messages WHERE conversation_id = ANY($1) OR customer_id = ANY($2)',
    [conversationIds, ids],
  );
  await client.query(
    `UPDATE messages m SET doc = u.doc, channel_message_id = NULL
     FROM unnest($1::text[], $2::json[]) AS u(id, doc) WHERE m.id = u.id`,
    [messages.rows.map((r) => r.doc.id), messages.rows.map((r) => json(eraseMessage(r.doc)))],
  );
  report.messages = messages.rowCount ?? 0;

  const events = await client.query<{ seq: string; doc: NewEvent }>(
    'SELECT seq, doc FROM events WHERE conversation_id = ANY($1) OR customer_id = ANY($2)',
    [conversationIds, ids],
  );
  await client.query(
    'UPDATE events e SET doc = u.doc FROM unnest($1::bigint[], $2::json[]) AS u(seq, doc) WHERE e.seq = u.seq',
    [events.rows.map((r) => r.seq), events.rows.map((r) => json(eraseEvent(r.doc)))],
  );
  report.events = events.rowCount ?? 0;

  const outbox = await client.query<{ doc: OutboxEntry }>('SELECT doc FROM outbox WHERE conversation_id = ANY($1)', [
    conversationIds,
  ]);
  await client.query(
    `UPDATE outbox o SET doc = u.doc, delivered_channel_message_id = NULL
     FROM unnest($1::text[], $2::json[]) AS u(id, doc) WHERE o.id = u.id`,
    [outbox.rows.map((r) => r.doc.id), outbox.rows.map((r) => json(eraseOutbox(r.doc)))],
  );
  report.outbox = outbox.rowCount ?? 0;
  for (const { doc } of outbox.rows) scope.addOutbox(doc.id);

  await client.query('DELETE FROM flow_snapshots WHERE conversation_id = ANY($1)', [conversationIds]);

  // Records name the customer anywhere in their value: each is looked at (they are few: codes, timers, links).
  const records = await client.query<{ collection: string; id: string; value: unknown }>(
    'SELECT collection, id, value FROM records',
  );
  const owned = records.rows.filter((r) =>
    scope.ownsRecord({ id: keyOfRecord(r.id), value: r.value }, keyOfRecord(r.collection)),
  );
  await client.query(
    'DELETE FROM records r USING unnest($1::text[], $2::text[]) AS d(collection, id) WHERE r.collection = d.collection AND r.id = d.id',
    [owned.map((r) => r.collection), owned.map((r) => r.id)],
  );
  report.records = owned.length;
  return report;
}
