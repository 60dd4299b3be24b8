/**
 * The small, always-in-memory part of a store: customers, conversations,
 * agents, the outbox's live entries and small records, with the indexes that
 * answer lookups. Both the memory store and the embedded store keep one;
 * history (messages, events, flow snapshots) is kept by each in its own way.
 */
import type { Agent, Channel, Conversation, Customer, Message, Mode, OutboxEntry } from '../domain.js';
import { CompactIndex } from '../util/compact-index.js';
import { ArchivedConversations, type ArchiveSnapshot, type ArchiveSource } from './archive.js';
import { ByChannel } from './by-channel.js';
import type { ConversationFilter, DeliveryWrite, OutboxFilter, WriteBatch } from './store.js';

/**
 * Channels redeliver within hours, never weeks: remembering the newest
 * channel message ids is enough to drop redeliveries, and keeps memory bounded.
 */
export const DEDUPE_WINDOW = 100_000;
/**
 * Delivered outbox entries kept for lookups; older ones live on in history only
 * (the reply as a message, its delivery as an event). Each holds its reply's
 * text, which nothing reads once it is delivered.
 */
export const DELIVERED_OUTBOX_WINDOW = 1_000;
/**
 * Resolved conversations in memory indexed newest activity first: a listing of
 * the newest few (the wait estimate's recent handle times, every second) reads
 * them instead of scanning and sorting every conversation.
 */
export const RECENT_RESOLVED_INDEX = 256;

export interface StateDocument {
  customers: Customer[];
  /** Conversations not resolved (and resolved ones in memory stores). */
  conversations: Conversation[];
  /**
   * Resolved conversations, one per line: `["a","id","customerId",{json}]`, as a
   * version 1 checkpoint is converted. A version 2 checkpoint leaves them in its
   * file and the state reads them from there (see ArchivedConversations).
   */
  archive?: string | Buffer;
  /** The archive as a checkpoint writes it (toDocument); `archive` is what one read (version 1). */
  archiveSnapshot?: ArchiveSnapshot;
  outbox: OutboxEntry[];
  agents: Agent[];
  records: Record<string, Record<string, unknown>>;
  /** Channel, channel message id, message id, channel, … oldest first (flat: parses faster than tuples). */
  dedupe: DedupeEntries;
  lastSeq: number;
  messageCount: number;
}

/**
 * The recent channel message ids, flat (three strings an entry): a list as
 * read from a checkpoint, or a view of the live window as toDocument takes
 * it, read when the checkpoint writes it (see dedupeView).
 */
export interface DedupeEntries {
  readonly length: number;
  slice(start: number, end: number): string[];
}

export const identityKey = (channel: Channel, externalId: string): string => `${channel}\u0000${externalId}`;

/** Shared by the conversations loaded without tags or SLA clocks; frozen, as every stored object is treated. */
const NO_TAGS: string[] = Object.freeze([]) as unknown as string[];
const NO_SLA: Conversation['sla'] = Object.freeze({});

export class StoreState {
  readonly customers = new Map<string, Customer>();
  private readonly conversations = new Map<string, Conversation>();
  /** The ids in `conversations` per customer: a customer's history and the reopen check read it, not a scan. */
  private readonly conversationIdsByCustomer = new CompactIndex();
  private readonly archived = new ArchivedConversations((id) => this.customers.get(id)?.id ?? id);
  readonly agents = new Map<string, Agent>();
  readonly records = new Map<string, Map<string, unknown>>();
  lastSeq = 0;
  messageCount = 0;

  /** Channel -> external id -> customer id: keys are the identities' own strings, no composite key per entry. */
  private readonly identities = new ByChannel<string>();
  private readonly openByCustomer = new Map<string, string>();
  /** Ids of the conversations queued for or owned by a human: few, and listed every tick. */
  private readonly withHumans = new Map<Mode, Set<string>>([
    ['queued', new Set()],
    ['agent', new Set()],
  ]);
  private readonly agentsByToken = new Map<string, string>();
  private readonly outbox = new Map<string, OutboxEntry>();
  /** The pending entries of `outbox`: the dispatcher lists them after every commit of a reply. */
  private readonly pendingOutbox = new Map<string, OutboxEntry>();
  private delivered: string[] = [];
  private deliveredHead = 0;
  /**
   * The newest resolved conversations in memory by `lastMessageAt`, newest
   * first: the top min(RECENT_RESOLVED_INDEX, resolvedCount) of them, or
   * undefined when it must be rebuilt by a scan (one left the top and the
   * next one down is unknown).
   */
  private recentResolved: Conversation[] | undefined = [];
  /** Resolved conversations in `conversations`. */
  private resolvedCount = 0;
  /** Channel -> channel message id -> message id. */
  private readonly dedupe = new ByChannel<string>();
  /** Insertion order of `dedupe` (each key with its channel's map), oldest at `dedupeHead`: evicting is O(1). */
  private dedupeOrder: Array<Map<string, string> | string> = [];
  private dedupeHead = 0;

