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

  put(timer: FlowTimer): void {
    let named = this.byConversation.get(timer.conversationId);
    if (!named) {
      named = new Map();
      this.byConversation.set(timer.conversationId, named);
    }
    if (!named.has(timer.name)) this.count++;
    named.set(timer.name, timer);
  }

  remove(conversationId: string, name: string): void {
    const named = this.byConversation.get(conversationId);
    if (!named?.delete(name)) return;
    this.count--;
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
    let min: number | undefined;
    for (const named of this.byConversation.values()) {
      for (const t of named.values()) {
        const at = Date.parse(t.dueAt);
        if (min === undefined || at < min) min = at;
      }
    }
    return min;
  }

  get size(): number {
    return this.count;
  }
}
