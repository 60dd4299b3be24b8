/**
 * The live event stream as the screens see it: one connection per TUI,
 * fanned out to whoever subscribes, with the connection's state. Each time
 * the stream comes back after a drop `generation` goes up, so that screens
 * reload what they show: the server replays missed events from the last id,
 * and a reload covers what no event describes.
 */
import type { AdminClient, EventStream, LiveEvent, StreamState } from '../client.js';

export interface FeedStatus {
  readonly state: StreamState;
  readonly detail: string | undefined;
  /** Number of reconnections so far. */
  readonly generation: number;
}

export class LiveFeed {
  #status: FeedStatus = { state: 'connecting', detail: undefined, generation: 0 };
  #everLive = false;
  readonly #listeners = new Set<(event: LiveEvent) => void>();
  readonly #statusListeners = new Set<() => void>();
  #stream: EventStream | undefined;

  get status(): FeedStatus {
    return this.#status;
  }

  /** Connects through the client; call once. */
  start(client: AdminClient): this {
    this.#stream = client.events({
      onEvent: (e) => this.emit(e),
      onState: (state, detail) => this.setState(state, detail),
    });
    return this;
  }

  close(): void {
    this.#stream?.close();
    this.#stream = undefined;
  }

  subscribe(listener: (event: LiveEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onStatus(listener: () => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  emit(event: LiveEvent): void {
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // One screen's bug must not starve the others of events.
      }
    }
  }

  setState(state: StreamState, detail?: string): void {
    const comesBack = state === 'live' && this.#everLive && this.#status.state !== 'live';
    if (state === 'live') this.#everLive = true;
    this.#status = { state, detail, generation: this.#status.generation + (comesBack ? 1 : 0) };
    for (const l of this.#statusListeners) l();
  }
}
