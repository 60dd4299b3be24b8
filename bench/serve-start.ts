/**
 * How long `caredesk serve` takes to start on a data directory holding many
 * conversations, and how much memory it then holds (DESIGN.md's budget:
 * 100,000 conversations, start under 2 s, RSS under 256 MB).
 *
 *   npm run bench:serve-start [-- --conversations 100000 --runs 3 --data care|bare --keep-data DIR]
 *
 * `--keep-data DIR` fills DIR once and keeps it; a later run with the same DIR
 * starts the server on it without filling again (to compare changes quickly).
 *
 * The data directory is filled through the real Desk, EmbeddedStore, flow
 * engine and human side, as a care desk's data looks (`--data care`, the default): every
 * customer asks the care flow a question; four in five then say it helped and
 * answer the survey (their case is resolved and closed), one in five leaves
 * it there (open, its reminder and closing timers pending); every reply is
 * delivered. `--data bare`: one customer, one conversation, one message each,
 * no flow (what this bench measured before: it leaves out the archive of
 * resolved cases, snapshots and timers). Then the real program (node
 * bin/caredesk.js serve) is started `runs` times on it. "Ready" is the first
 * /healthz answer counting every conversation: what an operator waits for.
 */
import { execFileSync, spawn } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Desk, EmbeddedStore, FlowEngine, HumanDesk } from '../core/index.js';
import { defaultRegistry } from '../flows/registry.js';
import { acceptingDelivery, CARE_SCRIPT } from './care-desk.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    data: { type: 'string', default: 'care' },
    'keep-data': { type: 'string' },
  },
});
if (values.data !== 'care' && values.data !== 'bare') {
  process.stderr.write(`--data must be care or bare, not "${values.data}"\n`);
  process.exit(1);
}
const data: 'care' | 'bare' = values.data;
const conversations = Number(values.conversations);
const runs = Number(values.runs);
const bin = fileURLToPath(new URL('../bin/caredesk.js', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
// bin/caredesk.js runs the sources through tsx when they are newer than dist/ (after any edit):
// slower to start and some 25 MB more RSS. Measure the bundle, as `npm ci` leaves it.
execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });

/** A care desk's conversations, through the care flow (see the top of this file). */
async function fillThroughTheCareFlow(dataDir: string): Promise<number> {
  const started = performance.now();
  const store = new EmbeddedStore(dataDir, { fsync: false });
  await store.open();
  const flows = defaultRegistry();
  let engine!: FlowEngine;
  let human!: HumanDesk;
  // The human side as `caredesk serve` has it (built by the desk after the engine, which it
  // takes as its flow control): its clockwork's round at the end saves what a running server
  // would have saved (the volume counts), so start-up finds the same files.
  const desk = new Desk({
    store,
    flowFor: flows.flowFor,
    engine: (d) => (engine = new FlowEngine(d, { flows, autoTimers: false })),
    human: (d) => (human = new HumanDesk(d)),
  });
  await engine.start();
  const delivery = acceptingDelivery(desk, 'telegram');
  const wave = 1000;
  let n = 0;
  for (let i = 0; i < conversations; i += wave) {
    const lines = (i / wave) % 5 === 0 ? 1 : CARE_SCRIPT.length;
    for (let line = 0; line < lines; line++) {
      await Promise.all(
        Array.from({ length: Math.min(wave, conversations - i) }, (_, k) =>
          desk.receive({
            channel: 'telegram',
            externalUserId: `u${i + k}`,
            channelMessageId: `m${++n}`,
            text: CARE_SCRIPT[line] as string,
          }),
        ),
      );
      await desk.idle();
    }
    await delivery.drained(store);
  }
  await human.tick();
  await delivery.stop();
  await engine.stop();
  await store.close();
  return (performance.now() - started) / 1000;
}

async function fill(dataDir: string): Promise<number> {
  if (data === 'care') return fillThroughTheCareFlow(dataDir);
  const started = performance.now();
  const store = new EmbeddedStore(dataDir, { fsync: false });
  await store.open();
  const desk = new Desk({ store });
  const wave = 1000;
  for (let i = 0; i < conversations; i += wave) {
    const receipts: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(i + wave, conversations); j++) {
      receipts.push(
        desk.receive({ channel: 'telegram', externalUserId: `u${j}`, channelMessageId: `m${j}`, text: 'hi' }),
      );
    }
    await Promise.all(receipts);
  }
  await store.close();
  return (performance.now() - started) / 1000;
}

