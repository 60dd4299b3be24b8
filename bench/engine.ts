/**
 * The in-process pipeline: ingest -> flow -> store -> outbox, with many
 * conversations at once. DESIGN.md targets: >= 20,000 messages/s and
 * p99 < 5 ms with 1,000 concurrent conversations on this 2-core machine.
 *
 *   npm run bench:engine
 *   CONVERSATIONS=200 ROUNDS=5 IDLE=10000 RATES=2000,5000 npm run bench:engine   (quick)
 *   FLOWS=echo STORES=embedded npm run bench:engine                              (a subset)
 *   PARTS=open RATES=20000 npm run bench:engine    (only some parts: closed, open, rehydrate, idle)
 *   WARMUP_ROUNDS=4: open loop rounds offered before the measured ROUNDS (default 4)
 *
 * Runs an echo flow and the care flow, on the memory store and on the
 * embedded store (fsync on), two ways:
 *
 * - closed loop: every customer writes again as soon as the bot answered.
 *   All of them write at once, so latency is CONVERSATIONS / throughput by
 *   construction: this measures the most the pipeline can take.
 * - open loop (the figure to compare with the budget): messages are offered
 *   at a fixed total rate (RATES, default 5000,10000,20000 msg/s) spread
 *   evenly over the conversations, each conversation sending its next message
 *   only once its previous one was answered. Latency runs from the moment a
 *   message was due, so a pipeline that falls behind shows it. WARMUP_ROUNDS
 *   are offered first, unmeasured; with the care flow they also stagger the
 *   customers through the script, so each moment mixes new questions, yeses
 *   and ratings as a real desk's does.
 *
 * Then the cost of evicting and rehydrating an actor, and the RSS with IDLE
 * (default 100,000) idle conversations. Writes bench/results/engine.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setup } from 'xstate';
import { Desk, EmbeddedStore, FlowEngine, MemoryStore, type Store } from '../core/index.js';
import { careFlow } from '../flows/care/flow.js';
import { defineFlow, flowTypes, said } from '../flows/kit/define.js';
import { reply } from '../flows/kit/effects.js';
import { FlowRegistry } from '../flows/registry.js';
import { acceptingDelivery, CARE_SCRIPT } from './care-desk.js';
import { commitAlone, flowStepAlone, recordingStore } from './engine-floor.js';
import { writeResults } from './machine.js';
import { median } from './stats.js';

const conversations = Number(process.env.CONVERSATIONS ?? 1000);
const rounds = Number(process.env.ROUNDS ?? 10);
/** Open loop: rounds offered at the rate before the measured ones. */
const warmupRounds = Number(process.env.WARMUP_ROUNDS ?? 4);
const idleConversations = Number(process.env.IDLE ?? 100_000);
const rates = (process.env.RATES ?? '5000,10000,20000')
  .split(',')
  .map(Number)
  .filter((r) => r > 0);
const flows = (process.env.FLOWS ?? 'echo,care').split(',');
const stores = (process.env.STORES ?? 'memory,embedded').split(',');
/** Which measurements to run (default all): floor, closed, open, rehydrate, idle. */
const parts = (process.env.PARTS ?? 'floor,closed,open,rehydrate,idle').split(',');

const echoFlow = defineFlow({
  name: 'echo',
  description: 'answers every message with its text',
  machine: setup({ types: flowTypes<Record<string, never>>() }).createMachine({
    context: {},
    on: { 'customer.*': { actions: reply(({ event }) => `You said: ${said(event)}`) } },
  }),
});

interface Run {
  readonly flow: string;
  readonly store: string;
  readonly messages: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Process CPU time (user + system) per message: steadier than wall time on a shared machine. */
  readonly cpuUsPerMessage: number;
}

interface OpenRun extends Run {
  /** Messages per second offered. */
  readonly offered: number;
}

const cpuSince = (start: NodeJS.CpuUsage, messages: number): number => {
  const { user, system } = process.cpuUsage(start);
  return Math.round((user + system) / Math.max(1, messages));
};

const percentile = (sorted: readonly number[], p: number): number =>
  Number((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0).toFixed(2));

const registryFor = (flow: 'echo' | 'care') => new FlowRegistry(flow).register(echoFlow, careFlow);

