/**
 * Copies a whole desk (the embedded store's, see import-source.ts) into an
 * empty, migrated PostgreSQL database, a page at a time: memory stays bounded
 * by a page, whatever the size of the desk. Events keep their numbers; the
 * counters are set to the desk's at the end.
 *
 * The caller runs it in one transaction (with the emptiness check before and
 * verify.ts after it), so a copy that fails half-way leaves nothing behind.
 */
import type { Channel } from '../../domain.js';
import { ConfigError } from '../../errors.js';
import { fmt, type Queryable, RowWriter, type Table } from './import-rows.js';
import { conversationPages, customerPages, type DeskSource } from './import-source.js';
import { assertSchema } from './schema.js';

export interface CopyOptions {
  /** Conversations read from the desk at a time (default 1,000). */
  readonly pageSize?: number;
  /** Rows per INSERT statement (default 5,000). */
  readonly rowsPerStatement?: number;
  /** A progress line every this many conversations (default 10,000). */
  readonly progressEvery?: number;
  readonly say?: (line: string) => void;
}

export type CopyCounts = Readonly<Record<Table, number>>;

/** The tables a desk lives in (desk_counters aside). */
export const DESK_TABLES: readonly Table[] = [
  'customers',
  'customer_identities',
  'conversations',
  'messages',
  'events',
  'outbox',
  'flow_snapshots',
  'agents',
  'records',
];

const EVENTS_PER_PAGE = 5_000;

/**
 * Inside the caller's transaction: refuses a database that is not at this
 * caredesk's schema or that holds anything of a desk, and locks the desk's
 * tables against writers until the transaction ends (a server started on the
 * database meanwhile waits; a second copy waits, then finds it not empty).
 */
export async function claimEmptyDatabase(db: Queryable, location: string): Promise<void> {
  await assertSchema(db, location);
  await db.query(`SET LOCAL lock_timeout = '10s'`);
  await db
    .query(`LOCK TABLE ${[...DESK_TABLES, 'desk_counters'].join(', ')} IN EXCLUSIVE MODE`)
    .catch((err: unknown) => {
      if ((err as { code?: string }).code !== '55P03') throw err;
      throw new ConfigError(
        `The database at ${location} is in use: a caredesk server or another copy held its tables for more than 10 s. A desk is copied only into an empty database that nothing else uses; stop what uses it, or choose another database.`,
        { location },
      );
    });
  await db.query('SET LOCAL lock_timeout = 0');
  const held: string[] = [];
  for (const table of DESK_TABLES) {
    const r = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${table}) AS any`);
    if (r.rows[0]?.any) held.push(table.replace('_', ' '));
  }
  const counters = await db.query<{ seq: string; messages: string }>(
    'SELECT last_event_seq AS seq, message_count AS messages FROM desk_counters WHERE id = 1',
  );
  const c = counters.rows[0];
  if (held.length === 0 && (c === undefined || (Number(c.seq) === 0 && Number(c.messages) === 0))) return;
  throw new ConfigError(
    `The database at ${location} is not empty (it holds ${held.length > 0 ? held.join(', ') : 'event and message counters'}): a desk is copied only into an empty database, so that two desks are never mixed. Point DATABASE_URL (or --database-url) at a new database, e.g. \`createdb caredesk\`, and run \`caredesk migrate --from-data-dir\` again; if this database holds nothing you need, drop and recreate it first.`,
    { location, tables: held },
  );
}

/** Copies every part of the desk; returns the rows written per table. */
export async function copyDesk(source: DeskSource, db: Queryable, options: CopyOptions = {}): Promise<CopyCounts> {
  const say = options.say ?? (() => undefined);
  const pageSize = options.pageSize ?? 1_000;
  const progressEvery = options.progressEvery ?? 10_000;
  const writer = new RowWriter(db, options.rowsPerStatement ?? 5_000);
  const started = performance.now();
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`;

  await writer.add('agents', await source.listAgents());
  for (const collection of source.recordCollections()) {
    const records = await source.listRecords(collection);
    await writer.add(
      'records',
      records.map((r) => ({ collection, id: r.id, value: r.value })),
    );
  }

  for (const customers of customerPages(source, pageSize)) {
    await writer.add('customers', customers);
    // Where each identity leads as the desk answers it (a merged customer's lead to the survivor).
    const identities = [];
    for (const customer of customers) {
      for (const i of customer.identities) {
        const owner = await source.findCustomerByIdentity(i.channel as Channel, i.externalId);
        if (owner) identities.push({ channel: i.channel, externalId: i.externalId, customerId: owner.id });
      }
    }
    await writer.add('customer_identities', identities);
  }
  say(`copied ${fmt(writer.written.customers)} customers and ${fmt(writer.written.agents)} agents (${elapsed()})`);

  const total = await source.countConversations();
  let nextReport = progressEvery;
  for await (const conversations of conversationPages(source, pageSize)) {
    await writer.add('conversations', conversations);
    for (const c of conversations) await writer.add('messages', await source.listMessages(c.id));
    if (writer.written.conversations >= nextReport) {
      say(
        `copied ${fmt(writer.written.conversations)} of ${fmt(total)} conversations, ${fmt(writer.written.messages)} messages (${elapsed()})`,
      );
      while (nextReport <= writer.written.conversations) nextReport += progressEvery;
    }
  }
  await writer.flush();
  say(
    `copied ${fmt(writer.written.conversations)} conversations and ${fmt(writer.written.messages)} messages (${elapsed()})`,
  );

  const lastSeq = await source.lastEventSeq();
  for (let after = 0; after < lastSeq; ) {
    const events = await source.listEvents(after, EVENTS_PER_PAGE);
    if (events.length === 0) break;
    await writer.add('events', events);
    after = (events.at(-1)?.seq ?? lastSeq) as number;
  }

  await writer.add('outbox', await source.listOutbox());

  const snapshotIds = [...source.flowSnapshotIds()];
  for (const conversationId of snapshotIds) {
    const snapshot = await source.getFlowSnapshot(conversationId);
    if (snapshot !== undefined) await writer.add('flow_snapshots', [{ conversationId, snapshot }]);
  }
  await writer.flush();

  await db.query('UPDATE desk_counters SET last_event_seq = $1, message_count = $2 WHERE id = 1', [
    lastSeq,
    await source.countMessages(),
  ]);
  say(
    `copied ${fmt(writer.written.events)} events, ${fmt(writer.written.outbox)} outbox entries, ${fmt(writer.written.flow_snapshots)} flow snapshots, ${fmt(writer.written.records)} records (${elapsed()})`,
  );
  return { ...writer.written };
}

export { CopyMismatchError, type VerifyOptions, type VerifyReport, verifyCopy } from './verify.js';
