/**
 * The Store on a PostgreSQL server: nothing of the desk's data is kept in
 * this process, so several processes can share one database (see
 * docs/postgres.md). Reads are single indexed queries; writes are group
 * commits: batches that arrive while a commit is in flight go together in
 * the next one, one round trip (`caredesk_commit`, see migrations/0001-desk.ts).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type {
  Agent,
  Channel,
  Conversation,
  Customer,
  DomainEvent,
  Message,
  NewEvent,
  OutboxEntry,
} from '../../domain.js';
import { StoreClosedError } from '../../errors.js';
import { type Logger, silentLogger } from '../../logger.js';
import type { ErasureReport, ErasureTarget } from '../erasure.js';
import type {
  CommitResult,
  ConversationFilter,
  DatabaseReport,
  OutboxClaim,
  OutboxClaimAsk,
  OutboxFilter,
  Store,
  WriteBatch,
} from '../store.js';
import { numberedEvent } from '../store.js';
import { PostgresCoordinator } from './coordinator.js';
import { eraseRows } from './erase.js';
import { DatabaseHealth, explainDatabaseError } from './health.js';
import { ReadBatcher } from './read-batcher.js';
import { COMMIT_SQL, commitAnnouncement, commitParameters, keyOfRecord, recordKey } from './rows.js';
import { assertSchema, SCHEMA_VERSION, schemaVersion } from './schema.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** A statement running longer is cancelled (ms, default 30 s). */
  readonly statementTimeoutMs?: number;
  /** How long to wait for a connection, from the pool or the server (ms, default 5 s). */
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
}

interface Pending {
  readonly batch: WriteBatch;
  readonly resolve: (r: CommitResult) => void;
  readonly reject: (e: unknown) => void;
}

/** A group carries at most this many batches: one statement's parameter stays a few megabytes. */
const MAX_GROUP = 256;

type OutboxRow = {
  doc: OutboxEntry;
  status: OutboxEntry['status'];
  attempts: number | null;
  delivered_at: string | null;
  delivered_channel_message_id: string | null;
};

export class PostgresStore implements Store {
  readonly location: string;
  private readonly pool: pg.Pool;
  private readonly health: DatabaseHealth;
  private readonly max: number;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private opened = false;
  /** This store's name in its commits' announcements: the coordinator of the same process skips them. */
  readonly writer = randomUUID();
  /** The point lookups of the message path, each kind sharing its queries (see ReadBatcher). */
  private readonly reads = {
    customer: this.byId<Customer>(
      'many:customers',
      'SELECT id AS k, doc AS v FROM customers WHERE id = ANY($1::text[])',
    ),
    conversation: this.byId<Conversation>(
      'many:conversations',
      'SELECT id AS k, doc AS v FROM conversations WHERE id = ANY($1::text[])',
    ),
    openConversation: this.byId<Conversation>(
      'many:openConversations',
      `SELECT DISTINCT ON (customer_id) customer_id AS k, doc AS v FROM conversations
       WHERE customer_id = ANY($1::text[]) AND mode <> 'resolved' ORDER BY customer_id, pos DESC`,
    ),
    flowSnapshot: this.byId<unknown>(
      'many:flowSnapshots',
      'SELECT conversation_id AS k, snapshot AS v FROM flow_snapshots WHERE conversation_id = ANY($1::text[])',
    ),
    customerByIdentity: this.byPair<Customer>(
      'many:customersByIdentity',
      `SELECT k.a || chr(1) || k.b AS k, c.doc AS v FROM unnest($1::text[], $2::text[]) AS k(a, b)
       JOIN customer_identities i ON i.channel = k.a AND i.external_id = k.b JOIN customers c ON c.id = i.customer_id`,
    ),
    messageByChannelId: this.byPair<string>(
      'many:messagesByChannelId',
      `SELECT DISTINCT ON (k.a, k.b) k.a || chr(1) || k.b AS k, m.id AS v FROM unnest($1::text[], $2::text[]) AS k(a, b)
       JOIN messages m ON m.channel = k.a AND m.channel_message_id = k.b AND m.direction = 'inbound'
       ORDER BY k.a, k.b, m.pos DESC`,
    ),
    record: this.byPair<unknown>(
      'many:recordsByKey',
      `SELECT k.a || chr(1) || k.b AS k, r.value AS v FROM unnest($1::text[], $2::text[]) AS k(a, b)
       JOIN records r ON r.collection = k.a AND r.id = k.b`,
    ),
  };

