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
   * The earliest deadline, kept as timers come and go (`null`: not known,
   * found again by the next `next()`): the engine asks after every step,
   * and a scan of every open conversation's timers each time grows with them.
   */
  private earliest: number | undefined | null = undefined;

  put(timer: FlowTimer): void {
    let named = this.byConversation.get(timer.conversationId);
    if (!named) {
      named = new Map();
      this.byConversation.set(timer.conversationId, named);
    }
    const replaced = named.get(timer.name);
    if (!replaced) this.count++;
    named.set(timer.name, timer);
    if (replaced && Date.parse(replaced.dueAt) === this.earliest) this.earliest = null;
    else if (this.earliest !== null) {
      const at = Date.parse(timer.dueAt);
      if (this.earliest === undefined || at < this.earliest) this.earliest = at;
    }
  }

  remove(conversationId: string, name: string): void {
    const named = this.byConversation.get(conversationId);
    const timer = named?.get(name);
    if (!named || !timer) return;
    named.delete(name);
    this.count--;
    if (Date.parse(timer.dueAt) === this.earliest) this.earliest = null;
    if (named.size === 0) this.byConversation.delete(conversationId);
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
    if (this.earliest !== null) return this.earliest;
    let min: number | undefined;
    for (const named of this.byConversation.values()) {
      for (const t of named.values()) {
        const at = Date.parse(t.dueAt);
        if (min === undefined || at < min) min = at;
      }
    }
    this.earliest = min;
    return min;
  }

  get size(): number {
    return this.count;
  }
}
