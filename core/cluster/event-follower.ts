/**
 * Publishes on this process's bus the events the desk's other processes
 * commit, so that a supervisor connected here sees a message another process
 * took in, and this process's clockwork hears of a handoff made elsewhere.
 *
 * The store's events are numbered without gaps in the order they become
 * visible, so following them is reading after the last number seen. It reads
 * when told another process committed (the coordinator hears the database's
 * NOTIFY), and every `pollMs` besides, in case a notice was missed (the
 * connection was lost and made again). Events this process committed were
 * published by their committer at once: they are noted and skipped here.
 */
import type { DomainEvent } from '../domain.js';
import type { EventBus } from '../event-bus.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';

export interface EventFollowerOptions {
  readonly store: Store;
  readonly bus: EventBus;
  readonly logger: Logger;
  /** Reads at least this often (ms, default 2 s). */
  readonly pollMs?: number;
  /** Events per read (default 500). */
  readonly pageSize?: number;
  /**
   * Reads at most once in this long (ms, default 20): under load the
   * notices come with every commit of every process, and a read for each
   * would cost more than the events it brings; when quiet, a notice is read
   * at once.
   */
  readonly minGapMs?: number;
}

export class EventFollower {
  private cursor = 0;
  /** Numbers of the events this process published itself, above the cursor. */
  private readonly ownSeqs = new Set<number>();
  private running = false;
  private again = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  /** A read put off until the gap since the last one has passed. */
  private later: NodeJS.Timeout | undefined;
  private lastReadAt = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: EventFollowerOptions) {}

  /** Starts after the events stored now: what came before is history, not news. */
  async start(): Promise<void> {
    this.stopped = false;
    this.unsubscribe = this.options.bus.subscribe((e) => {
      if (e.seq > this.cursor) this.ownSeqs.add(e.seq);
    });
    this.cursor = await this.options.store.lastEventSeq();
    this.timer = setInterval(() => this.poke(), this.options.pollMs ?? 2_000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.later);
    this.later = undefined;
    this.unsubscribe?.();
    this.ownSeqs.clear();
  }

  /** Another process committed: read what is new (calls that come while reading make one more read). */
  poke(): void {
    if (this.stopped || this.later) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.lastReadAt + (this.options.minGapMs ?? 20) - Date.now();
    if (wait > 0) {
      this.later = setTimeout(() => {
        this.later = undefined;
        this.poke();
      }, wait);
      return;
    }
    this.running = true;
    this.lastReadAt = Date.now();
    void this.follow().finally(() => {
      this.running = false;
      // Notices that came while reading: one more read, after the gap.
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  private async follow(): Promise<void> {
    const pageSize = this.options.pageSize ?? 500;
    try {
      for (;;) {
        const page = await this.options.store.listEvents(this.cursor, pageSize);
        if (this.stopped) return;
        this.publish(page);
        if (page.length < pageSize) break;
      }
    } catch (err) {
      // The next notice or poll reads again from the same place: nothing is skipped.
      this.options.logger.debug({ err }, 'events of other processes not read yet');
    }
  }

  private publish(page: readonly DomainEvent[]): void {
    const theirs: DomainEvent[] = [];
    for (const e of page) {
      if (e.seq <= this.cursor) continue;
      this.cursor = e.seq;
      if (this.ownSeqs.delete(e.seq)) continue;
      theirs.push(e);
    }
    for (const seq of this.ownSeqs) if (seq <= this.cursor) this.ownSeqs.delete(seq);
    if (theirs.length > 0) this.options.bus.publish(theirs, 'elsewhere');
  }
}
