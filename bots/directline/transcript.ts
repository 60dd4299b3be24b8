/**
 * Each Direct Line conversation's activity list, kept in the Store's records
 * so that a page reload (or a visitor back tomorrow) gets the transcript back
 * by watermark, and pushed live to the conversation's open WebSockets.
 *
 * Records: `directline.conversations/<id>` (who it belongs to),
 * `directline.users/<userId>` (an identified visitor's conversation, found
 * again on the next visit) and `directline.activities.<id>/<index>` (one
 * activity each; the index is zero-padded so ids sort as numbers). The
 * watermark is the number of activities a client has seen.
 *
 * One process appends to a conversation at a time (the desk's lock); with
 * several processes a visitor must stay on the process that holds their
 * WebSocket (sticky sessions) — the list itself lives in the shared store.
 */
import { randomBytes } from 'node:crypto';
import type { Clock, KeyedMutex, Store } from '../../core/index.js';

export const CONVERSATIONS = 'directline.conversations';
export const USERS = 'directline.users';
const activitiesOf = (conversationId: string): string => `directline.activities.${conversationId}`;

/** An activity as Direct Line 3.0 carries it (the parts caredesk writes). */
export interface DirectLineActivity {
  readonly type: string;
  readonly id: string;
  readonly timestamp: string;
  readonly channelId: 'directline';
  readonly from: { readonly id: string; readonly name?: string; readonly role: 'user' | 'bot' };
  readonly conversation: { readonly id: string };
  readonly text?: string;
  readonly textFormat?: 'plain';
  readonly locale?: string;
  readonly value?: unknown;
  readonly suggestedActions?: {
    readonly to: readonly string[];
    readonly actions: ReadonlyArray<Record<string, string>>;
  };
  /** Web Chat matches its own echo by `clientActivityID`. */
  readonly channelData?: Readonly<Record<string, string>>;
  readonly replyToId?: string;
}

export interface ConversationRecord {
  readonly userId: string;
  readonly userName?: string;
  readonly identified: boolean;
  readonly createdAt: string;
}

interface StoredActivity {
  readonly activity: DirectLineActivity;
  /** The outbox entry it delivers: a retried delivery is not appended twice. */
  readonly outboxId?: string;
}

export interface ActivitySet {
  readonly activities: readonly DirectLineActivity[];
  readonly watermark: string;
}

type Listener = (set: ActivitySet) => void;

interface Loaded {
  readonly items: StoredActivity[];
  readonly listeners: Set<Listener>;
}

/** Transcripts kept in memory at once; one without an open WebSocket is dropped first and read again when needed. */
const CACHED = 2_000;

export class Transcripts {
  private readonly loaded = new Map<string, Promise<Loaded>>();

  constructor(
    private readonly store: Store,
    private readonly locks: KeyedMutex,
    private readonly clock: Clock,
  ) {}

  async conversation(id: string): Promise<ConversationRecord | undefined> {
    return (await this.store.getRecord(CONVERSATIONS, id)) as ConversationRecord | undefined;
  }

  /** An identified visitor's conversation from an earlier visit, if any. */
  async conversationOfUser(userId: string): Promise<string | undefined> {
    const found = (await this.store.getRecord(USERS, userId)) as { conversationId: string } | undefined;
    return found?.conversationId;
  }

  async open(record: Omit<ConversationRecord, 'createdAt'>): Promise<string> {
    // A Direct Line conversation id: unguessable, URL-safe, and no `|` (activity ids use it).
    const id = `dl_${randomBytes(15).toString('base64url')}`;
    const value: ConversationRecord = { ...record, createdAt: this.clock.now().toISOString() };
    await this.store.commit({
      records: [
        { collection: CONVERSATIONS, id, value },
        ...(record.identified ? [{ collection: USERS, id: record.userId, value: { conversationId: id } }] : []),
      ],
    });
    return id;
  }

  /** The activities after `watermark` (a count; missing or bad: from the start). */
  async since(conversationId: string, watermark: string | undefined): Promise<ActivitySet> {
    const { items } = await this.load(conversationId);
    const from = Math.min(parseWatermark(watermark), items.length);
    return { activities: items.slice(from).map((i) => i.activity), watermark: String(items.length) };
  }

  /**
   * Appends the activity `build` makes from its id, durably, then tells the
   * conversation's sockets. `dedupe` finds an activity already appended for
   * the same client or outbox id: it is returned instead, nothing is written.
   */
  append(
    conversationId: string,
    build: (id: string, timestamp: string) => DirectLineActivity,
    dedupe: { readonly outboxId?: string; readonly clientActivityId?: string } = {},
  ): Promise<{ readonly activity: DirectLineActivity; readonly duplicate: boolean }> {
    return this.locks.run(`directline:${conversationId}`, async () => {
      const loaded = await this.load(conversationId);
      const earlier = loaded.items.find(
        (i) =>
          (dedupe.outboxId !== undefined && i.outboxId === dedupe.outboxId) ||
          (dedupe.clientActivityId !== undefined &&
            i.activity.channelData?.clientActivityID === dedupe.clientActivityId),
      );
      if (earlier) return { activity: earlier.activity, duplicate: true };
      const index = loaded.items.length;
      const activity = build(`${conversationId}|${String(index).padStart(7, '0')}`, this.clock.now().toISOString());
      const item: StoredActivity =
        dedupe.outboxId === undefined ? { activity } : { activity, outboxId: dedupe.outboxId };
      await this.store.commit({
        records: [{ collection: activitiesOf(conversationId), id: String(index).padStart(10, '0'), value: item }],
      });
      loaded.items.push(item);
      const set: ActivitySet = { activities: [activity], watermark: String(loaded.items.length) };
      for (const listen of loaded.listeners) listen(set);
      return { activity, duplicate: false };
    });
  }

  /** Calls `listener` with each activity appended from now on; returns the function that stops it. */
  async subscribe(conversationId: string, listener: Listener): Promise<() => void> {
    const loaded = await this.load(conversationId);
    loaded.listeners.add(listener);
    return () => loaded.listeners.delete(listener);
  }

  private load(conversationId: string): Promise<Loaded> {
    let loading = this.loaded.get(conversationId);
    if (!loading) {
      loading = this.store.listRecords(activitiesOf(conversationId)).then((records) => ({
        items: records.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => r.value as StoredActivity),
        listeners: new Set<Listener>(),
      }));
      // A failed read is not remembered: the next request reads again.
      loading.catch(() => this.loaded.delete(conversationId));
      this.loaded.set(conversationId, loading);
      void this.evict();
    }
    return loading;
  }

  private async evict(): Promise<void> {
    if (this.loaded.size <= CACHED) return;
    for (const [id, loading] of this.loaded) {
      if (this.loaded.size <= CACHED) return;
      const loaded = await loading.catch(() => undefined);
      if (loaded && loaded.listeners.size === 0) this.loaded.delete(id);
    }
  }
}

function parseWatermark(watermark: string | undefined): number {
  const n = Number(watermark);
  return watermark !== undefined && /^\d{1,9}$/.test(watermark) && Number.isSafeInteger(n) ? n : 0;
}
