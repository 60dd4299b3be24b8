/**
 * With several processes on one database, the replies reach the process
 * delivering the outbox in the order they were committed, whichever process
 * committed them: every commit is announced (a NOTIFY, delivered in commit
 * order) with the ids of the replies it queued, and this feed hands them to
 * the deliverer in that order. Its own process's entries are at hand (the
 * outbox signal gave them); the others' are read by id. So one chat's replies
 * keep their order even when its customer's messages were taken by different
 * processes, and the deliverer never lists the whole outbox to find what is
 * new (an announcement too long for its ids, or a missed one, still does).
 */
import type { OutboxEntry } from '../domain.js';
import type { Logger } from '../logger.js';
import type { OutboxKick } from '../pipeline.js';
import type { Store } from '../store/store.js';
import type { CommitNews } from './coordination.js';

/** Entries of this process kept for their announcement; past this, forgotten (they are read back instead). */
const MAX_AT_HAND = 10_000;

export class SharedOutboxFeed {
  private readonly atHand = new Map<string, OutboxEntry>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly deliverer: OutboxKick,
    private readonly logger: Logger,
  ) {}

  /** This process committed `entries` (none: look at the whole outbox). */
  committed(entries?: readonly OutboxEntry[]): void {
    if (!entries) {
      this.after(async () => this.deliverer.kick());
      return;
    }
    if (this.atHand.size + entries.length > MAX_AT_HAND) this.atHand.clear();
    for (const e of entries) this.atHand.set(e.id, e);
  }

  /** A commit of the desk's was announced; call in the order announcements come. */
  announced(news: CommitNews): void {
    if (news.outbox === 0) return;
    const ids = news.outboxIds;
    if (!ids) {
      this.after(async () => this.deliverer.kick());
      return;
    }
    this.after(async () => {
      const entries = await Promise.all(ids.map((id) => this.take(id)));
      const pending = entries.filter((e): e is OutboxEntry => e?.status === 'pending');
      if (pending.length > 0) this.deliverer.kick(pending);
    });
  }

  /** Forgets what it holds (this process no longer delivers). */
  clear(): void {
    this.atHand.clear();
  }

  private async take(id: string): Promise<OutboxEntry | undefined> {
    const local = this.atHand.get(id);
    if (local) {
      this.atHand.delete(id);
      return local;
    }
    return this.store.getOutboxEntry(id);
  }

  private after(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((err: unknown) => {
      // A read that failed (the database away): the deliverer looks at the whole outbox instead.
      this.logger.debug({ err }, 'announced replies not read; listing the outbox');
      this.deliverer.kick();
    });
  }
}
