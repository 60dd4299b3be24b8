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
}

interface Handler {
  readonly type: string | undefined;
  readonly fn: EventHandler;
  readonly elsewhereToo: boolean;
}

export class EventBus {
  private readonly handlers = new Set<Handler>();

  /** Every event, or only those of one type. Returns the unsubscribe function. */
  subscribe(fn: EventHandler, type?: string, options: SubscribeOptions = {}): () => void {
    const entry = { type, fn, elsewhereToo: options.elsewhereToo === true };
    this.handlers.add(entry);
    return () => this.handlers.delete(entry);
  }

  publish(events: readonly DomainEvent[], origin: EventOrigin = 'here'): void {
    for (const event of events) {
      for (const h of this.handlers) {
        if (h.type !== undefined && h.type !== event.type) continue;
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