  constructor(
    private readonly url: string,
    options: PostgresStoreOptions = {},
  ) {
    this.location = redact(url);
    this.max = options.poolSize ?? 10;
    this.pool = new pg.Pool({
      connectionString: url,
      max: this.max,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      application_name: 'caredesk',
    });
    this.health = new DatabaseHealth(this.location, options.logger ?? silentLogger);
    // An idle connection the server dropped (a restart) must not crash the process; the next query reconnects.
    this.pool.on('error', (err) => this.health.failed(err));
  }

  /**
   * How this process coordinates with the others on this database: a
   * connection of its own, apart from the pool (see coordinator.ts).
   */
  coordinator(options: { processName: string; logger?: Logger }): PostgresCoordinator {
    return new PostgresCoordinator(this.url, { ...options, writer: this.writer });
  }

  async open(): Promise<void> {
    try {
      await assertSchema(this.pool, this.location);
    } catch (err) {
      await this.pool.end().catch(() => undefined);
      throw explainDatabaseError(err, this.location, true) ?? err;
    }
    this.opened = true;
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    await this.flushing;
    this.opened = false;
    await this.pool.end();
  }

  commit(batch: WriteBatch): Promise<CommitResult> {
    if (!this.opened) return Promise.reject(new StoreClosedError());
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Commits what is queued, group after group, until nothing is. */
  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.slice(0, MAX_GROUP);
        this.queue = this.queue.slice(group.length);
        await this.commitGroup(group);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async commitGroup(group: Pending[]): Promise<void> {
    try {
      const base = await this.writeGroup(group.map((p) => p.batch));
      let seq = base;
      for (const p of group) {
        const events = (p.batch.events ?? []).map((e) => numberedEvent(e, ++seq));
        p.resolve({ events });
      }
    } catch (err) {
      if (group.length === 1 || !this.health.isUp) {
        for (const p of group) p.reject(err);
        return;
      }
      // One bad batch fails its group: alone again, each of the others still lands.
      for (const p of group) await this.commitGroup([p]);
    }
  }

  private async writeGroup(batches: WriteBatch[]): Promise<number> {
    const r = await this.query<{ base: string | null }>('commit', COMMIT_SQL, [
      ...commitParameters(batches),
      commitAnnouncement(this.writer, batches),
    ]);
    return Number(r.rows[0]?.base ?? 0);
  }

  async database(): Promise<DatabaseReport> {
    const pool = {
      size: this.pool.totalCount,
      max: this.max,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
    };
    try {
      const version = await this.health.run(() => schemaVersion(this.pool));
      return { reachable: true, schemaVersion: version, expectedSchemaVersion: SCHEMA_VERSION, pool };
    } catch (err) {
      return {
        reachable: false,
        expectedSchemaVersion: SCHEMA_VERSION,
        pool,
        error: err instanceof Error ? err.message : String(err),
      };
    }
  }

  async getCustomer(id: string): Promise<Customer | undefined> {
    return this.reads.customer.load(id);
  }

  async findCustomerByIdentity(channel: Channel, externalId: string): Promise<Customer | undefined> {
    return this.reads.customerByIdentity.load([channel, externalId]);
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    return this.reads.conversation.load(id);
  }

  async findOpenConversation(customerId: string): Promise<Conversation | undefined> {
    return this.reads.openConversation.load(customerId);
  }

  async listConversations(filter: ConversationFilter = {}): Promise<Conversation[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      values.push(value);
      where.push(sql.replace('?', `$${values.length}`));
    };
    // The name of a prepared statement follows the filter's shape, so each shape is planned once per connection.
    let shape = 'conversations';
    if (filter.modes) {
      add('mode = ANY(?::text[])', filter.modes);
      shape += ':m';
    }
    if (filter.channel) {
      add('channel = ?', filter.channel);
      shape += ':c';
    }
    if (filter.customerId) {
      add('customer_id = ?', filter.customerId);
      shape += ':u';
    }
    if (filter.assignee) {
      add('assignee = ?', filter.assignee);
      shape += ':a';
    }
    if (filter.activeSince !== undefined) {
      add('last_message_at >= ?::timestamptz', filter.activeSince);
      shape += ':s';
    }
    let sql = `SELECT doc FROM conversations${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY last_message_at DESC, pos`;
    if (filter.limit !== undefined) {
      values.push(filter.limit);
      sql += ` LIMIT $${values.length}`;
      shape += ':l';
    }
    const r = await this.query<{ doc: Conversation }>(shape, sql, values);
    return r.rows.map((row) => row.doc);
  }

