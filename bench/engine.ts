/**
 * The in-process pipeline: ingest -> flow -> store -> outbox, with many
 * conversations at once, each customer waiting for the bot's answer before
 * writing again (closed loop). DESIGN.md targets: >= 20,000 messages/s and
 * p99 < 5 ms with 1,000 concurrent conversations on this 2-core machine.
 *
 *   npm run bench:engine
 *   CONVERSATIONS=200 ROUNDS=5 IDLE=10000 npm run bench:engine   (quick)
 *
 * Runs an echo flow and the care flow, on the memory store and on the
 * embedded store (fsync on); then the cost of evicting and rehydrating an
 * actor, and the RSS with IDLE (default 100,000) idle conversations.
 * Writes bench/results/engine.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setup } from 'xstate';
import { Desk, EmbeddedStore, FlowEngine, MemoryStore, type Store } from '../core/index.js';
import { careFlow } from '../flows/care/flow.js';
import { defineFlow, flowTypes, said } from '../flows/kit/define.js';
import { reply } from '../flows/kit/effects.js';
import { FlowRegistry } from '../flows/registry.js';

const conversations = Number(process.env.CONVERSATIONS ?? 1000);
const rounds = Number(process.env.ROUNDS ?? 10);
const idleConversations = Number(process.env.IDLE ?? 100_000);

const echoFlow = defineFlow({
  name: 'echo',
  description: 'answers every message with its text',
  machine: setup({ types: flowTypes<Record<string, never>>() }).createMachine({
    context: {},
    on: { 'customer.*': { actions: reply(({ event }) => `You said: ${said(event)}`) } },
  }),
});

/** What customers of the care flow write: a question, then "yes" (resolved, survey), then two ratings. */
const CARE_SCRIPT = ['my internet is slow', 'yes', '5', '4'];

interface Run {
  readonly flow: string;
  readonly store: string;
  readonly messages: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function boot(store: Store, flow: 'echo' | 'care') {
  await store.open();
  const registry = new FlowRegistry(flow).register(echoFlow, careFlow);
  const desk = new Desk({ store, flowFor: registry.flowFor, interceptors: [] });
  const engine = new FlowEngine(desk, { flows: registry, autoTimers: false });
  await engine.start();
  return { desk, engine };
}

async function pipeline(flow: 'echo' | 'care', storeName: 'memory' | 'embedded'): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'caredesk-bench-engine-'));
  const store = storeName === 'memory' ? new MemoryStore() : new EmbeddedStore(dir);
  const { desk, engine } = await boot(store, flow);
  // The flow's answer to a message is committed as a `message.sent` event of its conversation.
  const waiting = new Map<string, () => void>();
  const byCustomer = new Map<string, string>();
  desk.bus.subscribe((e) => {
    const done = e.conversationId ? waiting.get(e.conversationId) : undefined;
    if (done) {
      waiting.delete(e.conversationId as string);
      done();
    }
  }, 'message.sent');
  const latencies: number[] = [];
  let n = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: conversations }, async (_, c) => {
      for (let r = 0; r < rounds; r++) {
        const text = flow === 'care' ? (CARE_SCRIPT[r % CARE_SCRIPT.length] as string) : `message ${r}`;
        const t0 = performance.now();
        const known = byCustomer.get(`c${c}`);
        let answered: Promise<void> | undefined;
        if (known) answered = new Promise((resolve) => waiting.set(known, resolve));
        const result = await desk.receive({
          channel: 'devchat',
          externalUserId: `c${c}`,
          channelMessageId: `m${++n}`,
          text,
        });
        if (result.status !== 'stored') continue;
        if (!known || known !== result.conversation.id) {
          // First message of a (new) conversation: wait on its id now that we know it.
          byCustomer.set(`c${c}`, result.conversation.id);
          if (known) waiting.delete(known);
          answered = new Promise((resolve) => waiting.set(result.conversation.id, resolve));
        }
        await answered;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await engine.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => Number((latencies[Math.floor(latencies.length * p)] ?? 0).toFixed(2));
  return {
    flow,
    store: storeName,
    messages: latencies.length,
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
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
async function idleMemory(): Promise<{ conversations: number; rssMb: number; liveActors: number }> {
  const { desk, engine } = await boot(new MemoryStore(), 'care');
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
  global.gc?.();
  const rssMb = Math.round(process.memoryUsage().rss / 1e6);
  const liveActors = engine.liveActors;
  await engine.stop();
  return { conversations: idleConversations, rssMb, liveActors };
}

console.log(`bench:engine — ${conversations} concurrent conversations x ${rounds} messages, closed loop`);
const runs: Run[] = [];
for (const [flow, store] of [
  ['echo', 'memory'],
  ['echo', 'embedded'],
  ['care', 'memory'],
  ['care', 'embedded'],
] as const) {
  const r = await pipeline(flow, store);
  runs.push(r);
  console.log(
    `  ${flow} flow, ${store} store: ${r.perSecond} msg/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms (${r.messages} messages)`,
  );
}
const rehydrate = await rehydration();
console.log(
  `  echo flow step: live actor ${rehydrate.liveUs} µs, rehydrated from its snapshot ${rehydrate.rehydratedUs} µs`,
);
const idle = await idleMemory();
console.log(`  ${idle.conversations} idle conversations: RSS ${idle.rssMb} MB, ${idle.liveActors} actors kept live`);

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/engine.json', import.meta.url),
  `${JSON.stringify({ bench: 'engine', date: new Date().toISOString(), conversations, rounds, runs, rehydrate, idle }, null, 2)}\n`,
);
console.log('written bench/results/engine.json');
