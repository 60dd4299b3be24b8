/**
 * caredesk's CPU per customer message on the path bench:telegram takes,
 * without the network: Desk + embedded store (fsync on) + the care flow
 * (timers on) + the outbox dispatcher with a channel that accepts each reply
 * one tick later. bench:engine leaves the outbox undelivered, and
 * bench:telegram's emulator and HTTP cost most of its CPU and most of its
 * noise; this one shows what caredesk itself costs per message, delivery
 * records included.
 *
 *   npm run bench:delivery
 *   CUSTOMERS=500 ROUNDS=24 npm run bench:delivery    (many open conversations)
 *   RUNS=3 npm run bench:delivery                      (quicker, noisier)
 *
 * CUSTOMERS customers follow CARE_SCRIPT, each waiting for the whole answer
 * (every part delivered) before writing again. Each run is a fresh store;
 * the first WARMUP_RUNS runs warm the process up and are not counted. Prints
 * CPU time (user + system) per customer message of each counted run and
 * their median. Writes bench/results/delivery.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Desk, EmbeddedStore, FlowEngine, OutboxDelivery } from '../core/index.js';
import { defaultRegistry } from '../flows/registry.js';
import { CARE_SCRIPT } from './care-desk.js';
import { writeResults } from './machine.js';
import { median } from './stats.js';

const customers = Number(process.env.CUSTOMERS ?? 50);
const rounds = Number(process.env.ROUNDS ?? 80);
const runs = Number(process.env.RUNS ?? 6);
const warmupRuns = Number(process.env.WARMUP_RUNS ?? 2);
/** Messages of each script line's answer (the care flow's: acknowledgement + article, thanks + CSAT question, …). */
const ANSWER_PARTS = [2, 2, 1, 1] as const;

/** CPU microseconds per customer message of one run, over `rounds` messages per customer after a warm-up round. */
async function run(userBase: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'caredesk-bench-delivery-'));
  const store = new EmbeddedStore(dir);
  await store.open();
  const flows = defaultRegistry();
  let engine!: FlowEngine;
  const desk = new Desk({ store, flowFor: flows.flowFor, engine: (d) => (engine = new FlowEngine(d, { flows })) });
  await engine.start();
  /** Per customer (their chat id): parts of the answer still to be delivered. */
  const waiting = new Map<string, { left: number; done: () => void }>();
  const dispatcher = new OutboxDelivery(desk, [
    {
      channel: 'telegram',
      send: async (entry) => {
        await new Promise((r) => setImmediate(r));
        const w = waiting.get(entry.recipient);
        if (w && --w.left === 0) {
          waiting.delete(entry.recipient);
          w.done();
        }
        return { ok: true as const, channelMessageId: `msg:${entry.recipient}:1` };
      },
    },
  ]);
  dispatcher.start();
  let n = 0;
  const talk = (from: number, count: number) =>
    Promise.all(
      Array.from({ length: customers }, async (_, c) => {
        const chat = String(userBase + c);
        for (let m = from; m < from + count; m++) {
          const answered = new Promise<void>((done) =>
            waiting.set(chat, { left: ANSWER_PARTS[m % ANSWER_PARTS.length] as number, done }),
          );
          const text = CARE_SCRIPT[m % CARE_SCRIPT.length] as string;
          await desk.receive({ channel: 'telegram', externalUserId: chat, channelMessageId: `u${++n}`, text });
          await answered;
        }
      }),
    );
  // Two rounds of the script first: every customer has a case, the journal its first lines.
  await talk(0, 2 * CARE_SCRIPT.length);
  const cpu = process.cpuUsage();
  await talk(2 * CARE_SCRIPT.length, rounds);
  const used = process.cpuUsage(cpu);
  await dispatcher.stop();
  await engine.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return Math.round((used.user + used.system) / (customers * rounds));
}

const perMessage: number[] = [];
for (let i = 0; i < runs; i++) {
  const us = await run(i * 1_000_000);
  if (i >= warmupRuns) perMessage.push(us);
}
const middle = median(perMessage, 0);
console.log(
  `bench:delivery — ${customers} customers x ${rounds} messages, care flow, embedded store, replies delivered: CPU ${middle} µs/msg (median; runs ${perMessage.join(', ')})`,
);
writeResults('delivery', {
  bench: 'delivery',
  date: new Date().toISOString(),
  customers,
  rounds,
  perMessage,
  median: middle,
});
