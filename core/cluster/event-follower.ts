/**
 * Publishes on this process's bus the events the desk's other processes
 * commit, so that a supervisor connected here sees a message another process
 * took in, and this process's clockwork hears of a handoff made elsewhere.
 *
 * The store's events are numbered without gaps in the order they become
 * visible, and each commit's announcement (the coordinator hears the
 * database's NOTIFY) says which numbers it took. So the follower reads exactly
 * the other processes' events: its own were published by their committer at
 * once and are never read back. Where a notice was missed (the connection was
 * lost and made again), it reads everything after the last number it is sure
 * of, skipping its own; every `pollMs` it looks for such a gap.
 */
import type { DomainEvent } from '../domain.js';
import type { EventBus } from '../event-bus.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { CommitNews } from './coordination.js';

export interface EventFollowerOptions {
  readonly store: Store;
  readonly bus: EventBus;
  readonly logger: Logger;
  /** Looks for a gap this often (ms, default 2 s). */
  readonly pollMs?: number;
  /** Events per read of everything after the cursor (default 500). */
  readonly pageSize?: number;
  /**
   * Reads at most once in this long (ms, default 50): under load the notices
   * come with every commit of every process, and a read for each would cost
   * more than the events it brings; when quiet, a notice is read at once.
   */
  readonly minGapMs?: number;
}

interface Range {
  readonly after: number;
  readonly upTo: number;
}

export class EventFollower {
  /** Every event up to this number is published here (by its committer, or by this follower). */
  private cursor = 0;
  /** Numbers above the cursor already dealt with: this process's own events, and others' read. */
  private readonly done = new Set<number>();
  /** Other processes' events announced and not read yet, in order. */
  private theirs: Range[] = [];
  /** Everything after the cursor must be read (a reconnection, or a gap that did not close). */
  private full = false;
  /** The store's last number at the previous look for a gap: the cursor should have passed it since. */
  private expected = 0;
  private running = false;
  private again = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  /** A read put off until the gap since the last one has passed. */
  private later: NodeJS.Timeout | undefined;
  private lastReadAt = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: EventFollowerOptions) {}

  /** Every event up to this number is published here or was passed over. */
  get position(): number {
    return this.cursor;
  }

  /** Starts after the events stored now: what came before is history, not news. */
  async start(): Promise<void> {
    this.stopped = false;
    // This process's own events (the bus gives a plain subscriber only those).
    this.unsubscribe = this.options.bus.subscribe((e) => this.dealtWith(e.seq));
    this.cursor = await this.options.store.lastEventSeq();
    this.expected = this.cursor;
    this.advance();
    this.timer = setInterval(() => void this.lookForGap(), this.options.pollMs ?? 2_000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.later);
    this.later = undefined;
    this.unsubscribe?.();
    this.done.clear();
    this.theirs = [];
  }

  /** A commit was announced (the desk's, this process's own included), in commit order. */
  heard(news: CommitNews): void {
    if (this.stopped || news.own || !news.events) return;
    const { after, count } = news.events;
    if (after + count <= this.cursor) return;
    // Nobody here takes other processes' events: their numbers are passed over without a read.
    const wanted = this.options.bus.wantedElsewhere();
    if (wanted !== 'all' && wanted.size === 0 && this.theirs.length === 0 && !this.full) {
      for (let seq = after + 1; seq <= after + count; seq++) this.dealtWith(seq);
      return;
    }
    this.theirs.push({ after, upTo: after + count });
    this.poke();
  }

  /** Notices may have been missed (the coordination connection is back): read everything after the cursor. */
  catchUp(): void {
    this.full = true;
    this.poke();
  }

  /** Reads what is due (calls that come while reading make one more read, after the gap). */
  private poke(): void {
    if (this.stopped || this.later) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.lastReadAt + (this.options.minGapMs ?? 50) - Date.now();
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
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  private async follow(): Promise<void> {
    try {
      if (this.full) {
        this.full = false;
        await this.readAll();
      } else if (this.theirs.length > 0) {
        await this.readAnnounced();
      }
    } catch (err) {
      // What was not read is read on the next notice or look for a gap: nothing is skipped.
      this.full = true;
      this.options.logger.debug({ err }, 'events of other processes not read yet');
    }
  }

  /** Exactly the numbers other processes announced. */
  private async readAnnounced(): Promise<void> {
    const { store } = this.options;
    if (!store.listEventsIn) {
      await this.readAll();
      return;
    }
    const ranges = this.theirs;
    this.theirs = [];
    // Only the types some handler here takes (none: nothing to read, the numbers are only passed).
    const wanted = this.options.bus.wantedElsewhere();
    if (wanted === 'all' || wanted.size > 0) {
      const events = await store.listEventsIn(ranges, wanted === 'all' ? undefined : [...wanted]);
      if (this.stopped) return;
      this.publish(events);
    }
    for (const r of ranges) for (let seq = r.after + 1; seq <= r.upTo; seq++) this.dealtWith(seq);
  }

  /** Everything after the cursor, skipping what this process published itself. */
  private async readAll(): Promise<void> {
    const pageSize = this.options.pageSize ?? 500;
    for (;;) {
      const page = await this.options.store.listEvents(this.cursor, pageSize);
      if (this.stopped) return;
      this.publish(page);
      const last = page[page.length - 1];
      if (last) this.jumpTo(last.seq);
      if (page.length < pageSize) break;
    }
  }

  private publish(events: readonly DomainEvent[]): void {
    const theirs = events.filter((e) => e.seq > this.cursor && !this.done.has(e.seq));
    if (theirs.length > 0) this.options.bus.publish(theirs, 'elsewhere');
  }

  private dealtWith(seq: number): void {
    if (seq <= this.cursor) return;
    this.done.add(seq);
    this.advance();
  }

  /** Everything up to `seq` is dealt with (a read of all of it). */
  private jumpTo(seq: number): void {
    if (seq <= this.cursor) return;
    this.cursor = seq;
    for (const s of this.done) if (s <= seq) this.done.delete(s);
    this.theirs = this.theirs.filter((r) => r.upTo > seq);
    this.advance();
  }

  private advance(): void {
    while (this.done.delete(this.cursor + 1)) this.cursor += 1;
  }

  /**
   * The cursor should have passed the store's last number of the previous
   * look: if not, an announcement was missed (or its events never reached
   * this bus), and everything after the cursor is read.
   */
  private async lookForGap(): Promise<void> {
    if (this.stopped) return;
    if (this.cursor < this.expected) this.catchUp();
    try {
      this.expected = await this.options.store.lastEventSeq();
    } catch {
      // The database is away: looked for again at the next poll.
    }
  }
}
