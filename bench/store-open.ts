/**
 * Child of bench/store.ts: opens a data directory and reports the time and
 * memory it took, then writes CHECKPOINTS checkpoints of it and reports the
 * longest the event loop waited during each (a conversation's step waits as
 * long) and how long each took.
 */
import { EmbeddedStore } from '../core/index.js';

const started = performance.now();
const store = new EmbeddedStore(process.argv[2] as string);
await store.open();
const openMs = Math.round(performance.now() - started);
global.gc?.();
const { rss, heapUsed } = process.memoryUsage();
const checkpoints: { longestTurnMs: number; totalMs: number }[] = [];
for (let i = 0; i < Number(process.env.CHECKPOINTS ?? 3); i++) {
  let done = false;
  const t0 = performance.now();
  const written = store.checkpoint().then(() => {
    done = true;
  });
  let longest = 0;
  for (let last = performance.now(); !done; ) {
    await new Promise((r) => setImmediate(r));
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }
  await written;
  checkpoints.push({ longestTurnMs: Math.round(longest), totalMs: Math.round(performance.now() - t0) });
}
await store.close();
process.stdout.write(
  JSON.stringify({ openMs, rssMb: Math.round(rss / 1e6), heapMb: Math.round(heapUsed / 1e6), checkpoints }),
);
