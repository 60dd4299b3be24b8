/**
 * The least a pipeline step can cost on this machine: the two parts every
 * message must go through, each measured alone, with nothing else around.
 *
 * - the flow step: the XState actor (one per case, created at its first
 *   message) takes the event and gives its persisted snapshot, as the engine
 *   does, with no store, no ingest, no planning;
 * - the store commit: the very batches a real run of the pipeline wrote
 *   (recorded from it), committed again into an empty store with 1,000 in
 *   flight, so group commit batches them as it would.
 *
 * Their sum is a floor under the pipeline's µs per message: the budget of
 * 20,000 msg/s on one core leaves 50 µs for everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyStateMachine, createActor } from 'xstate';
import {
  EmbeddedStore,
  type FlowEvent,
  MemoryStore,
  matchQuickReply,
  type QuickReply,
  type Store,
  type WriteBatch,
} from '../core/index.js';

const WAIT = { minutes: 3, queueLength: 0, open: true } as const;

/** µs per message of the flow's actor alone, `cases` cases of `script` each. */
export function flowStepAlone(machine: AnyStateMachine, script: readonly string[], cases: number): number {
  const started = performance.now();
  for (let c = 0; c < cases; c++) {
    const conversationId = `cnv_floor${c}`;
    const actor = createActor(machine, { input: { conversationId, channel: 'devchat', language: 'en' } });
    let offered: readonly QuickReply[] = [];
    actor.on('*', (e: { type: string; quickReplies?: readonly QuickReply[] }) => {
      if (e.type === 'reply') offered = e.quickReplies ?? [];
    });
    actor.subscribe({ error: () => undefined });
    actor.start();
    for (const text of script) {
      const env = { now: new Date().toISOString(), conversationId, channel: 'devchat', wait: WAIT };
      const chosen = matchQuickReply(text, offered);
      const event: FlowEvent = chosen
        ? { type: 'customer.action', value: chosen.value, env }
        : { type: 'customer.message', text, attachments: [], env };
      actor.send(event);
      actor.getPersistedSnapshot();
    }
    actor.stop();
  }
  return ((performance.now() - started) * 1000) / (cases * script.length);
}

/** A memory store that keeps a copy of every batch committed to it. */
export function recordingStore(): { store: Store; batches: WriteBatch[] } {
  const inner = new MemoryStore();
  const batches: WriteBatch[] = [];
  const store = new Proxy(inner, {
    get(target, name) {
      if (name === 'commit') {
        return (batch: WriteBatch) => {
          batches.push(structuredClone(batch));
          return target.commit(batch);
        };
      }
      const value = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, batches };
}

/** µs per commit of `batches` into a new, empty store of the kind named, 1,000 in flight. */
export async function commitAlone(kind: 'memory' | 'embedded', batches: readonly WriteBatch[]): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'caredesk-bench-floor-'));
  const store = kind === 'memory' ? new MemoryStore() : new EmbeddedStore(dir);
  await store.open();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 1000 }, async () => {
      // Taken in order: each batch is committed after the ones it builds on.
      while (next < batches.length) await store.commit(batches[next++] as WriteBatch);
    }),
  );
  const us = ((performance.now() - started) * 1000) / batches.length;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return us;
}
