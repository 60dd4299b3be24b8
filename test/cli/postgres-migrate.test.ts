/**
 * The schema of the PostgreSQL store as an operator meets it: `caredesk
 * serve` refuses a database it was not built for, `caredesk migrate --status`
 * tells what is pending and what is applied, and `caredesk migrate` run twice
 * at once applies the schema once. Real processes on a real server.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../core/store/postgres/index.js';
import { servePostgres } from '../e2e/helpers/postgres-desk.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { caredesk } from './run-caredesk.js';

const databases: TestDatabase[] = [];
const stopOnExit: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const stop of stopOnExit.splice(0)) await stop();
  for (const db of databases.splice(0)) await db.drop();
});

async function database(migrated: boolean): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrated });
  databases.push(db);
  return db;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** `caredesk serve` on the database, expected to stop by itself: its exit code and what it printed on stderr. */
async function serveRefuses(url: string): Promise<{ code: number | null; lines: string[]; stdout: string }> {
  const serve = servePostgres(url, { LOG_LEVEL: 'silent' });
  stopOnExit.push(() => serve.kill());
  const exit = await serve.exitedWithin(20_000);
  const lines = serve.stderr.split('\n').filter((l) => l.trim() !== '');
  return { code: exit.code, lines, stdout: serve.stdout };
}

const migrateEnv = (url: string) => ({ DATABASE_URL: url, CAREDESK_STORE: 'postgres' });
/** Each test runs a few caredesk processes, each a second or more to start when the sources run through tsx. */
const SEVERAL_RUNS = 60_000;

describe('caredesk serve on a database without the right schema', () => {
  it(
    'on an empty database it stops at once with one line telling to run caredesk migrate',
    async () => {
      const db = await database(false);
      const { code, lines } = await serveRefuses(db.url);
      expect(code).not.toBe(0);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/schema version 0; this caredesk needs version 3\. Run `caredesk migrate` first\./);
      expect(lines[0]).toMatch(/\[E_STORE_SCHEMA\]$/);
      // The line names the database without its password.
      expect(lines[0]).not.toContain(new URL(db.url).password);
      // Nothing was created behind the operator's back.
      expect(await query(db.url, `SELECT to_regclass('caredesk_migrations') AS t`)).toEqual([{ t: null }]);
    },
    SEVERAL_RUNS,
  );

  it(
    'on a schema a newer caredesk wrote it refuses, saying to run that newer release',
    async () => {
      const db = await database(true);
      await query(db.url, `INSERT INTO caredesk_migrations (version, name) VALUES (99, 'future')`);
      const { code, lines } = await serveRefuses(db.url);
      expect(code).not.toBe(0);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /schema version 99, newer than this caredesk knows \(3\).*Run that release \(or newer\).*\[E_STORE_SCHEMA\]$/,
      );
      // And `caredesk migrate` does not touch it either.
      const migrate = await caredesk(['migrate'], migrateEnv(db.url));
      expect(migrate.status).not.toBe(0);
      expect(migrate.stderr).toMatch(/newer than this caredesk knows/);
      expect(await query(db.url, 'SELECT version FROM caredesk_migrations ORDER BY version')).toEqual([
        { version: 1 },
        { version: 2 },
        { version: 3 },
        { version: 99 },
      ]);
    },
    SEVERAL_RUNS,
  );
});

