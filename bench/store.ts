/**
 * The embedded store's write cost as history grows (DESIGN.md: appending the
 * millionth message costs at most 2x the ten-thousandth), what opening a
 * store of 100,000 conversations costs, and how long a checkpoint of it holds
 * the event loop (every conversation waits that long).
 *
 *   npm run bench:store            full run (10k / 100k / 1M messages)
 *   BENCH_SCALE=0.1 npm run bench:store   a quick run (1k / 10k / 100k)
 *
 * Appends are measured the way ingest writes: one message + one event per
 * commit, fsync on, 64 commits in flight (group commit), spread over 1,000
 * conversations. History is prefilled with large batches between windows.
 * Writes bench/results/store.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Desk, EmbeddedStore, type Message } from '../core/index.js';
import { writeResults } from './machine.js';
import { median } from './stats.js';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const sizes = [10_000, 100_000, 1_000_000].map((n) => Math.round(n * scale));
const windowSize = Math.max(2_000, Math.round(20_000 * Math.min(1, scale * 2)));
const inFlight = 64;
const conversationsForStartup = Math.round(100_000 * scale);

const root = mkdtempSync(join(tmpdir(), 'caredesk-bench-store-'));
const at = new Date().toISOString();
const message = (i: number): Message => ({
  id: `msg_${i}`,
  conversationId: `cnv_${i % 1000}`,
  customerId: `cus_${i % 1000}`,
  channel: 'telegram',
  direction: 'inbound',
  author: 'customer',
  text: `My internet has been slow since yesterday evening, message ${i}`,
  attachments: [],
  channelMessageId: `u${i}`,
  internal: false,
  createdAt: at,
});

interface Window {
  readonly storedBefore: number;
  readonly appendsPerSecond: number;
  readonly meanCostUs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function prefill(store: EmbeddedStore, from: number, to: number): Promise<void> {
  const batch = 2_000;
  for (let i = from; i < to; i += batch) {
    const messages = Array.from({ length: Math.min(batch, to - i) }, (_, k) => message(i + k));
    await store.commit({ messages });
  }
}

async function measureWindow(store: EmbeddedStore, from: number): Promise<Window> {
  const latencies: number[] = [];
  let next = from;
  const end = from + windowSize;
  const started = performance.now();
  async function lane(): Promise<void> {
    while (next < end) {
      const i = next++;
      const t0 = performance.now();
      await store.commit({
        messages: [message(i)],
        events: [{ type: 'message.received', at, conversationId: `cnv_${i % 1000}`, data: { i } }],
      });
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => Number((latencies[Math.floor(latencies.length * p)] ?? 0).toFixed(3));
  return {
    storedBefore: from,
    appendsPerSecond: Math.round(windowSize / seconds),
    meanCostUs: Number(((seconds * 1e6) / windowSize).toFixed(1)),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
  };
}

async function appendGrowth(): Promise<Window[]> {
  const checkpointMb = Number(process.env.BENCH_CHECKPOINT_MB ?? '0');
  const store = new EmbeddedStore(
    join(root, 'append'),
    checkpointMb > 0 ? { checkpointBytes: checkpointMb * 2 ** 20 } : {},
  );
  await store.open();
  const windows: Window[] = [];
  let stored = 0;
  for (const size of sizes) {
    await prefill(store, stored, size);
    stored = size;
    const w = await measureWindow(store, stored);
    stored += windowSize;
    windows.push(w);
    console.log(
      `  ${String(w.storedBefore).padStart(9)} stored: ${w.appendsPerSecond} appends/s, ${w.meanCostUs} µs/append, p50 ${w.p50Ms} ms, p99 ${w.p99Ms} ms`,
    );
  }
  await store.close();
  return windows;
}

/** 100k customers and conversations through the real Desk: 3 messages each, 90% resolved. */
async function fillConversations(dir: string): Promise<void> {
  const store = new EmbeddedStore(dir, { fsync: false });
  await store.open();
  const desk = new Desk({ store });
  const wave = 500;
  for (let i = 0; i < conversationsForStartup; i += wave) {
    const ids = Array.from({ length: Math.min(wave, conversationsForStartup - i) }, (_, k) => i + k);
    for (let m = 0; m < 3; m++) {
      await Promise.all(
        ids.map((j) =>
          desk.receive({ channel: 'telegram', externalUserId: `u${j}`, channelMessageId: `m${j}-${m}`, text: 'hi' }),
        ),
      );
    }
    const resolved = [];
    for (const j of ids) {
      if (j % 10 === 0) continue;
      const c = await store.findCustomerByIdentity('telegram', `u${j}`);
      const open = c && (await store.findOpenConversation(c.id));
      if (open) resolved.push({ ...open, mode: 'resolved' as const, resolvedAt: at });
    }
    await store.commit({ conversations: resolved });
  }
  await store.close();
}

/** Opens the store in a fresh process: time to open and RSS once open. */
interface Opened {
  readonly openMs: number;
  readonly rssMb: number;
  readonly heapMb: number;
  /** Checkpoints written once open: the longest event-loop turn during each, and its time. */
  readonly checkpoints: readonly { readonly longestTurnMs: number; readonly totalMs: number }[];
}

function openInChild(dir: string): Promise<Opened> {
  const script = fileURLToPath(new URL('./store-open.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
  });
}

console.log(`bench:store (scale ${scale}), data in ${root}`);
console.log(`append cost as history grows (window of ${windowSize} appends, ${inFlight} in flight, fsync on):`);
const windows = await appendGrowth();
const first = windows[0] as Window;
const last = windows[windows.length - 1] as Window;
const costRatio = Number((last.meanCostUs / first.meanCostUs).toFixed(2));
console.log(`  cost ratio ${last.storedBefore} / ${first.storedBefore}: ${costRatio} (target <= 2)`);
rmSync(join(root, 'append'), { recursive: true, force: true });

console.log(`opening a store of ${conversationsForStartup} conversations (3 messages each, 90% resolved):`);
const startupDir = join(root, 'startup');
await fillConversations(startupDir);
const opens = [];
for (let i = 0; i < 3; i++) opens.push(await openInChild(startupDir));
opens.sort((a, b) => a.openMs - b.openMs);
const open = opens[1] as (typeof opens)[number];
console.log(`  open ${open.openMs} ms (median of 3), RSS ${open.rssMb} MB, heap ${open.heapMb} MB`);
const turns = opens.flatMap((o) => o.checkpoints.map((c) => c.longestTurnMs)).sort((a, b) => a - b);
const totals = opens.flatMap((o) => o.checkpoints.map((c) => c.totalMs)).sort((a, b) => a - b);
console.log(
  `  a checkpoint of it, written while open: the event loop waits at most ${median(turns, 0)} ms (median; ${turns[0]}-${turns.at(-1)}), ${median(totals, 0)} ms in all`,
);
rmSync(root, { recursive: true, force: true });

const results = {
  bench: 'store',
  date: new Date().toISOString(),
  scale,
  appendWindows: windows,
  costRatio,
  startup: { conversations: conversationsForStartup, ...open },
  checkpoint: { longestTurnMs: median(turns, 0), totalMs: median(totals, 0), turns, totals },
};
writeResults('store', results);
