/**
 * What a caredesk process needs to act as one desk with the others on the
 * same store: key locks held across processes, the duties only one process
 * does at a time (long polling Telegram, delivering the outbox, firing
 * timers), and news of what the others did. The PostgreSQL store coordinates
 * through its database (core/store/postgres/coordinator.ts); a store of one
 * process (embedded, memory) has nobody to coordinate with: SoloCoordination.
 */
import { KeyedMutex, type Locks } from '../util/keyed-mutex.js';

export interface CommitNews {
  /** This process made the commit (its events are published already). */
  readonly own: boolean;
  /** Replies the commit queued (the process that made the commit delivers them). */
  readonly outbox: number;
  /** The commit's events, numbered after `after` (absent: none, or not said). */
  readonly events?: { readonly after: number; readonly count: number };
}

export interface CoordinationEvents {
  /** A commit of the desk's, this process's own included, in commit order. */
  commit?(news: CommitNews): void;
  /** A live signal from another process (see announce). */
  live?(payload: unknown): void;
  /** The coordination connection is back after a loss: news may have been missed. */
  reconnected?(): void;
  /** This process now holds the duties. */
  dutiesTaken?(): void;
  /** This process no longer holds the duties (its connection was lost, or it stops). */
  dutiesLost?(): void;
}

export interface Coordination extends Locks {
  /** This process's name among the desk's (CAREDESK_PROCESS_NAME, default host:pid). */
  readonly processName: string;
  /** Whether other processes may share the store. */
  readonly shared: boolean;
  /** Whether this process holds the duties now. */
  readonly hasDuties: boolean;
  start(events: CoordinationEvents): Promise<void>;
  /** Takes the duties as soon as no other process holds them (at once, alone). */
  seekDuties(): void;
  /** Gives the duties up, so that another process takes them at once. */
  releaseDuties(): Promise<void>;
  /** Tells the other processes something live (small JSON). */
  announce(payload: unknown): Promise<void>;
  /** The names of the desk's processes connected now, this one included. */
  processes(): Promise<string[]>;
  close(): Promise<void>;
}

/** One process alone on its store: local locks, the duties always its own, nobody to tell. */
export class SoloCoordination implements Coordination {
  readonly shared = false;
  private readonly locks = new KeyedMutex();
  private held = false;
  private events: CoordinationEvents = {};

  constructor(readonly processName: string) {}

  get hasDuties(): boolean {
    return this.held;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.locks.run(key, task);
  }

  async start(events: CoordinationEvents): Promise<void> {
    this.events = events;
  }

  seekDuties(): void {
    if (this.held) return;
    this.held = true;
    this.events.dutiesTaken?.();
  }

  async releaseDuties(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    this.events.dutiesLost?.();
  }

  async announce(): Promise<void> {}

  async processes(): Promise<string[]> {
    return [this.processName];
  }

  async close(): Promise<void> {
    await this.releaseDuties();
  }
}