  async countConversations(): Promise<number> {
    const r = await this.query<{ n: string }>('countConversations', 'SELECT count(*) AS n FROM conversations', []);
    return Number(r.rows[0]?.n ?? 0);
  }

  async listMessages(conversationId: string): Promise<Message[]> {
    const r = await this.query<{ doc: Message }>(
      'messages',
      'SELECT doc FROM messages WHERE conversation_id = $1 ORDER BY pos',
      [conversationId],
    );
    return r.rows.map((row) => row.doc);
  }

  async findMessageIdByChannelId(channel: Channel, channelMessageId: string): Promise<string | undefined> {
    return this.reads.messageByChannelId.load([channel, channelMessageId]);
  }

  async countMessages(): Promise<number> {
    const r = await this.query<{ n: string }>('countMessages', 'SELECT message_count AS n FROM desk_counters', []);
    return Number(r.rows[0]?.n ?? 0);
  }

  async listEvents(afterSeq: number, limit: number): Promise<DomainEvent[]> {
    const r = await this.query<{ seq: string; doc: NewEvent }>(
      'events',
      'SELECT seq, doc FROM events WHERE seq > $1 ORDER BY seq LIMIT $2',
      [afterSeq, limit],
    );
    return r.rows.map((row) => numberedEvent(row.doc, Number(row.seq)));
  }

  async listEventsIn(
    ranges: ReadonlyArray<{ readonly after: number; readonly upTo: number }>,
    types?: readonly string[],
  ): Promise<DomainEvent[]> {
    const r = await this.query<{ seq: string; doc: NewEvent }>(
      'eventsIn',
      `SELECT e.seq, e.doc FROM unnest($1::bigint[], $2::bigint[]) AS r(after, up_to)
         JOIN events e ON e.seq > r.after AND e.seq <= r.up_to
       WHERE $3::text[] IS NULL OR e.type = ANY($3)
       ORDER BY e.seq`,
      [ranges.map((x) => x.after), ranges.map((x) => x.upTo), types ?? null],
    );
    return r.rows.map((row) => numberedEvent(row.doc, Number(row.seq)));
  }

  async lastEventSeq(): Promise<number> {
    const r = await this.query<{ n: string }>('lastEventSeq', 'SELECT last_event_seq AS n FROM desk_counters', []);
    return Number(r.rows[0]?.n ?? 0);
  }

  async getOutboxEntry(id: string): Promise<OutboxEntry | undefined> {
    const r = await this.query<OutboxRow>('outboxEntry', `${OUTBOX_COLUMNS} WHERE id = $1`, [id]);
    return r.rows[0] && outboxEntry(r.rows[0]);
  }

  async claimOutboxEntry(id: string, claim: OutboxClaimAsk): Promise<OutboxClaim> {
    const r = await this.query<OutboxRow & { claimed: boolean; behind: boolean; held_until: string | null }>(
      'claimOutboxEntry',
      // FOR SHARE: a delivery being recorded meanwhile is waited for and seen (the statement's snapshot
      // alone would show the entry pending while the claim it held is already gone: sent twice).
      // The chat is the customer on the channel (a customer with two identities on one channel waits more).
      `WITH target AS (
         SELECT o.id, o.pos, c.customer_id, c.channel
         FROM outbox o LEFT JOIN conversations c ON c.id = o.conversation_id
         WHERE o.id = $1 AND o.status = 'pending' FOR SHARE OF o),
       earlier AS (
         SELECT 1 FROM target t
           JOIN conversations c ON c.customer_id = t.customer_id AND c.channel = t.channel
           JOIN outbox o ON o.conversation_id = c.id AND o.status = 'pending' AND o.pos < t.pos
         WHERE NOT EXISTS (SELECT 1 FROM outbox_claims k WHERE k.outbox_id = o.id AND k.claimed_by = $2)
         LIMIT 1),
       claimed AS (
         INSERT INTO outbox_claims (outbox_id, claimed_by, claimed_until)
         SELECT id, $2, $3 FROM target WHERE NOT EXISTS (SELECT 1 FROM earlier)
         ON CONFLICT (outbox_id) DO UPDATE SET claimed_by = EXCLUDED.claimed_by, claimed_until = EXCLUDED.claimed_until
           WHERE outbox_claims.claimed_until < $4 OR outbox_claims.claimed_by = $2
         RETURNING outbox_id)
       SELECT o.doc, o.status, o.attempts, o.delivered_at, o.delivered_channel_message_id,
         EXISTS (SELECT 1 FROM claimed) AS claimed,
         EXISTS (SELECT 1 FROM earlier) AS behind,
         (SELECT claimed_until FROM outbox_claims WHERE outbox_id = $1) AS held_until
       FROM outbox o WHERE o.id = $1`,
      [id, claim.claimant, claim.untilMs, claim.nowMs],
    );
    const row = r.rows[0];
    if (!row) return { entry: undefined };
    const entry = outboxEntry(row);
    if (row.claimed || entry.status !== 'pending') return { entry };
    if (row.behind) return { entry, behind: true };
    // Another claimant's lease, as seen before this ask's write (none seen: one made meanwhile; ask again soon).
    return { entry, heldUntilMs: Number(row.held_until ?? claim.nowMs) };
  }

