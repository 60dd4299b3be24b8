/**
 * Stored events for one reader, in `seq` order, from a given position on,
 * with no gap and no repeat across the switch from replay to live.
 *
 * It subscribes to the bus first and buffers what arrives, then reads the
 * store from the position, then drains the buffer skipping what it already
 * sent. The store is the truth: the bus only says "there is more" and saves a
 * read in the common case. Two things make that necessary:
 * - publishers publish after their commit resolves, so two commits finishing
 *   together can be published out of order (seq 8 before 7): a hole in the
 *   buffer is filled from the store, never skipped;
 * - a slow reader's buffer is bounded: past the bound it is dropped and the
 *   reader catches up from the store.
 */
import type { DomainEvent, EventBus, Store } from '../../core/index.js';

export interface EventFeedOptions {
  readonly store: Store;
  readonly bus: EventBus;
  /** Deliver events with a greater `seq`. */
  readonly after: number;
  /** Delivers one event; resolves when the reader can take the next. */
  readonly send: (event: DomainEvent) => Promise<void>;
  /** Reading or sending failed: the feed has stopped. */
  readonly onError: (err: unknown) => void;
  /** Events per store read (default 500). */
  readonly pageSize?: number;
  /** Live events held for a slow reader before falling back to the store (default 10,000). */
  readonly maxBuffered?: number;
}

/** Store reads that find a hole still open before the feed stops waiting for it (20 ms apart). */
const MAX_STALLS = 50;

export class EventFeed {
  private lastSent: number;
  private readonly buffer = new Map<number, DomainEvent>();
  /** The store has events the buffer does not: the replay at the start, or after an overflow. */
  private mustRead = true;
  private running = false;
  private again = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: EventFeedOptions) {
    this.lastSent = options.after;
  }

  /** The `seq` of the last event delivered. */
  get position(): number {
    return this.lastSent;
  }

  start(): void {
    this.unsubscribe = this.options.bus.subscribe((e) => this.onLive(e), undefined, { elsewhereToo: true });
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.buffer.clear();
  }

  private onLive(e: DomainEvent): void {
    if (this.stopped || e.seq <= this.lastSent) return;
    if (this.buffer.size >= (this.options.maxBuffered ?? 10_000)) {
      this.buffer.clear();
      this.mustRead = true;
    } else {
      this.buffer.set(e.seq, e);
    }
    this.kick();
  }

  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.catchUp();
      } while (this.again && !this.stopped);
    } catch (err) {
      this.stop();
      this.options.onError(err);
    } finally {
      this.running = false;
    }
  }

  private async catchUp(): Promise<void> {
    const pageSize = this.options.pageSize ?? 500;
    let stalls = 0;
    while (!this.stopped) {
      await this.sendBuffered();
      if (!this.mustRead && this.buffer.size === 0) return;
      const page = await this.options.store.listEvents(this.lastSent, pageSize);
      for (const e of page) await this.deliver(e);
      if (page.length === pageSize) continue;
      this.mustRead = false;
      await this.sendBuffered();
      if (this.buffer.size === 0 || page.length > 0) continue;
      // A later event was published but the store does not show the one before it yet.
      // Both stores make it visible before its successor is published; a store that
      // does not is waited for a while, and then the hole is given up rather than the stream.
      if (++stalls > MAX_STALLS) {
        await this.sendBuffered(true);
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Buffered events that follow on from the last one sent (with `acrossHoles`,
   * all of them in order). Every buffered `seq` is above the last one sent:
   * `deliver` removes what it sends, and `onLive` takes nothing older.
   */
  private async sendBuffered(acrossHoles = false): Promise<void> {
    while (!this.stopped && this.buffer.size > 0) {
      const next = this.buffer.get(this.lastSent + 1);
      if (next) {
        await this.deliver(next);
        continue;
      }
      if (!acrossHoles) return;
      await this.deliver(this.buffer.get(Math.min(...this.buffer.keys()))!);
    }
  }

  private async deliver(e: DomainEvent): Promise<void> {
    if (this.stopped || e.seq <= this.lastSent) return;
    this.lastSent = e.seq;
    this.buffer.delete(e.seq);
    await this.options.send(e);
  }
}
