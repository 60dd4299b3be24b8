/**
 * What only the PostgreSQL store has to get right, on a real server: several
 * stores (as several processes would) committing at once, a reader following
 * the events as the live feed does, a batch that fails half-way, a schema it
 * does not know, and a connection dropped in the middle of a commit.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent, Store } from '../../../core/index.js';
import { PostgresStore } from '../../../core/store/postgres/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { conversation, customer } from './store-contract.js';

let db: TestDatabase;
const opened: PostgresStore[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  await db.drop();
});

async function store(url = db.url): Promise<PostgresStore> {
  const s = new PostgresStore(url, { poolSize: 3 });
  opened.push(s);
  await s.open();
  return s;
}

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const event = (n: number) => ({
  type: 'message.received',
  at: new Date(Date.UTC(2026, 0, 5)).toISOString(),
  data: { n },
});

describe('PostgreSQL store', () => {
  it('numbers events from 8 stores committing at once without a gap or a repeat, and a reader following them sees each once, in order', async () => {
    const writers = await Promise.all(Array.from({ length: 8 }, () => store()));
    const reader = await store();
    const start = await reader.lastEventSeq();
    const perWriter = 60;
    let writing = true;
    const seen: DomainEvent[] = [];
    // The live feed's way: ask for what follows the last number seen, again and again.
    const following = (async () => {
      while (writing || seen.length < 8 * perWriter) {
        const after = seen.at(-1)?.seq ?? start;
        seen.push(...(await reader.listEvents(after, 50)));
        await new Promise((r) => setImmediate(r));
      }
    })();
    const results = await Promise.all(
      writers.map(async (w, k) => {
        const seqs: number[] = [];
        for (let i = 0; i < perWriter; i++) {
          const r = await w.commit({ events: [event(k * 1000 + i)] });
          seqs.push(...r.events.map((e) => e.seq));
        }
        return seqs;
      }),
    );
    writing = false;
    await following;
    const all = results.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 8 * perWriter }, (_, i) => start + i + 1));
    // A reader that skipped a number which filled in later would miss its event: it sees all of them, once.
    expect(seen.map((e) => e.seq)).toEqual(all);
    // Each store's own commits are numbered in the order it made them.
    for (const seqs of results) expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });

  it('a batch that fails half-way leaves nothing, and does not take the batches committed with it down', async () => {
    const s = await store();
    const before = await s.lastEventSeq();
    const bad = s.commit({
      customers: [customer('cus_half')],
      conversations: [conversation('cnv_half', 'cus_half', { createdAt: 'not a time' })],
      events: [event(1)],
    });
    const good = s.commit({ customers: [customer('cus_good')], events: [event(2)] });
    await expect(bad).rejects.toThrow(/not a time/);
    await expect(good).resolves.toMatchObject({ events: [{ seq: before + 1 }] });
    expect(await s.getCustomer('cus_half')).toBeUndefined();
    expect(await s.findCustomerByIdentity('telegram', 'cus_half')).toBeUndefined();
    expect(await s.getCustomer('cus_good')).toBeDefined();
    expect(await s.lastEventSeq()).toBe(before + 1);
  });

  it('refuses a database without the schema (run caredesk migrate) and one with a newer schema', async () => {
    const empty = await createTestDatabase({ migrated: false });
    try {
      await expect(new PostgresStore(empty.url).open()).rejects.toMatchObject({
        code: 'E_STORE_SCHEMA',
        message: expect.stringContaining('Run `caredesk migrate` first'),
      });
    } finally {
      await empty.drop();
    }
    await sql(`INSERT INTO caredesk_migrations (version, name) VALUES (99, 'future')`);
    try {
      await expect(new PostgresStore(db.url).open()).rejects.toMatchObject({
        code: 'E_STORE_SCHEMA',
        message: expect.stringContaining('newer than this caredesk knows'),
      });
    } finally {
      await sql('DELETE FROM caredesk_migrations WHERE version = 99');
    }
  });

  it('a connection dropped in the middle of a commit: the commit fails as unavailable, nothing of it is kept, the next one works', async () => {
    const s: Store = await store();
    const before = await s.lastEventSeq();
    // Hold the counter row so that the commit waits inside its transaction, then cut its connection.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT * FROM desk_counters FOR UPDATE');
    const commit = s.commit({ customers: [customer('cus_cut')], events: [event(3)] });
    const failed = commit.then(
      () => undefined,
      (err: unknown) => err,
    );
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i++) {
      const rows = await sql<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%caredesk_commit%' AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      pid = rows[0]?.pid;
      if (pid === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    expect(pid).toBeDefined();
    await sql('SELECT pg_terminate_backend($1)', [pid]);
    expect(await failed).toMatchObject({ code: 'E_STORE_UNAVAILABLE' });
    await holder.query('ROLLBACK');
    await holder.end();
    expect(await s.getCustomer('cus_cut')).toBeUndefined();
    expect(await s.lastEventSeq()).toBe(before);
    await expect(s.commit({ customers: [customer('cus_after')], events: [event(4)] })).resolves.toMatchObject({
      events: [{ seq: before + 1 }],
    });
  });
});
