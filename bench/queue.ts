/**
 * The human side's costs: what the HumanDesk adds to each inbound message
 * (it decides, on the message path, whether the message is the bot's),
 * listing a queue of 10,000, one SLA watcher tick over it, and KPIs.
 * Run: npm run bench:queue   (writes bench/results/queue.json)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { ManualClock } from '../core/clock.js';
import { Desk } from '../core/desk.js';
import { computeKpis } from '../core/kpi/index.js';
import { HumanDesk } from '../core/queue/index.js';
import { MemoryStore } from '../core/store/memory-store.js';

const MESSAGES = 20_000;
const QUEUED = 10_000;

async function receiveRate(withQueue: boolean): Promise<number> {
  const store = new MemoryStore();
  await store.open();
  // The human side only sees customer messages when the desk builds it (the factory).
  const desk = new Desk({
    store,
    clock: new ManualClock(),
    human: withQueue ? (d) => new HumanDesk(d) : undefined,
  });
  const started = performance.now();
  const batch: Promise<unknown>[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    batch.push(
      desk.receive({ channel: 'telegram', externalUserId: `u${i % 1000}`, channelMessageId: `m${i}`, text: 'hi' }),
    );
    if (batch.length === 1000) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  await desk.idle();
  return MESSAGES / ((performance.now() - started) / 1000);
}

async function bigQueue() {
  const store = new MemoryStore();
  await store.open();
  const clock = new ManualClock();
  let human!: HumanDesk;
  const desk = new Desk({
    store,
    clock,
    human: (d) =>
      (human = new HumanDesk(d, {
        config: {
          sla: {
            policies: [
              { name: 'p', firstResponse: '1h', nextResponse: '1h', resolution: '1d', businessHoursOnly: false },
            ],
          },
        },
      })),
  });
  for (let i = 0; i < QUEUED; i++) {
    const r = await desk.receive({
      channel: i % 2 ? 'telegram' : 'botframework',
      externalUserId: `q${i}`,
      channelMessageId: `q${i}`,
      text: 'help',
    });
    if (r.status === 'stored') await human.handoff(r.conversation.id, { priority: i % 7 === 0 ? 'high' : 'normal' });
    clock.advance(100);
  }
  const time = async (f: () => Promise<unknown>, runs = 5) => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await f();
      samples.push(performance.now() - t);
    }
    return Math.min(...samples);
  };
  const listMs = await time(() => human.listConversations({}));
  const listFilteredMs = await time(() => human.listConversations({ channel: 'telegram', breached: false }));
  const tickQuietMs = await time(() => human.sla.tick(clock.now()));
  clock.advance(50 * 60_000);
  const tickAlertingMs = await time(() => human.sla.tick(clock.now()), 1);
  const kpiMs = await time(() => computeKpis(store, { since: new Date(0), now: clock.now(), by: 'channel' }), 3);
  return { listMs, listFilteredMs, tickQuietMs, tickAlertingMs, kpiMs };
}

// Alternate and keep the best of three each, so JIT warm-up does not favour the second.
let bare = 0;
let withQueue = 0;
for (let round = 0; round < 3; round++) {
  bare = Math.max(bare, await receiveRate(false));
  withQueue = Math.max(withQueue, await receiveRate(true));
}
const queue = await bigQueue();
const results = {
  receivePerSecond: {
    bare: Math.round(bare),
    withHumanDesk: Math.round(withQueue),
    ratio: +(withQueue / bare).toFixed(3),
  },
  queueOf10000: Object.fromEntries(Object.entries(queue).map(([k, v]) => [k, +v.toFixed(1)])),
};
console.log(JSON.stringify(results, null, 2));
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/queue.json', `${JSON.stringify(results, null, 2)}\n`);