  /** A document as read back from a checkpoint: its channel message ids are a plain list there. */
  static fromDocument(doc: StateDocument & { readonly dedupe: readonly string[] }): StoreState {
    const state = new StoreState();
    for (const c of doc.customers) state.loadCustomer(c);
    for (const c of doc.conversations) state.loadConversation(c);
    if (doc.archive) state.loadArchive(doc.archive);
    for (const o of doc.outbox) state.loadOutbox(o);
    for (const a of doc.agents) state.loadAgent(a);
    for (const [collection, byId] of Object.entries(doc.records)) {
      for (const [id, value] of Object.entries(byId)) state.loadRecord(collection, id, value);
    }
    for (let i = 0; i + 2 < doc.dedupe.length; i += 3)
      state.loadChannelId(doc.dedupe[i] as Channel, doc.dedupe[i + 1] as string, doc.dedupe[i + 2] as string);
    state.lastSeq = doc.lastSeq;
    state.messageCount = doc.messageCount;
    return state;
  }

  // Loading a checkpoint, one record at a time as it is parsed (customers before their conversations):
  // no list of everything is built first, and what a record shares is shared while its copy is still young.
  loadCustomer(c: Customer): void {
    this.putCustomer(c);
  }
  /** Returns the conversation as kept (its strings shared with its customer's). */
  loadConversation(c: Conversation): Conversation {
    const shared = this.shareStrings(c);
    this.putConversation(shared);
    return shared;
  }
  /** A whole archive in memory (a version 1 checkpoint's). */
  loadArchive(archive: string | Buffer): void {
    this.archived.load(typeof archive === 'string' ? Buffer.from(archive) : archive);
  }
  /** Archived conversations are read back from `source`; each of its lines is given to `indexArchived`. */
  openArchive(source: ArchiveSource): void {
    this.archived.open(source);
  }
  /** One archive line, `bytes[start, end)`, at `offset` of the source; false if it is none. */
  indexArchived(bytes: Buffer, start: number, end: number, offset: number): boolean {
    return this.archived.index(bytes, start, end, offset);
  }
  /** A checkpoint wrote `snapshot` to `source`: the archive is read from there from now on. */
  archiveMoved(source: ArchiveSource, snapshot: ArchiveSnapshot): void {
    this.archived.moveTo(source, snapshot);
  }
  /** Lets go of the archive's file. */
  closeArchive(): void {
    this.archived.close();
  }
  loadOutbox(o: OutboxEntry): void {
    this.putOutbox(o);
  }
  loadAgent(a: Agent): void {
    this.putAgent(a);
  }
  loadRecord(collection: string, id: string, value: unknown): void {
    this.putRecord(collection, id, value);
  }
  loadChannelId(channel: Channel, channelMessageId: string, messageId: string): void {
    this.rememberChannelId(channel, channelMessageId, messageId);
  }

  toDocument(): StateDocument {
    const records: StateDocument['records'] = {};
    for (const [collection, byId] of this.records) records[collection] = Object.fromEntries(byId);
    return {
      customers: [...this.customers.values()],
      conversations: [...this.conversations.values()].filter((c) => c.mode !== 'resolved'),
      archiveSnapshot: this.archived.snapshot([...this.conversations.values()].filter((c) => c.mode === 'resolved')),
      outbox: [...this.outbox.values()],
      agents: [...this.agents.values()],
      records,
      dedupe: this.dedupeView(),
      lastSeq: this.lastSeq,
      messageCount: this.messageCount,
    };
  }

  /** Applies everything of a batch except history, which the caller keeps. */
  apply(batch: WriteBatch): void {
    for (const c of batch.customers ?? []) this.putCustomer(c);
    for (const c of batch.conversations ?? []) this.putConversation(c);
    for (const m of batch.messages ?? []) this.noteMessage(m);
    for (const o of batch.outbox ?? []) this.putOutbox(o);
    for (const d of batch.deliveries ?? []) this.deliver(d);
    for (const a of batch.agents ?? []) this.putAgent(a);
    for (const id of batch.removeAgents ?? []) this.removeAgent(id);
    for (const r of batch.records ?? []) this.putRecord(r.collection, r.id, r.value);
    this.lastSeq += batch.events?.length ?? 0;
  }

