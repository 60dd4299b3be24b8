/**
 * The typed in-process event bus. Everything live (TUI stream, metrics,
 * webhooks) subscribes here; events are published only after the store has
 * committed them, so a subscriber never sees a fact that could be lost.
 *
 * With several processes on one database, the events other processes
 * committed are published here too, marked as theirs (core/cluster): a
 * subscriber that counts what this process did (metrics) takes only its own,
 * one that shows the desk (the TUI's feed, the clockwork) asks for both.
 */
import type { DomainEvent } from './domain.js';

export type EventHandler = (event: DomainEvent) => void;

/** `here`: committed by this process; `elsewhere`: by another process of the desk. */
export type EventOrigin = 'here' | 'elsewhere';

export interface SubscribeOptions {
  /** Also the events other processes of the desk committed (default: only this process's). */
  readonly elsewhereToo?: boolean;
  /**
   * Only these types (default: every type, or the one `type` given). Saying
   * so lets the process read only those of other processes' events.
   */
  readonly types?: readonly string[];
}

interface Handler {
  readonly types: ReadonlySet<string> | undefined;
  readonly fn: EventHandler;
  readonly elsewhereToo: boolean;
}

export class EventBus {
  private readonly handlers = new Set<Handler>();
  /** What the handlers of other processes' events want (see wantedElsewhere), until one comes or goes. */
  private wanted: ReadonlySet<string> | 'all' | undefined;

  /** Every event, or only those of one type (or `options.types`). Returns the unsubscribe function. */
  subscribe(fn: EventHandler, type?: string, options: SubscribeOptions = {}): () => void {
    const types = type !== undefined ? [type] : options.types;
    const entry = { types: types && new Set(types), fn, elsewhereToo: options.elsewhereToo === true };
    this.handlers.add(entry);
    this.wanted = undefined;
    return () => {
      this.handlers.delete(entry);
      this.wanted = undefined;
    };
  }

  /**
   * The types of other processes' events some handler takes now: `all`, or
   * a set (empty: nobody here wants them, they need not even be read).
   */
  wantedElsewhere(): ReadonlySet<string> | 'all' {
    if (this.wanted) return this.wanted;
    let wanted: Set<string> | 'all' = new Set();
    for (const h of this.handlers) {
      if (!h.elsewhereToo) continue;
      if (!h.types) {
        wanted = 'all';
        break;
      }
      for (const t of h.types) wanted.add(t);
    }
    this.wanted = wanted;
    return wanted;
  }

  publish(events: readonly DomainEvent[], origin: EventOrigin = 'here'): void {
    for (const event of events) {
      for (const h of this.handlers) {
        if (h.types !== undefined && !h.types.has(event.type)) continue;
        if (origin === 'elsewhere' && !h.elsewhereToo) continue;
        try {
          h.fn(event);
        } catch {
          // A failing subscriber must not stop the others nor the pipeline that published.
        }
      }
    }
  }
}
