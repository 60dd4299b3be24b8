/**
 * How fast this machine is right now, so that figures from different days can
 * be compared. The machines are shared VMs: the same code measured 56 µs per
 * message one day and 127 µs another. Every benchmark that writes results
 * records this figure before and after its own runs (the speed also drifts
 * within a run).
 *
 * The workload is a fixed amount of the kind of work caredesk does per
 * message (JSON of a journal-like line both ways, short-lived objects, Map
 * churn with string keys, ISO timestamps); the figure is the fastest of a few
 * repetitions, in milliseconds: lower is faster. Divide a benchmark's time
 * per message by it to compare two days.
 */
import { mkdirSync, writeFileSync } from 'node:fs';

const REPETITIONS = 15;
const ITERATIONS = 4_000;

function workload(): number {
  const line = {
    conversations: [{ id: 'cnv_0', customerId: 'cus_0', mode: 'bot', tags: [] as string[], messageCount: 3 }],
    messages: Array.from({ length: 3 }, (_, i) => ({
      id: `msg_${i}`,
      text: 'Slow internet or no connection. '.repeat(4),
    })),
    events: Array.from({ length: 4 }, (_, i) => ({
      seq: i,
      type: 'message.sent',
      at: '',
      data: { outboxId: `out_${i}` },
    })),
  };
  const index = new Map<string, { at: string; n: number }>();
  let check = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const at = new Date(1_800_000_000_000 + i).toISOString();
    for (const e of line.events) e.at = at;
    const text = JSON.stringify(line);
    check += (JSON.parse(text) as typeof line).events.length + text.length;
    index.set(`k${i % 2048}`, { at, n: i });
    if (i % 3 === 0) index.delete(`k${(i + 1024) % 2048}`);
  }
  return check + index.size;
}

/** Milliseconds for the fixed workload: the fastest of REPETITIONS runs. */
export function calibrationMs(): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < REPETITIONS; r++) {
    const started = performance.now();
    workload();
    best = Math.min(best, performance.now() - started);
  }
  return Number(best.toFixed(1));
}

/** Calibrated when a benchmark starts (the first import of this module). */
const before = calibrationMs();
console.log(`machine: calibration ${before} ms (lower is faster; see bench/machine.ts)`);

/**
 * Writes bench/results/<name>.json with the machine's calibration before and
 * after the run next to the figures.
 */
export function writeResults(name: string, results: Record<string, unknown>): void {
  const after = calibrationMs();
  console.log(`machine: calibration ${after} ms after the run (${before} ms before)`);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL(`./results/${name}.json`, import.meta.url),
    `${JSON.stringify({ ...results, machine: { calibrationMsBefore: before, calibrationMsAfter: after } }, null, 2)}\n`,
  );
  console.log(`written bench/results/${name}.json`);
}