  customerByIdentity(channel: Channel, externalId: string): Customer | undefined {
    const id = this.identities.get(channel, externalId);
    return id === undefined ? undefined : this.customers.get(id);
  }

  conversation(id: string): Conversation | undefined {
    return this.conversations.get(id) ?? this.archived.get(id);
  }

  get conversationCount(): number {
    return this.conversations.size + this.archived.size;
  }

  openConversationOf(customerId: string): Conversation | undefined {
    const id = this.openByCustomer.get(customerId);
    return id === undefined ? undefined : this.conversations.get(id);
  }

  listConversations(filter: ConversationFilter = {}): Conversation[] {
    const out: Conversation[] = [];
    const keep = (c: Conversation): boolean => {
      if (filter.modes && !filter.modes.includes(c.mode)) return false;
      if (filter.channel && c.channel !== filter.channel) return false;
      if (filter.customerId && c.customerId !== filter.customerId) return false;
      if (filter.assignee && c.assignee !== filter.assignee) return false;
      if (filter.activeSince !== undefined && c.lastMessageAt < filter.activeSince) return false;
      out.push(c);
      return true;
    };
    const recent = this.newestResolved(filter);
    // The queue and the agents' conversations are asked for on every clock tick: read from their index.
    if (filter.modes?.every((m) => this.withHumans.has(m))) {
      for (const mode of new Set(filter.modes)) {
        for (const id of this.withHumans.get(mode) ?? []) keep(this.conversations.get(id) as Conversation);
      }
    } else if (recent !== undefined && filter.limit !== undefined) {
      // The newest few resolved ones (the wait estimate's, every second): from their index, and the archive's newest.
      for (let i = 0; i < recent.length && i < filter.limit; i++) keep(recent[i] as Conversation);
      this.archived.newest(filter.limit, keep);
    } else {
      if (filter.customerId !== undefined) for (const c of this.conversationsOf(filter.customerId)) keep(c);
      else for (const c of this.conversations.values()) keep(c);
      if (!filter.modes || filter.modes.includes('resolved')) {
        // With a limit (the wait estimate's recent resolved ones), only the archive's newest are parsed.
        if (filter.limit !== undefined) this.archived.newest(filter.limit, keep, filter.customerId);
        else for (const c of this.archived.list(filter.customerId, filter.activeSince)) keep(c);
      }
    }
    out.sort((a, b) => (a.lastMessageAt < b.lastMessageAt ? 1 : a.lastMessageAt > b.lastMessageAt ? -1 : 0));
    return filter.limit === undefined ? out : out.slice(0, filter.limit);
  }

  /**
   * The index of the newest resolved conversations, when it answers `filter`
   * (resolved only, nothing else filtered, a limit it holds): rebuilt by a scan
   * only after a conversation left its top.
   */
  private newestResolved(filter: ConversationFilter): readonly Conversation[] | undefined {
    if (
      filter.limit === undefined ||
      filter.limit > RECENT_RESOLVED_INDEX ||
      filter.channel !== undefined ||
      filter.customerId !== undefined ||
      filter.assignee !== undefined ||
      !filter.modes?.length ||
      !filter.modes.every((m) => m === 'resolved')
    )
      return undefined;
    if (this.recentResolved === undefined) {
      const all: Conversation[] = [];
      for (const c of this.conversations.values()) if (c.mode === 'resolved') all.push(c);
      all.sort((a, b) => (a.lastMessageAt < b.lastMessageAt ? 1 : a.lastMessageAt > b.lastMessageAt ? -1 : 0));
      this.recentResolved = all.slice(0, RECENT_RESOLVED_INDEX);
    }
    return this.recentResolved;
  }