async function boot(store: Store, flow: 'echo' | 'care') {
  await store.open();
  const registry = registryFor(flow);
  let engine!: FlowEngine;
  const desk = new Desk({
    store,
    flowFor: registry.flowFor,
    engine: (d) => (engine = new FlowEngine(d, { flows: registry, autoTimers: false })),
  });
  await engine.start();
  return { desk, engine };
}

/**
 * A desk with customers c0…c{n-1}: `send(c, round)` resolves when the bot has
 * answered that message (its `message.sent` event was published).
 */
async function customers(flow: 'echo' | 'care', storeName: 'memory' | 'embedded') {
  const dir = mkdtempSync(join(tmpdir(), 'caredesk-bench-engine-'));
  const store = storeName === 'memory' ? new MemoryStore() : new EmbeddedStore(dir);
  const { desk, engine } = await boot(store, flow);
  // Answers counted per customer: the bot's answer may be published before receive() returns (same write).
  const answers = new Map<string, number>();
  const waiting = new Map<string, { readonly after: number; readonly done: () => void }>();
  const byCustomer = new Map<string, string>();
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
  const send = async (c: number, round: number): Promise<boolean> => {
    const text = flow === 'care' ? (CARE_SCRIPT[round % CARE_SCRIPT.length] as string) : `message ${round}`;
    const known = byCustomer.get(`c${c}`);
    const before = known ? (answers.get(known) ?? 0) : 0;
    const result = await desk.receive({
      channel: 'devchat',
      externalUserId: `c${c}`,
      channelMessageId: `m${++n}`,
      text,
    });
    if (result.status !== 'stored') return false;
    const customerId = result.customer.id;
    byCustomer.set(`c${c}`, customerId);
    if ((answers.get(customerId) ?? 0) > before) return true;
    await new Promise<void>((done) => waiting.set(customerId, { after: before, done }));
    return true;
  };
  const close = async (): Promise<void> => {
    await engine.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { send, close };
}

/**
 * Open loop: conversation c's k-th message is due at `start + (k * conversations + c) / rate`;
 * it is sent then, or when the answer to its previous one arrives if that is later.
 */
async function openLoop(flow: 'echo' | 'care', storeName: 'memory' | 'embedded', rate: number): Promise<OpenRun> {
  const { send, close } = await customers(flow, storeName);
  // Each conversation's first message (which creates it) is not measured.
  await Promise.all(Array.from({ length: conversations }, (_, c) => send(c, 0)));
  const sleepUntil = (t: number): Promise<void> =>
    new Promise((resolve) => setTimeout(resolve, Math.max(0, t - performance.now())));
  /**
   * Conversation c's script runs `phase(c)` lines ahead of the first one's, so
   * that every moment sees the mix of a real desk (new questions, yeses,
   * ratings) rather than a thousand customers saying the same line at once.
   */
  const phase = (c: number): number => (flow === 'care' ? c % CARE_SCRIPT.length : 0);
  /** Offers `count(c)` rounds from each conversation's `first(c)` at the rate; each answer's latency goes to `into`. */
  const offer = async (first: (c: number) => number, count: (c: number) => number, into: number[]): Promise<number> => {
    const interval = 1000 / rate;
    const start = performance.now() + 5;
    await Promise.all(
      Array.from({ length: conversations }, async (_, c) => {
        for (let k = 0; k < count(c); k++) {
          const due = start + (k * conversations + c) * interval;
          if (due > performance.now()) await sleepUntil(due);
          // From when it was due, or sent if a timer fired a little early.
          const from = Math.min(due, performance.now());
          if (await send(c, first(c) + k)) into.push(performance.now() - from);
        }
      }),
    );
    return start;
  };
  // Warm-up at the same rate, not measured: a server runs warm (JIT, caches, the journal's first segment).
  // It also puts each conversation `phase(c)` lines further into its script.
  await offer(
    () => 1,
    (c) => warmupRounds + phase(c),
    [],
  );
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = await offer(
    (c) => warmupRounds + phase(c) + 1,
    () => rounds,
    latencies,
  );
  const run = summarize(flow, storeName, latencies, started, cpu);
  await close();
  return { ...run, offered: rate };
}

/** A run's figures, taken as soon as its last answer arrived (before the store closes). */
function summarize(flow: string, store: string, latencies: number[], started: number, cpu: NodeJS.CpuUsage): Run {
  const seconds = (performance.now() - started) / 1000;
  const cpuUsPerMessage = cpuSince(cpu, latencies.length);
  latencies.sort((a, b) => a - b);
  return {
    flow,
    store,
    cpuUsPerMessage,
    messages: latencies.length,
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

/** Closed loop: every customer writes again as soon as the bot answered. */
async function pipeline(flow: 'echo' | 'care', storeName: 'memory' | 'embedded'): Promise<Run> {
  const { send, close } = await customers(flow, storeName);
  const latencies: number[] = [];
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: conversations }, async (_, c) => {
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        if (await send(c, r)) latencies.push(performance.now() - t0);
      }
    }),
  );
  const run = summarize(flow, storeName, latencies, started, cpu);
  await close();
  return run;
}

