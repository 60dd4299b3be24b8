/**
 * What only the PostgreSQL store has to get right, on a real server: several
 * stores (as several processes would) committing at once, a reader following
 * the events as the live feed does, a batch that fails half-way, a schema it
 * does not know, and a connection dropped in the middle of a commit.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DomainEvent, MemoryStore, type Store, type WriteBatch } from '../../../core/index.js';
import { PostgresStore } from '../../../core/store/postgres/index.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { conversation, customer, outbox } from './store-contract.js';

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

  it('batches committed together (one group) leave what they would one after the other', async () => {
    const s = await store();
    const agent = (id: string, tokenHash: string) => ({
      id,
      name: id,
      role: 'agent' as const,
      skills: [],
      languages: [],
      capacity: 3,
      presence: 'online' as const,
      tokenHash,
      createdAt: new Date(Date.UTC(2026, 0, 5)).toISOString(),
    });
    const batches: WriteBatch[] = [
      { customers: [customer('cus_g1', 'g-1')], outbox: [outbox('o_g1'), outbox('o_g2')] },
      // Delivered, then written again (a resend resets it); delivered without being written here.
      { deliveries: [{ outboxId: 'o_g1', attempts: 1, deliveredAt: '2026-01-05T09:00:01.000Z' }] },
      {
        outbox: [outbox('o_g1', { attempts: 0 })],
        deliveries: [{ outboxId: 'o_old', attempts: 2, deliveredAt: '2026-01-05T09:00:02.000Z' }],
      },
      {
        outbox: [outbox('o_g2')],
        deliveries: [
          { outboxId: 'o_g2', attempts: 1, deliveredAt: '2026-01-05T09:00:03.000Z', channelMessageId: 'm7' },
        ],
      },
      // The identity moves to another customer (a merge), then the first customer is written again.
      { customers: [{ ...customer('cus_g2', 'g-2'), identities: [{ channel: 'telegram', externalId: 'g-1' }] }] },
      { customers: [{ ...customer('cus_g1', 'g-1'), mergedInto: 'cus_g2' }] },
      // An agent removed then added back; another added then removed.
      { agents: [agent('agt_g1', 'h1'), agent('agt_g2', 'h2')] },
      { removeAgents: ['agt_g1', 'agt_g2'] },
      { agents: [agent('agt_g1', 'h1b')] },
      // A record set then deleted, another deleted then set; a snapshot written then forgotten.
      {
        records: [
          { collection: 'c', id: 'r1', value: 1 },
          { collection: 'c', id: 'r2', value: null },
        ],
        flowSnapshots: [{ conversationId: 'cnv_g', snapshot: { a: 1 } }],
      },
      {
        records: [
          { collection: 'c', id: 'r1', value: null },
          { collection: 'c', id: 'r2', value: 2 },
        ],
        flowSnapshots: [{ conversationId: 'cnv_g', snapshot: null }],
      },
    ];
    await s.commit({ outbox: [outbox('o_old')] });
    const memory = new MemoryStore();
    await memory.open();
    await memory.commit({ outbox: [outbox('o_old')] });
    for (const b of batches) await memory.commit(b);
    await Promise.all(batches.map((b) => s.commit(b)));
    for (const id of ['o_g1', 'o_g2', 'o_old'])
      expect(await s.getOutboxEntry(id), id).toEqual(await memory.getOutboxEntry(id));
    expect((await s.findCustomerByIdentity('telegram', 'g-1'))?.id).toBe('cus_g2');
    expect((await s.getCustomer('cus_g1'))?.mergedInto).toBe('cus_g2');
    expect((await s.listAgents()).map((a) => [a.id, a.tokenHash])).toEqual([['agt_g1', 'h1b']]);
    expect(await s.findAgentByTokenHash('h2')).toBeUndefined();
    expect(await s.listRecords('c')).toEqual(await memory.listRecords('c'));
    expect(await s.getFlowSnapshot('cnv_g')).toBeUndefined();
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

  it('claims an outbox entry for one process at a time, until its claim runs out or the delivery is recorded', async () => {
    const [a, b] = [await store(), await store()];
    await a.commit({ outbox: [outbox('out_claim', { recipient: 'claims' })] });
    const now = Date.now();
    // A claims it for 20 s; B, taking the delivering over, is told to wait until then.
    const first = await a.claimOutboxEntry('out_claim', { claimant: 'p-a', untilMs: now + 20_000, nowMs: now });
    expect(first).toEqual({ entry: expect.objectContaining({ id: 'out_claim', status: 'pending' }) });
    expect(await b.claimOutboxEntry('out_claim', { claimant: 'p-b', untilMs: now + 20_000, nowMs: now })).toEqual({
      entry: expect.objectContaining({ status: 'pending' }),
      heldUntilMs: now + 20_000,
    });
    // A asks again (a retry of its own): still its own.
    expect(
      (await a.claimOutboxEntry('out_claim', { claimant: 'p-a', untilMs: now + 25_000, nowMs: now })).heldUntilMs,
    ).toBeUndefined();
    // Once the claim has run out, B takes it.
    const later = now + 30_000;
    expect(await b.claimOutboxEntry('out_claim', { claimant: 'p-b', untilMs: later + 20_000, nowMs: later })).toEqual({
      entry: expect.objectContaining({ status: 'pending' }),
    });
    // The delivery recorded, the claim goes with it; nobody claims a delivered entry.
    await b.commit({
      deliveries: [{ outboxId: 'out_claim', attempts: 1, deliveredAt: new Date(later).toISOString() }],
    });
    expect(await sql('SELECT * FROM outbox_claims WHERE outbox_id = $1', ['out_claim'])).toEqual([]);
    const after = await a.claimOutboxEntry('out_claim', { claimant: 'p-a', untilMs: later + 20_000, nowMs: later });
    expect(after).toEqual({ entry: expect.objectContaining({ status: 'delivered' }) });
    expect(await sql('SELECT * FROM outbox_claims WHERE outbox_id = $1', ['out_claim'])).toEqual([]);
    expect(await a.claimOutboxEntry('out_none', { claimant: 'p-a', untilMs: later, nowMs: later })).toEqual({
      entry: undefined,
    });
  });

  it('does not claim a reply whose delivery another process is recording at that moment (it would be sent twice)', async () => {
    const [a, b] = [await store(), await store()];
    await a.commit({ outbox: [outbox('out_recording', { recipient: 'recording' })] });
    const now = Date.now();
    expect(await a.claimOutboxEntry('out_recording', { claimant: 'p-a', untilMs: now + 20_000, nowMs: now })).toEqual({
      entry: expect.objectContaining({ status: 'pending' }),
    });
    // A records its send in a transaction still open when B asks (the claim goes with the record).
    const recording = new pg.Client({ connectionString: db.url });
    await recording.connect();
    try {
      await recording.query('BEGIN');
      await recording.query(
        `UPDATE outbox SET status = 'delivered', attempts = 1, delivered_at = $1 WHERE id = 'out_recording'`,
        [new Date(now).toISOString()],
      );
      const asked = b.claimOutboxEntry('out_recording', { claimant: 'p-b', untilMs: now + 20_000, nowMs: now });
      await new Promise((r) => setTimeout(r, 200));
      await recording.query('COMMIT');
      const answer = await asked;
      // Not B's to send: delivered, or held (asked again, it reads delivered).
      expect(answer.entry?.status === 'delivered' || answer.heldUntilMs !== undefined).toBe(true);
      expect(await sql('SELECT * FROM outbox_claims WHERE outbox_id = $1', ['out_recording'])).toEqual([]);
      const again = await b.claimOutboxEntry('out_recording', { claimant: 'p-b', untilMs: now + 20_000, nowMs: now });
      expect(again).toEqual({ entry: expect.objectContaining({ status: 'delivered' }) });
    } finally {
      await recording.end();
    }
  });

  it('claims a reply only once every earlier pending reply of its chat is the claimant’s own: a chat keeps its order across processes', async () => {
    const [a, b] = [await store(), await store()];
    const chat = { recipient: 'ordered', channel: 'telegram' as const, conversationId: 'cnv_ordered' };
    await a.commit({
      customers: [customer('cus_ordered'), customer('cus_other')],
      conversations: [conversation('cnv_ordered', 'cus_ordered'), conversation('cnv_other', 'cus_other')],
    });
    // A's commit queued first and second, then B's commit queued third (the customer's next message went to B).
    await a.commit({ outbox: [outbox('out_first', chat), outbox('out_second', chat)] });
    await b.commit({
      outbox: [
        outbox('out_third', chat),
        outbox('out_elsewhere', { recipient: 'another chat', conversationId: 'cnv_other' }),
      ],
    });
    const now = Date.now();
    const ask = (s: typeof a, id: string, claimant: string) =>
      s.claimOutboxEntry(id, { claimant, untilMs: now + 20_000, nowMs: now });
    // B may not send the third before the first two went out, whoever sends them; another chat is not held.
    expect(await ask(b, 'out_third', 'p-b')).toEqual({
      entry: expect.objectContaining({ id: 'out_third' }),
      behind: true,
    });
    expect(await ask(b, 'out_elsewhere', 'p-b')).toEqual({ entry: expect.objectContaining({ id: 'out_elsewhere' }) });
    // A sends the first, then the second without waiting for the first's record (both its own claims).
    expect(await ask(a, 'out_first', 'p-a')).toEqual({ entry: expect.objectContaining({ id: 'out_first' }) });
    expect(await ask(a, 'out_second', 'p-a')).toEqual({ entry: expect.objectContaining({ id: 'out_second' }) });
    expect((await ask(b, 'out_third', 'p-b')).behind).toBe(true);
    // Once both are recorded, the third is B's.
    const deliveredAt = new Date(now).toISOString();
    await a.commit({
      deliveries: [
        { outboxId: 'out_first', attempts: 1, deliveredAt },
        { outboxId: 'out_second', attempts: 1, deliveredAt },
      ],
    });
    expect(await ask(b, 'out_third', 'p-b')).toEqual({ entry: expect.objectContaining({ id: 'out_third' }) });
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
