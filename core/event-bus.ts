/**
 * The typed in-process event bus. Everything live (TUI stream, metrics,
 * webhooks) subscribes here; events are published only after the store has
 * committed them, so a subscriber never sees a fact that could be lost.
 */
import type { DomainEvent } from './domain.js';

export type EventHandler = (event: DomainEvent) => void;

export class EventBus {
  private readonly handlers = new Set<{ type: string | undefined; fn: EventHandler }>();

  /** Every event, or only those of one type. Returns the unsubscribe function. */
  subscribe(fn: EventHandler, type?: string): () => void {
    const entry = { type, fn };
    this.handlers.add(entry);
    return () => this.handlers.delete(entry);
  }

  publish(events: readonly DomainEvent[]): void {
    for (const event of events) {
      for (const h of this.handlers) {
        if (h.type !== undefined && h.type !== event.type) continue;
        try {
          h.fn(event);
        } catch {
          // A failing subscriber must not stop the others nor the pipeline that published.
        }
      }
    }
  }
}