interface Floor {
  readonly flow: string;
  /** The flow's XState step alone, µs per message. */
  readonly flowStepUs: number;
  /** Commits of a real run's batches alone, µs per message (a message's share of them). */
  readonly commitUs: Record<'memory' | 'embedded', number>;
  /** At most this many msg/s on one core if nothing but these two parts cost anything. */
  readonly ceilingPerSecond: Record<'memory' | 'embedded', number>;
}

/** The two parts every message pays for, each alone (see engine-floor.ts). */
async function floor(flow: 'echo' | 'care'): Promise<Floor> {
  const script = flow === 'care' ? CARE_SCRIPT : ['message 1', 'message 2', 'message 3', 'message 4'];
  const recording = recordingStore();
  const { desk, engine } = await boot(recording.store, flow);
  const rounds = 2 * script.length;
  for (let r = 0; r < rounds; r++) {
    await Promise.all(
      Array.from({ length: conversations }, (_, c) =>
        desk.receive({
          channel: 'devchat',
          externalUserId: `f${c}`,
          channelMessageId: `f${c}-${r}`,
          text: script[r % script.length] as string,
        }),
      ),
    );
    await desk.idle();
  }
  await engine.stop();
  await recording.store.close();
  const messages = rounds * conversations;
  const machine = registryFor(flow).get(flow);
  if (!machine) throw new Error(`no ${flow} flow`);
  flowStepAlone(machine, script, 1000);
  const flowStepUs = median([1, 2, 3].map(() => flowStepAlone(machine, script, 2000)));
  const perMessage = recording.batches.length / messages;
  const commitUs = { memory: 0, embedded: 0 };
  for (const kind of ['memory', 'embedded'] as const) {
    await commitAlone(kind, recording.batches);
    const runs: number[] = [];
    // One after the other: at once, each would measure the others too.
    for (let i = 0; i < 3; i++) runs.push(await commitAlone(kind, recording.batches));
    commitUs[kind] = median(runs) * perMessage;
  }
  const ceiling = (us: number): number => Math.round(1e6 / (flowStepUs + us));
  return {
    flow,
    flowStepUs: Number(flowStepUs.toFixed(1)),
    commitUs: { memory: Number(commitUs.memory.toFixed(1)), embedded: Number(commitUs.embedded.toFixed(1)) },
    ceilingPerSecond: { memory: ceiling(commitUs.memory), embedded: ceiling(commitUs.embedded) },
  };
}

/** Time of a step whose actor is live vs one rehydrated from its stored snapshot. */
async function rehydration(): Promise<{ liveUs: number; rehydratedUs: number }> {
  // The echo flow: every step does the same work, so live and rehydrated steps compare.
  const { desk, engine } = await boot(new MemoryStore(), 'echo');
  const ids: string[] = [];
  const count = 500;
  for (let i = 0; i < count; i++) {
    const r = await desk.receive({
      channel: 'devchat',
      externalUserId: `r${i}`,
      channelMessageId: `r${i}-0`,
      text: 'my internet is slow',
    });
    if (r.status === 'stored') ids.push(r.conversation.id);
  }
  await desk.idle();
  const step = async (i: number, round: number): Promise<void> => {
    await desk.receive({
      channel: 'devchat',
      externalUserId: `r${i}`,
      channelMessageId: `r${i}-${round}`,
      text: 'hello',
    });
    await desk.idle();
  };
  let t = performance.now();
  for (let i = 0; i < count; i++) await step(i, 1);
  const liveUs = ((performance.now() - t) * 1000) / count;
  t = performance.now();
  for (let i = 0; i < count; i++) {
    engine.evict(ids[i] as string);
    await step(i, 2);
  }
  const rehydratedUs = ((performance.now() - t) * 1000) / count;
  await engine.stop();
  return { liveUs: Math.round(liveUs), rehydratedUs: Math.round(rehydratedUs) };
}

