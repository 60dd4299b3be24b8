/** Child of bench/store.ts: opens a data directory and reports the time and memory it took. */
import { EmbeddedStore } from '../core/index.js';

const started = performance.now();
const store = new EmbeddedStore(process.argv[2] as string);
await store.open();
const openMs = Math.round(performance.now() - started);
global.gc?.();
const { rss, heapUsed } = process.memoryUsage();
await store.close();
process.stdout.write(JSON.stringify({ openMs, rssMb: Math.round(rss / 1e6), heapMb: Math.round(heapUsed / 1e6) }));