interface Run {
  readonly listeningMs: number;
  readonly readyMs: number;
  readonly rssMb: number;
  /** RSS 5 s after ready, once the first clockwork round ran. */
  readonly settledRssMb: number;
  /** The V8 heap then (used includes garbage not yet collected; total is what V8 holds for it). */
  readonly heapUsedMb: number;
  readonly heapTotalMb: number;
}

async function startOnce(dataDir: string, expected: number): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'serve', '--data-dir', dataDir], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    const deadline = Date.now() + 60_000;
    let url: string | undefined;
    let listeningMs = 0;
    while (!url) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`caredesk did not start:\n${out}`);
      url = /"url":"([^"]+)"/.exec(out)?.[1];
      if (url) listeningMs = performance.now() - started;
      else await new Promise((r) => setTimeout(r, 5));
    }
    const health = (await (await fetch(`${url}/healthz`)).json()) as { conversations: number };
    const readyMs = performance.now() - started;
    if (health.conversations !== expected) {
      throw new Error(`healthz counts ${health.conversations} conversations, expected ${expected}`);
    }
    const rssMb = await rssOf(child.pid);
    // The queue's clockwork (SLA, escalation, volume spikes) runs its first round just after
    // start: RSS a few seconds later is what the server really holds while idle.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const settledRssMb = await rssOf(child.pid);
    return { listeningMs, readyMs, rssMb, settledRssMb, ...(await heapOf(url)) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const SETTLE_MS = 5_000;

/** The V8 heap as the server's own /metrics reports it: how much of the RSS is the heap, used and reserved. */
async function heapOf(url: string): Promise<{ heapUsedMb: number; heapTotalMb: number }> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name: string): number =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN) / 1e6;
  return { heapUsedMb: gauge('nodejs_heap_size_used_bytes'), heapTotalMb: gauge('nodejs_heap_size_total_bytes') };
}

async function rssOf(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

const dir = await mkdtemp(join(tmpdir(), 'caredesk-bench-start-'));
try {
  const kept = values['keep-data'];
  const dataDir = kept ?? join(dir, 'data');
  // The same program on an empty directory: what start costs before the store has anything to read.
  const empty = await startOnce(join(dir, 'empty'), 0);
  process.stdout.write(
    `empty data directory: /healthz ready after ${empty.readyMs.toFixed(0)} ms, RSS ${empty.rssMb.toFixed(0)} MB\n`,
  );
  const filled =
    kept !== undefined &&
    (await access(join(kept, 'state.json')).then(
      () => true,
      () => false,
    ));
  let fillSeconds = 0;
  if (filled) process.stdout.write(`starting on the data kept in ${kept} (not filled again)\n`);
  else {
    process.stdout.write(`filling a data directory with ${conversations} conversations (--data ${data})…\n`);
    fillSeconds = await fill(dataDir);
    process.stdout.write(`filled in ${fillSeconds.toFixed(1)} s\n`);
  }
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await startOnce(dataDir, conversations);
    results.push(run);
    process.stdout.write(
      `run ${i + 1}: listening after ${run.listeningMs.toFixed(0)} ms, /healthz ready after ${run.readyMs.toFixed(0)} ms, RSS ${run.rssMb.toFixed(0)} MB (${run.settledRssMb.toFixed(0)} MB 5 s later; heap ${run.heapUsedMb.toFixed(0)} MB used of ${run.heapTotalMb.toFixed(0)} MB)\n`,
    );
  }
  const summary = {
    bench: 'serve-start',
    at: new Date().toISOString(),
    node: process.version,
    conversations,
    data,
    runs,
    fillSeconds,
    empty,
    readyMsMedian: median(results.map((r) => r.readyMs)),
    rssMbMedian: median(results.map((r) => r.rssMb)),
    settledRssMbMedian: median(results.map((r) => r.settledRssMb)),
    budget: { readyMs: 2000, rssMb: 256 },
    results,
  };
  process.stdout.write(
    `median with ${conversations} conversations (--data ${data}): ready in ${summary.readyMsMedian.toFixed(0)} ms (budget 2000; empty ${empty.readyMs.toFixed(0)} ms), RSS ${summary.rssMbMedian.toFixed(0)} MB, ${summary.settledRssMbMedian.toFixed(0)} MB 5 s later (budget 256; empty ${empty.rssMb.toFixed(0)} MB)\n`,
  );
  const resultsDir = fileURLToPath(new URL('results/', import.meta.url));
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, 'serve-start.json'), `${JSON.stringify(summary, null, 2)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