  /** Keeps `recentResolved` the top min(RECENT_RESOLVED_INDEX, resolvedCount), or drops it to be rebuilt. */
  private indexResolved(previous: Conversation | undefined, c: Conversation): void {
    const wasResolved = previous?.mode === 'resolved';
    const isResolved = c.mode === 'resolved';
    this.resolvedCount += (isResolved ? 1 : 0) - (wasResolved ? 1 : 0);
    const recent = this.recentResolved;
    if (recent === undefined) return;
    if (wasResolved) {
      const i = recent.findIndex((r) => r.id === c.id);
      if (i >= 0) recent.splice(i, 1);
    }
    if (isResolved) {
      const oldest = recent[recent.length - 1];
      if (recent.length < RECENT_RESOLVED_INDEX || (oldest !== undefined && c.lastMessageAt > oldest.lastMessageAt)) {
        // Usually the newest: found from the front. After the ones of the same moment, as a stable sort puts it.
        let i = 0;
        while (i < recent.length && (recent[i] as Conversation).lastMessageAt >= c.lastMessageAt) i++;
        recent.splice(i, 0, c);
        if (recent.length > RECENT_RESOLVED_INDEX) recent.pop();
      }
    }
    if (recent.length < Math.min(RECENT_RESOLVED_INDEX, this.resolvedCount)) this.recentResolved = undefined;
  }

  messageIdByChannelId(channel: Channel, channelMessageId: string): string | undefined {
    return this.dedupe.get(channel, channelMessageId);
  }

  outboxEntry(id: string): OutboxEntry | undefined {
    return this.outbox.get(id);
  }