/** RSS once IDLE conversations have each had one step and gone quiet (actors evicted past the cache). */
/**
 * On the embedded store, the default (the memory store keeps every message in
 * memory by design). heapMb is what is live after a full GC; rssMb is the
 * process's, which keeps what earlier parts of this run grew.
 */
async function idleMemory(): Promise<{ conversations: number; rssMb: number; heapMb: number; liveActors: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'caredesk-bench-idle-'));
  const store = new EmbeddedStore(dir);
  const { desk, engine } = await boot(store, 'care');
  // Idle means answered: replies are delivered (by a channel that accepts at once), not left in the outbox.
  const delivery = acceptingDelivery(desk, 'devchat');
  const wave = 1000;
  for (let i = 0; i < idleConversations; i += wave) {
    await Promise.all(
      Array.from({ length: Math.min(wave, idleConversations - i) }, (_, k) =>
        desk.receive({
          channel: 'devchat',
          externalUserId: `i${i + k}`,
          channelMessageId: `i${i + k}`,
          text: 'my internet is slow',
        }),
      ),
    );
    await desk.idle();
  }
  await delivery.drained(store);
  await delivery.stop();
  global.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  const liveActors = engine.liveActors;
  await engine.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    conversations: idleConversations,
    rssMb: Math.round(rss / 1e6),
    heapMb: Math.round(heapUsed / 1e6),
    liveActors,
  };
}

const combinations = (['echo', 'care'] as const).flatMap((flow) =>
  (['memory', 'embedded'] as const)
    .filter((store) => flows.includes(flow) && stores.includes(store))
    .map((store) => [flow, store] as const),
);
const floors: Floor[] = [];
if (parts.includes('floor')) {
  console.log(
    'bench:engine — floor: the flow step and the store commit each alone (budget: 20,000 msg/s on one core = 50 µs per message for everything)',
  );
  for (const flow of (['echo', 'care'] as const).filter((f) => flows.includes(f))) {
    const f = await floor(flow);
    floors.push(f);
    console.log(
      `  ${flow} flow: XState step ${f.flowStepUs} µs/msg; commit ${f.commitUs.memory} µs/msg memory, ${f.commitUs.embedded} µs/msg embedded; with nothing else: at most ${f.ceilingPerSecond.memory} msg/s memory, ${f.ceilingPerSecond.embedded} msg/s embedded`,
    );
  }
}
console.log(
  `bench:engine — ${conversations} concurrent conversations x ${rounds} messages, closed loop (everyone writes at once: latency = conversations / throughput)`,
);
const runs: Run[] = [];
for (const [flow, store] of parts.includes('closed') ? combinations : []) {
  const r = await pipeline(flow, store);
  runs.push(r);
  console.log(
    `  ${flow} flow, ${store} store: ${r.perSecond} msg/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, CPU ${r.cpuUsPerMessage} µs/msg (${r.messages} messages)`,
  );
}
console.log(
  `bench:engine — open loop: messages offered at a fixed rate over ${conversations} conversations, each waiting for its answer (compare with the budget: >= 20,000 msg/s, p99 < 5 ms)`,
);
const openRuns: OpenRun[] = [];
for (const [flow, store] of parts.includes('open') ? combinations : []) {
  for (const rate of rates) {
    const r = await openLoop(flow, store, rate);
    openRuns.push(r);
    console.log(
      `  ${flow} flow, ${store} store, ${rate} msg/s offered: ${r.perSecond} msg/s achieved, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, CPU ${r.cpuUsPerMessage} µs/msg (${r.messages} messages)`,
    );
  }
}
const rehydrate = parts.includes('rehydrate') ? await rehydration() : undefined;
if (rehydrate) {
  console.log(
    `  echo flow step: live actor ${rehydrate.liveUs} µs, rehydrated from its snapshot ${rehydrate.rehydratedUs} µs`,
  );
}
const idle = parts.includes('idle') ? await idleMemory() : undefined;
if (idle) {
  console.log(
    `  ${idle.conversations} idle conversations (embedded store): heap ${idle.heapMb} MB live, RSS ${idle.rssMb} MB, ${idle.liveActors} actors kept live`,
  );
}

writeResults('engine', {
  bench: 'engine',
  date: new Date().toISOString(),
  conversations,
  rounds,
  floor: floors,
  closedLoop: runs,
  openLoop: openRuns,
  rehydrate,
  idle,
});