describe('caredesk migrate', () => {
  it(
    '--status lists the migration as pending, then as applied once caredesk migrate ran',
    async () => {
      const db = await database(false);
      const before = await caredesk(['migrate', '--status'], migrateEnv(db.url));
      expect(before.status).toBe(0);
      expect(before.stdout).toMatch(/^0001 desk\s+pending$/m);
      expect(before.stdout).toMatch(/^0002 outbox claims\s+pending$/m);
      expect(before.stdout).toMatch(/^0003 outbox by chat\s+pending$/m);
      expect(before.stdout).toMatch(/The schema is at version 0; run `caredesk migrate` to bring it to 3\./);

      const migrate = await caredesk(['migrate'], migrateEnv(db.url));
      expect(migrate.status, migrate.stderr).toBe(0);
      expect(migrate.stdout).toBe(
        'applied 0001 desk\napplied 0002 outbox claims\napplied 0003 outbox by chat\nThe schema is at version 3.\n',
      );

      const after = await caredesk(['migrate', '--status'], migrateEnv(db.url));
      expect(after.status).toBe(0);
      expect(after.stdout).toMatch(/^0001 desk\s+applied \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
      expect(after.stdout).toMatch(/^0002 outbox claims\s+applied \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
      expect(after.stdout).toMatch(/^0003 outbox by chat\s+applied \d{4}-\d\d-\d\dT[\d:.]+Z$/m);
      expect(after.stdout).toMatch(/The schema is up to date \(version 3\)\./);

      const again = await caredesk(['migrate'], migrateEnv(db.url));
      expect(again.stdout).toBe('The schema is up to date (version 3).\n');
    },
    SEVERAL_RUNS,
  );

  it(
    'two caredesk migrate started together on an empty database both succeed, and the schema is applied once',
    async () => {
      const db = await database(false);
      const [a, b] = await Promise.all([
        caredesk(['migrate'], migrateEnv(db.url)),
        caredesk(['migrate'], migrateEnv(db.url)),
      ]);
      expect([a.status, b.status], `${a.stderr}\n${b.stderr}`).toEqual([0, 0]);
      // One of them applied it, the other found it done.
      expect([a.stdout, b.stdout].sort()).toEqual([
        'The schema is up to date (version 3).\n',
        'applied 0001 desk\napplied 0002 outbox claims\napplied 0003 outbox by chat\nThe schema is at version 3.\n',
      ]);
      expect(await query(db.url, 'SELECT version, name FROM caredesk_migrations ORDER BY version')).toEqual([
        { version: 1, name: 'desk' },
        { version: 2, name: 'outbox claims' },
        { version: SCHEMA_VERSION, name: 'outbox by chat' },
      ]);
    },
    SEVERAL_RUNS,
  );
});

describe('a database that refuses or is not there: one line saying what to fix, no stack trace', () => {
  const oneLine = (stderr: string): string[] => stderr.split('\n').filter((l) => l.trim() !== '');

  it(
    'a wrong password, a database that does not exist, a server that is not running',
    async () => {
      const db = await database(true);
      const wrongPassword = new URL(db.url);
      wrongPassword.password = 'not-the-password';
      const bad = await serveRefuses(wrongPassword.toString());
      expect(bad.code).not.toBe(0);
      expect(bad.lines).toHaveLength(1);
      expect(bad.lines[0]).toMatch(/the password in DATABASE_URL is not the role’s\. \[E_CONFIG\]$/);
      expect(bad.lines[0]).not.toContain('not-the-password');

      const missing = new URL(db.url);
      missing.pathname = '/no_such_database';
      const gone = await serveRefuses(missing.toString());
      expect(gone.lines).toHaveLength(1);
      expect(gone.lines[0]).toMatch(/there is no such database/);

      const down = new URL(db.url);
      down.port = '1';
      const away = await serveRefuses(down.toString());
      expect(away.lines).toHaveLength(1);
      expect(away.lines[0]).toMatch(/cannot be reached .*caredesk cannot start without it\. Start PostgreSQL/);
    },
    SEVERAL_RUNS,
  );

  it(
    'caredesk migrate as a role that may not create tables says to run it as the owner',
    async () => {
      const db = await database(false);
      const role = `runtime_${Math.random().toString(36).slice(2, 8)}`;
      await query(db.url, `CREATE ROLE ${role} LOGIN PASSWORD 'pw'; REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      const asRuntime = new URL(db.url);
      asRuntime.username = role;
      asRuntime.password = 'pw';
      try {
        const run = await caredesk(['migrate'], migrateEnv(asRuntime.toString()));
        expect(run.status).toBe(1);
        expect(oneLine(run.stderr)).toHaveLength(1);
        expect(run.stderr).toMatch(
          /permission denied for schema public — .*run `caredesk migrate` as the schema’s owner/,
        );
      } finally {
        await query(db.url, `DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => undefined);
      }
    },
    SEVERAL_RUNS,
  );
});
