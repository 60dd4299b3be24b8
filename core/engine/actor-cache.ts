/**
 * Live flow actors, bounded: least recently used first out, and anything idle
 * longer than the TTL. An evicted actor costs nothing to lose: its persisted
 * snapshot in the store is the truth, and the next event rehydrates it.
 */
import type { AnyActor } from 'xstate';
import type { QuickReply } from '../domain.js';

export interface LiveActor {
  readonly actor: AnyActor;
  readonly flow: string;
  /** Effects emitted since the last step began; the engine drains it. */
  readonly effects: unknown[];
  /** The quick replies of its last committed step (as in its stored snapshot): no store read per step. */
  quickReplies: readonly QuickReply[];
  /** The stamp of the stored snapshot it is at (see PersistedFlow.stamp). */
  stamp: string | undefined;
  lastUsed: number;
}

export class ActorCache {
  private readonly live = new Map<string, LiveActor>();

  constructor(
    private readonly maxActors: number,
    private readonly idleTtlMs: number,
  ) {}

  get(conversationId: string, nowMs: number): LiveActor | undefined {
    const entry = this.live.get(conversationId);
    if (!entry) return undefined;
    // Re-inserting keeps the Map in least-recently-used order.
    this.live.delete(conversationId);
    this.live.set(conversationId, entry);
    entry.lastUsed = nowMs;
    return entry;
  }

  set(conversationId: string, entry: LiveActor): void {
    this.drop(conversationId);
    this.live.set(conversationId, entry);
    while (this.live.size > this.maxActors) {
      const oldest = this.live.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
  }

  drop(conversationId: string): void {
    const entry = this.live.get(conversationId);
    if (!entry) return;
    this.live.delete(conversationId);
    entry.actor.stop();
  }

  /** Evicts actors idle since before `nowMs - ttl`; returns how many. */
  sweep(nowMs: number): number {
    let evicted = 0;
    for (const [id, entry] of this.live) {
      // Oldest first: the first recent one means the rest are recent too.
      if (nowMs - entry.lastUsed < this.idleTtlMs) break;
      this.drop(id);
      evicted++;
    }
    return evicted;
  }

  clear(): void {
    for (const id of [...this.live.keys()]) this.drop(id);
  }

  get size(): number {
    return this.live.size;
  }
}
