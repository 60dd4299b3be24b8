/**
 * Each Direct Line conversation's activity list, kept in the Store's records
 * so that a page reload (or a visitor back tomorrow) gets the transcript back
 * by watermark, and pushed live to the conversation's open WebSockets.
 *
 * Records: `directline.conversations/<id>` (who it belongs to),
 * `directline.users/<userId>` (a visitor's conversation: an identified one
 * finds it again on the next visit, an agent's typing finds where to show)
 * and `directline.activities.<id>/<index>` (one activity each; the index is
 * zero-padded so ids sort as numbers). The watermark is the number of
 * activities a client has seen.
 *
 * One process appends to a conversation at a time (the desk's lock); with
 * several processes a visitor must stay on the process that holds their
 * WebSocket (sticky sessions) — the list itself lives in the shared store.
 */
import { randomBytes } from 'node:crypto';
import { type Clock, KeyedMutex, type LiveSignals, type Locks, type Store } from '../../core/index.js';

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

/** A frame for the open sockets only (an agent typing): not kept, so no watermark; Direct Line clients keep theirs. */
export interface LiveSignal {
  readonly activities: readonly [DirectLineActivity];
}

type Listener = (set: ActivitySet | LiveSignal) => void;

interface Loaded {
  readonly items: StoredActivity[];
  readonly listeners: Set<Listener>;
}

/** Transcripts kept in memory at once; one without an open WebSocket is dropped first and read again when needed. */
const CACHED = 2_000;

/** The live signal telling the desk's other processes that a transcript grew. */
const APPENDED = 'directline.appended';

export class Transcripts {
  private readonly loaded = new Map<string, Promise<Loaded>>();
  /** One read of a conversation's new activities at a time, so that each is pushed once. */
  private readonly reading = new KeyedMutex();

  /**
   * `live`, with several processes on one database: a transcript another
   * process appended to (the bot's reply, delivered by the process with the
   * duties) is read again here, and pushed to the sockets open here.
   */
  constructor(
    private readonly store: Store,
    private readonly locks: Locks,
    private readonly clock: Clock,
    private readonly live?: LiveSignals,
  ) {
    live?.on(APPENDED, ({ conversationId }) => {
      if (typeof conversationId === 'string' && this.loaded.has(conversationId)) {
        void this.fresh(conversationId).catch(() => undefined);
      }
    });
  }

  private get shared(): boolean {
    return this.live?.shared === true;
  }

  async conversation(id: string): Promise<ConversationRecord | undefined> {
    return (await this.store.getRecord(CONVERSATIONS, id)) as ConversationRecord | undefined;
  }

  /** A visitor's conversation: an identified one's from an earlier visit, if any. */
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
        { collection: USERS, id: record.userId, value: { conversationId: id } },
      ],
    });
    return id;
  }

  /** The activities after `watermark` (a count; missing or bad: from the start). */
  async since(conversationId: string, watermark: string | undefined): Promise<ActivitySet> {
    const { items } = await this.fresh(conversationId);
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
      // Under the desk-wide lock, with what the other processes appended: the next index is the transcript's.
      const loaded = await this.fresh(conversationId);
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
      this.live?.tell(APPENDED, { conversationId });
      return { activity, duplicate: false };
    });
  }

  /** Tells the conversation's open sockets, if any, without keeping it; a transcript nobody has loaded has none. */
  signal(conversationId: string, activity: DirectLineActivity): void {
    const signal: LiveSignal = { activities: [activity] };
    void this.loaded.get(conversationId)?.then(
      (loaded) => {
        for (const listen of loaded.listeners) listen(signal);
      },
      () => undefined,
    );
  }

  /** Calls `listener` with each activity appended from now on (and each signal); returns the function that stops it. */
  async subscribe(conversationId: string, listener: Listener): Promise<() => void> {
    const loaded = await this.load(conversationId);
    loaded.listeners.add(listener);
    return () => loaded.listeners.delete(listener);
  }

  /**
   * The transcript with what other processes appended since it was read
   * (alone, the one in memory is it); the new activities go to the sockets
   * open here.
   */
  private fresh(conversationId: string): Promise<Loaded> {
    if (!this.shared) return this.load(conversationId);
    return this.reading.run(conversationId, async () => {
      const loaded = await this.load(conversationId);
      const records = await this.store.listRecords(activitiesOf(conversationId));
      if (records.length <= loaded.items.length) return loaded;
      const added = records
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(loaded.items.length)
        .map((r) => r.value as StoredActivity);
      loaded.items.push(...added);
      const set: ActivitySet = { activities: added.map((i) => i.activity), watermark: String(loaded.items.length) };
      for (const listen of loaded.listeners) listen(set);
      return loaded;
    });
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
