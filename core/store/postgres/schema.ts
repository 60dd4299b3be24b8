/**
 * The database schema's versions: migrations kept in the repo, applied in
 * order in one transaction under an advisory lock, so two processes starting
 * at once cannot both apply one. `caredesk migrate` runs them; a store opens
 * only on the version it was written for.
 */
import type pg from 'pg';
import { StoreSchemaError } from '../../errors.js';
import * as desk from './migrations/0001-desk.js';
import * as outboxClaims from './migrations/0002-outbox-claims.js';
import * as outboxChats from './migrations/0003-outbox-chats.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Oldest first; a new migration is a new file here, never an edit of a released one. */
export const MIGRATIONS: readonly Migration[] = [desk, outboxClaims, outboxChats];
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Any constant of our own: the advisory lock's key (pg_advisory_xact_lock takes a bigint). */
const MIGRATION_LOCK = 0x63617265_6465736bn; // "caredesk"

const HISTORY_TABLE = /* sql */ `
CREATE TABLE IF NOT EXISTS caredesk_migrations (
  version int PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

export interface MigrationStatus {
  readonly version: number;
  readonly name: string;
  /** ISO time it was applied; undefined: not yet. */
  readonly appliedAt: string | undefined;
}

/** A pooled or a single connection: migrate runs on either. */
type Queryable = Pick<pg.ClientBase, 'query'>;

/** The newest applied version, 0 for an empty database. */
export async function schemaVersion(db: Queryable): Promise<number> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('caredesk_migrations')::text AS t`);
  if (exists.rows[0]?.t == null) return 0;
  const r = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM caredesk_migrations');
  return r.rows[0]?.v ?? 0;
}

/** Throws StoreSchemaError unless the database is at exactly SCHEMA_VERSION. */
export async function assertSchema(db: Queryable, location: string): Promise<void> {
  const found = await schemaVersion(db);
  if (found !== SCHEMA_VERSION) throw new StoreSchemaError(location, found, SCHEMA_VERSION);
}

/** Every known migration with when it was applied. */
export async function migrationStatus(db: Queryable): Promise<MigrationStatus[]> {
  const applied = new Map<number, string>();
  if ((await schemaVersion(db)) > 0) {
    const r = await db.query<{ version: number; applied_at: Date }>(
      'SELECT version, applied_at FROM caredesk_migrations',
    );
    for (const row of r.rows) applied.set(row.version, row.applied_at.toISOString());
  }
  return MIGRATIONS.map((m) => ({ version: m.version, name: m.name, appliedAt: applied.get(m.version) }));
}

/**
 * Applies what is missing, all or nothing. Returns the migrations applied
 * (none when up to date). A newer schema than this caredesk knows is refused.
 */
export async function migrate(client: pg.ClientBase, location: string): Promise<Migration[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    await client.query(HISTORY_TABLE);
    const found = await schemaVersion(client);
    if (found > SCHEMA_VERSION) throw new StoreSchemaError(location, found, SCHEMA_VERSION);
    const missing = MIGRATIONS.filter((m) => m.version > found);
    for (const m of missing) {
      await client.query(m.sql);
      await client.query('INSERT INTO caredesk_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
    return missing;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
