/**
 * Reloads asked for by a stream of events, coalesced: the first request
 * waits `debounceMs` (a burst becomes one reload), reloads are at least
 * `minIntervalMs` apart (50 events/s must not become 50 reloads/s), one runs
 * at a time, and a request during a reload schedules one more after it.
 */
export class Reloader {
  readonly #load: () => Promise<void>;
  readonly #debounceMs: number;
  readonly #minIntervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #lastStart = 0;
  #stopped = false;

  constructor(load: () => Promise<void>, options: { debounceMs?: number; minIntervalMs?: number } = {}) {
    this.#load = load;
    this.#debounceMs = options.debounceMs ?? 150;
    this.#minIntervalMs = options.minIntervalMs ?? 1000;
  }

  request(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) return;
    const wait = Math.max(this.#debounceMs, this.#lastStart + this.#minIntervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.now();
    }, wait);
  }

  /** Reloads at once (a key press, a reconnect). */
  now(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#lastStart = Date.now();
    this.#running = this.#load()
      .catch(() => undefined)
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.request();
        }
      });
    return this.#running;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
