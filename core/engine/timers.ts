/**
 * Flow timers that survive a restart. XState's `after` lives only in the
 * running actor's scheduler and is lost on restore, so flows ask the engine
 * (a `timer.set` effect) and the engine keeps each deadline as a store record,
 * written in the same commit as the step that set it, and re-armed at start.
 */
export const TIMER_COLLECTION = 'flow-timers';

export interface FlowTimer {
  readonly conversationId: string;
  readonly name: string;
  /** ISO timestamp. */
  readonly dueAt: string;
}

export const timerId = (conversationId: string, name: string): string => `${conversationId}:${name}`;

export function isFlowTimer(value: unknown): value is FlowTimer {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.conversationId === 'string' && typeof v.name === 'string' && typeof v.dueAt === 'string';
}

/** Pending timers in memory, mirrored from the store, indexed by conversation. */
export class TimerTable {
  private readonly byConversation = new Map<string, Map<string, FlowTimer>>();
  private count = 0;
  /**
   * Every timer put, earliest deadline first (a binary heap): the engine asks
   * for the earliest after every step, and a step usually moves its own
   * timer, so a scan of every open conversation's timers would run each time.
   * A timer replaced or removed stays in the heap until it reaches the top
   * (or the heap is rebuilt), and is dropped there.
   */
  private heap: Array<{ readonly at: number; readonly timer: FlowTimer }> = [];

  put(timer: FlowTimer): void {
    let named = this.byConversation.get(timer.conversationId);
    if (!named) {
      named = new Map();
      this.byConversation.set(timer.conversationId, named);
    }
    if (!named.has(timer.name)) this.count++;
    named.set(timer.name, timer);
    // Mostly stale entries: rebuilt from the live timers, so the heap stays within a few times their number.
    if (this.heap.length > 2 * this.count + 64) this.rebuild();
    else this.push({ at: Date.parse(timer.dueAt), timer });
  }

  remove(conversationId: string, name: string): void {
    const named = this.byConversation.get(conversationId);
    if (!named?.has(name)) return;
    named.delete(name);
    this.count--;
    if (named.size === 0) this.byConversation.delete(conversationId);
  }

  /** Forgets every timer (before reading them all again from the store). */
  clear(): void {
    this.byConversation.clear();
    this.heap = [];
    this.count = 0;
  }

  /** Whether `timer` is still the one pending under its name (not replaced nor removed since it was listed). */
  isPending(timer: FlowTimer): boolean {
    return this.byConversation.get(timer.conversationId)?.get(timer.name) === timer;
  }

  ofConversation(conversationId: string): FlowTimer[] {
    return [...(this.byConversation.get(conversationId)?.values() ?? [])];
  }

  /** Timers whose deadline is at or before `nowMs`, earliest first. */
  due(nowMs: number): FlowTimer[] {
    const out: FlowTimer[] = [];
    for (const named of this.byConversation.values()) {
      for (const t of named.values()) if (Date.parse(t.dueAt) <= nowMs) out.push(t);
    }
    return out.sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  }

  /** The earliest deadline, in ms since the epoch. */
  next(): number | undefined {
    for (let top = this.heap[0]; top !== undefined; top = this.heap[0]) {
      if (this.byConversation.get(top.timer.conversationId)?.get(top.timer.name) === top.timer) return top.at;
      this.pop();
    }
    return undefined;
  }

  get size(): number {
    return this.count;
  }

  private rebuild(): void {
    const heap = this.heap;
    heap.length = 0;
    for (const named of this.byConversation.values()) {
      for (const timer of named.values()) heap.push({ at: Date.parse(timer.dueAt), timer });
    }
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private push(entry: { readonly at: number; readonly timer: FlowTimer }): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent] as typeof entry;
      if (above.at <= entry.at) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private siftDown(from: number): void {
    const heap = this.heap;
    const entry = heap[from] as (typeof heap)[number];
    let i = from;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= heap.length) break;
      const right = heap[child + 1];
      if (right !== undefined && right.at < (heap[child] as typeof entry).at) child++;
      const below = heap[child] as typeof entry;
      if (below.at >= entry.at) break;
      heap[i] = below;
      i = child;
    }
    heap[i] = entry;
  }
}