  async listOutbox(filter: OutboxFilter = {}): Promise<OutboxEntry[]> {
    const r = await this.query<OutboxRow>(
      'outbox',
      `${OUTBOX_COLUMNS} WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR conversation_id = $2)
       ORDER BY pos LIMIT $3`,
      [filter.status ?? null, filter.conversationId ?? null, filter.limit ?? null],
    );
    return r.rows.map(outboxEntry);
  }

  async getFlowSnapshot(conversationId: string): Promise<unknown | undefined> {
    return this.reads.flowSnapshot.load(conversationId);
  }

  async getAgent(id: string): Promise<Agent | undefined> {
    return this.one<Agent>('agent', 'SELECT doc FROM agents WHERE id = $1', [id]);
  }

  async findAgentByTokenHash(tokenHash: string): Promise<Agent | undefined> {
    return this.one<Agent>('agentByToken', 'SELECT doc FROM agents WHERE token_hash = $1', [tokenHash]);
  }

  async listAgents(): Promise<Agent[]> {
    const r = await this.query<{ doc: Agent }>('agents', 'SELECT doc FROM agents ORDER BY pos', []);
    return r.rows.map((row) => row.doc);
  }

  async getRecord(collection: string, id: string): Promise<unknown | undefined> {
    return this.reads.record.load([recordKey(collection), recordKey(id)]);
  }

  async listRecords(collection: string): Promise<Array<{ id: string; value: unknown }>> {
    const r = await this.query<{ id: string; value: unknown }>(
      'records',
      'SELECT id, value FROM records WHERE collection = $1 ORDER BY pos',
      [recordKey(collection)],
    );
    return r.rows.map((row) => ({ id: keyOfRecord(row.id), value: row.value }));
  }

  async erase(target: ErasureTarget): Promise<ErasureReport> {
    if (!this.opened) throw new StoreClosedError();
    // After what is queued: a batch committed before the erasure is erased with the rest.
    while (this.flushing) await this.flushing;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const report = await eraseRows(client, target);
      await client.query('COMMIT');
      return report;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private byId<V>(name: string, text: string): ReadBatcher<string, V> {
    return new ReadBatcher(
      async (ids) => {
        const r = await this.query<{ k: string; v: V }>(name, text, [ids]);
        return new Map(r.rows.map((row) => [row.k, row.v]));
      },
      (id) => id,
    );
  }

  /** Keyed by two texts (channel and id, collection and id), joined by chr(1): the first never holds one. */
  private byPair<V>(name: string, text: string): ReadBatcher<readonly [string, string], V> {
    return new ReadBatcher(
      async (pairs) => {
        const r = await this.query<{ k: string; v: V }>(name, text, [pairs.map((p) => p[0]), pairs.map((p) => p[1])]);
        return new Map(r.rows.map((row) => [row.k, row.v]));
      },
      ([a, b]) => `${a}\u0001${b}`,
    );
  }

  private async one<T>(name: string, text: string, values: unknown[]): Promise<T | undefined> {
    const r = await this.query<{ doc: T }>(name, text, values);
    return r.rows[0]?.doc;
  }

  private query<R extends pg.QueryResultRow>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    if (!this.opened) return Promise.reject(new StoreClosedError());
    return this.health.run(() => this.pool.query<R>({ name, text, values }));
  }
}

const OUTBOX_COLUMNS = 'SELECT doc, status, attempts, delivered_at, delivered_channel_message_id FROM outbox';

/** An entry as last written, with what a delivery changed laid over it. */
function outboxEntry(row: OutboxRow): OutboxEntry {
  if (row.delivered_at === null) return row.doc;
  return {
    ...row.doc,
    status: 'delivered',
    attempts: row.attempts ?? row.doc.attempts,
    deliveredAt: row.delivered_at,
    channelMessageId: row.delivered_channel_message_id ?? row.doc.channelMessageId,
  };
}

/** The URL without its password, for logs and errors. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (DATABASE_URL not a URL)';
  }
}