  listOutbox(filter: OutboxFilter = {}): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const o of (filter.status === 'pending' ? this.pendingOutbox : this.outbox).values()) {
      if (filter.status && o.status !== filter.status) continue;
      if (filter.conversationId && o.conversationId !== filter.conversationId) continue;
      out.push(o);
      if (filter.limit !== undefined && out.length >= filter.limit) break;
    }
    return out;
  }

  agentByTokenHash(tokenHash: string): Agent | undefined {
    const id = this.agentsByToken.get(tokenHash);
    return id === undefined ? undefined : this.agents.get(id);
  }

  private putCustomer(c: Customer): void {
    const previous = this.customers.get(c.id);
    for (const i of previous?.identities ?? []) {
      if (this.identities.get(i.channel, i.externalId) === c.id) this.identities.delete(i.channel, i.externalId);
    }
    this.customers.set(c.id, c);
    // A merged customer keeps its identities for the record, but lookups go to the survivor.
    if (c.mergedInto === undefined) {
      for (const i of c.identities) this.identities.set(i.channel, i.externalId, c.id);
    }
  }

  /**
   * A conversation just parsed holds its own copy of strings other objects
   * already hold (its customer's id, equal timestamps): point it at one copy.
   * Some 100 bytes less per conversation loaded, when 100,000 are.
   */
  private shareStrings(parsed: Conversation): Conversation {
    const c = parsed as { -readonly [K in keyof Conversation]: Conversation[K] };
    const customer = this.customers.get(c.customerId);
    if (customer !== undefined) {
      c.customerId = customer.id;
      if (c.createdAt === customer.createdAt) c.createdAt = customer.createdAt;
    }
    if (c.tags.length === 0) c.tags = NO_TAGS;
    if (Object.keys(c.sla).length === 0) c.sla = NO_SLA;
    if (c.updatedAt === c.createdAt) c.updatedAt = c.createdAt;
    if (c.lastMessageAt === c.updatedAt) c.lastMessageAt = c.updatedAt;
    else if (c.lastMessageAt === c.createdAt) c.lastMessageAt = c.createdAt;
    return c;
  }

  private putConversation(c: Conversation): void {
    const previous = this.conversations.get(c.id);
    if (previous === undefined) this.archived.delete(c.id);
    else if (previous.mode !== c.mode) this.withHumans.get(previous.mode)?.delete(c.id);
    this.withHumans.get(c.mode)?.add(c.id);
    this.conversations.set(c.id, c);
    if (previous?.customerId !== c.customerId) {
      if (previous) this.conversationIdsByCustomer.delete(previous.customerId, c.id);
      this.conversationIdsByCustomer.add(c.customerId, c.id);
    }
    this.indexResolved(previous, c);
    // Moved to another customer (a merge, its undoing): it is no longer the previous one's open case.
    if (previous !== undefined && previous.customerId !== c.customerId) {
      if (this.openByCustomer.get(previous.customerId) === c.id) this.openByCustomer.delete(previous.customerId);
    }
    if (c.mode === 'resolved') {
      if (this.openByCustomer.get(c.customerId) === c.id) this.openByCustomer.delete(c.customerId);
    } else {
      this.openByCustomer.set(c.customerId, c.id);
    }
  }

  private conversationsOf(customerId: string): Conversation[] {
    return this.conversationIdsByCustomer.get(customerId).map((id) => this.conversations.get(id) as Conversation);
  }

  private noteMessage(m: Message): void {
    this.messageCount += 1;
    if (m.channelMessageId === undefined || m.direction !== 'inbound') return;
    this.rememberChannelId(m.channel, m.channelMessageId, m.id);
  }

  /**
   * Forgets channel message ids (an erased customer's: Telegram's carry the
   * chat id). Their slots in the eviction order stay and are skipped; the
   * count is left as it was, so the window only ends a little early.
   */
  forgetChannelIds(ids: ReadonlyArray<{ readonly channel: string; readonly id: string }>): void {
    for (const { channel, id } of ids) this.dedupe.delete(channel, id);
  }

  private rememberChannelId(channel: Channel, channelMessageId: string, messageId: string): void {
    const byId = this.dedupe.of(channel);
    if (!byId.has(channelMessageId)) {
      this.dedupeOrder.push(byId, channelMessageId);
      this.dedupe.size++;
    }
    byId.set(channelMessageId, messageId);
    // Not `keys().next()` on a Map: after many deletes V8 walks every deleted slot to find the first key.
    while (this.dedupe.size > DEDUPE_WINDOW) {
      const oldest = this.dedupeOrder[this.dedupeHead++] as Map<string, string>;
      oldest.delete(this.dedupeOrder[this.dedupeHead++] as string);
      this.dedupe.size--;
    }
    if (this.dedupeHead > 2 * DEDUPE_WINDOW) {
      this.dedupeOrder = this.dedupeOrder.slice(this.dedupeHead);
      this.dedupeHead = 0;
    }
  }

  /**
   * `dedupe` as the checkpoint keeps it, oldest first, read when written:
   * flattening all its entries at capture would hold the event loop.
   * The order array is only appended to (its compaction makes a new one), so
   * the entries captured are where they were; an entry evicted since is
   * skipped (newer ones are in the journal after the checkpoint).
   */
  private dedupeView(): DedupeEntries {
    const channelOf = new Map<Map<string, string>, string>();
    for (const [channel, byId] of this.dedupe.channels()) channelOf.set(byId, channel);
    const order = this.dedupeOrder;
    const head = this.dedupeHead;
    const pairs = (order.length - head) >> 1;
    return {
      length: 3 * pairs,
      slice(start: number, end: number): string[] {
        const out: string[] = [];
        for (let k = Math.ceil(start / 3); k < Math.min(pairs, Math.ceil(end / 3)); k++) {
          const byId = order[head + 2 * k] as Map<string, string>;
          const key = order[head + 2 * k + 1] as string;
          const messageId = byId.get(key);
          if (messageId !== undefined) out.push(channelOf.get(byId) as string, key, messageId);
        }
        return out;
      },
    };
  }

  private putOutbox(o: OutboxEntry): void {
    this.outbox.set(o.id, o);
    if (o.status === 'pending') this.pendingOutbox.set(o.id, o);
    else this.pendingOutbox.delete(o.id);
    if (o.status !== 'delivered') return;
    this.delivered.push(o.id);
    if (this.delivered.length - this.deliveredHead > DELIVERED_OUTBOX_WINDOW) {
      // An index, not shift(): shifting a 10,000-entry array on every delivery copies it.
      const oldest = this.delivered[this.deliveredHead++] as string;
      if (this.outbox.get(oldest)?.status === 'delivered') this.outbox.delete(oldest);
      if (this.deliveredHead >= DELIVERED_OUTBOX_WINDOW) {
        this.delivered = this.delivered.slice(this.deliveredHead);
        this.deliveredHead = 0;
      }
    }
  }

  private deliver(d: DeliveryWrite): void {
    const entry = this.outbox.get(d.outboxId);
    if (entry === undefined) return;
    this.putOutbox({
      ...entry,
      status: 'delivered',
      attempts: d.attempts,
      deliveredAt: d.deliveredAt,
      channelMessageId: d.channelMessageId ?? entry.channelMessageId,
    });
  }

  private putAgent(a: Agent): void {
    const previous = this.agents.get(a.id);
    if (previous) this.agentsByToken.delete(previous.tokenHash);
    this.agents.set(a.id, a);
    this.agentsByToken.set(a.tokenHash, a.id);
  }

  private removeAgent(id: string): void {
    const previous = this.agents.get(id);
    if (!previous) return;
    this.agentsByToken.delete(previous.tokenHash);
    this.agents.delete(id);
  }

  private putRecord(collection: string, id: string, value: unknown): void {
    let byId = this.records.get(collection);
    if (!byId) {
      byId = new Map();
      this.records.set(collection, byId);
    }
    if (value === null) byId.delete(id);
    else byId.set(id, value);
  }
}
