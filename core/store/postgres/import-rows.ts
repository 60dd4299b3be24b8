/**
 * Rows written straight into the desk's tables, several thousand per
 * statement, for copying a whole desk in (import.ts). Not through
 * `caredesk_commit`: that numbers events anew, and a copy keeps their numbers.
 * `doc` columns keep the text JSON.stringify wrote (`json`, not `jsonb`),
 * which is what verify.ts checksums on both sides.
 */
import type pg from 'pg';
import type { Agent, Conversation, Customer, DomainEvent, Message, OutboxEntry } from '../../domain.js';
import { recordKey } from './rows.js';

export type Queryable = Pick<pg.ClientBase, 'query'>;

/** A count as the copy's messages print it: 100,000. */
export const fmt = (n: number): string => n.toLocaleString('en-US');

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

type Column<T> = readonly [name: string, type: string, value: (row: T) => unknown];

/** Each table's columns, their types, and where each value comes from. */
const COLUMNS: { [T in Table]: ReadonlyArray<Column<RowsOf[T]>> } = {
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
    ['snapshot', 'json', (s) => JSON.stringify(s.snapshot)],
  ],
  agents: [
    ['id', 'text', (a) => a.id],
    ['token_hash', 'text', (a) => a.tokenHash],
    ['doc', 'json', (a) => JSON.stringify(a)],
  ],
  records: [
    ['collection', 'text', (r) => recordKey(r.collection)],
    ['id', 'text', (r) => recordKey(r.id)],
    ['value', 'json', (r) => JSON.stringify(r.value)],
  ],
};

/**
 * One array parameter per column, not one JSON document of rows: reading a
 * field out of JSON (`->>`) unescapes all of it, and PostgreSQL refuses a
 * `\u0000` (a NUL a customer sent) as text; `json[]` only checks the syntax.
 * `ORDER BY ord`: the tables with a `pos` column keep the order rows are given in.
 */
function insertSql<T extends Table>(table: T): string {
  const columns = COLUMNS[table] as ReadonlyArray<Column<RowsOf[T]>>;
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const conflict = table === 'customer_identities' ? ' ON CONFLICT (channel, external_id) DO NOTHING' : '';
  return `INSERT INTO ${table} (${names}) SELECT ${names} FROM unnest(${arrays}) WITH ORDINALITY AS u(${names}, ord) ORDER BY ord${conflict}`;
}

/** An event as the events table keeps it: its seq in a column, the rest as `doc` (as caredesk_commit writes it). */
export const eventDoc = (e: DomainEvent): string =>
  JSON.stringify({
    type: e.type,
    at: e.at,
    conversationId: e.conversationId,
    customerId: e.customerId,
    agentId: e.agentId,
    data: e.data,
  });

/**
 * Buffers rows per table and writes a table's rows once it has `rowsPerStatement`
 * of them. One statement is in flight while the caller reads on; statements run
 * in the order given, so a conversation's messages keep their order.
 */
export class RowWriter {
  private readonly buffers = new Map<Table, unknown[][]>();
  private inFlight: Promise<unknown> = Promise.resolve();
  /** Rows given per table (written once flush() resolves). */
  readonly written: Record<Table, number> = {
    customers: 0,
    customer_identities: 0,
    conversations: 0,
    messages: 0,
    events: 0,
    outbox: 0,
    flow_snapshots: 0,
    agents: 0,
    records: 0,
  };

  constructor(
    private readonly db: Queryable,
    private readonly rowsPerStatement = 5_000,
  ) {}

  async add<T extends Table>(table: T, rows: Iterable<RowsOf[T]>): Promise<void> {
    const columns = COLUMNS[table] as ReadonlyArray<Column<RowsOf[T]>>;
    let buffer = this.buffers.get(table) ?? columns.map(() => []);
    this.buffers.set(table, buffer);
    for (const row of rows) {
      for (const [i, [, , value]] of columns.entries()) (buffer[i] as unknown[]).push(value(row) ?? null);
      this.written[table]++;
      if ((buffer[0] as unknown[]).length >= this.rowsPerStatement) {
        await this.send(table, buffer);
        buffer = columns.map(() => []);
        this.buffers.set(table, buffer);
      }
    }
  }

  /** Writes what is buffered and waits for every statement. */
  async flush(): Promise<void> {
    for (const [table, buffer] of this.buffers) if ((buffer[0] as unknown[]).length > 0) await this.send(table, buffer);
    this.buffers.clear();
    await this.inFlight;
  }

  private async send(table: Table, columns: unknown[][]): Promise<void> {
    await this.inFlight;
    this.inFlight = this.db.query(insertSql(table), columns);
    // Seen by the next send or flush; until then, not an unhandled rejection.
    this.inFlight.catch(() => undefined);
  }
}
