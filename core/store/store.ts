/**
 * The Store: everything caredesk remembers, behind one small interface with
 * two implementations (memory for tests and `caredesk chat`, the embedded
 * lowdb-backed store by default, PostgreSQL later) that pass one contract suite.
 *
 * Writes are batches: `commit()` makes every change of a batch durable at once
 * (all or nothing) and only then resolves. That is how a flow step's effects
 * and its persisted snapshot land in the same write, and how ingest stores a
 * message before the channel is acknowledged.
 */

import type { Coordination } from '../cluster/coordination.js';
import type {
  Agent,
  Channel,
  Conversation,
  Customer,
  DomainEvent,
  Message,
  Mode,
  NewEvent,
  OutboxEntry,
} from '../domain.js';
import type { Logger } from '../logger.js';
import type { ErasureReport, ErasureTarget } from './erasure.js';

/** A small document of a named collection (link codes, canned responses, timers…). */
export interface StoredRecord {
  readonly collection: string;
  readonly id: string;
  /** `null` deletes the record. */
  readonly value: unknown;
}

export interface FlowSnapshotWrite {
  readonly conversationId: string;
  /** XState's persisted snapshot; `null` forgets it (the conversation ended). */
  readonly snapshot: unknown;
}

/**
 * A pending outbox entry the channel accepted. Only what changes is written:
 * the entry itself (text, buttons) is already stored.
 */
export interface DeliveryWrite {
  readonly outboxId: string;
  readonly attempts: number;
  readonly deliveredAt: string;
  readonly channelMessageId?: string;
}

export interface WriteBatch {
  /** Upserted by id. */
  readonly customers?: readonly Customer[];
  /** Upserted by id. */
  readonly conversations?: readonly Conversation[];
  /** Appended; a message id is written once. */
  readonly messages?: readonly Message[];
  /** Appended; the store numbers them (`seq`) in commit order. */
  readonly events?: readonly NewEvent[];
  /** Upserted by id. */
  readonly outbox?: readonly OutboxEntry[];
  /** Marks outbox entries delivered, after `outbox`'s upserts; one no longer stored is left alone. */
  readonly deliveries?: readonly DeliveryWrite[];
  readonly flowSnapshots?: readonly FlowSnapshotWrite[];
  /** Upserted by id. */
  readonly agents?: readonly Agent[];
  readonly removeAgents?: readonly string[];
  readonly records?: readonly StoredRecord[];
}

/**
 * A batch's event as the store numbers it. Written out field by field: a
 * spread of events of different shapes plus `seq` costs V8 some 25 times as
 * much, for every event of every commit.
 */
export const numberedEvent = (e: NewEvent, seq: number): DomainEvent => ({
  seq,
  type: e.type,
  at: e.at,
  conversationId: e.conversationId,
  customerId: e.customerId,
  agentId: e.agentId,
  data: e.data,
});

export interface CommitResult {
  /** The batch's events with the sequence numbers the store gave them. */
  readonly events: readonly DomainEvent[];
}

export interface ConversationFilter {
  readonly modes?: readonly Mode[];
  readonly channel?: Channel;
  readonly customerId?: string;
  readonly assignee?: string;
  /**
   * Only conversations with a message at or after this time (ISO): a window's
   * conversations (KPIs) without reading the whole history of resolved ones.
   */
  readonly activeSince?: string;
  readonly limit?: number;
}

export interface OutboxClaimAsk {
  readonly claimant: string;
  readonly untilMs: number;
  readonly nowMs: number;
}

export interface OutboxClaim {
  /** The entry now (undefined: gone); claimed for this send when `heldUntilMs` is undefined and it is pending. */
  readonly entry: OutboxEntry | undefined;
  /** Another claimant holds the pending entry until then. */
  readonly heldUntilMs?: number;
  /**
   * An earlier pending entry of the same chat is not this claimant's (another
   * process queued it and has not delivered it yet): not claimed, so that the
   * chat's replies keep their order.
   */
  readonly behind?: boolean;
}

export interface OutboxFilter {
  readonly status?: OutboxEntry['status'];
  readonly conversationId?: string;
  readonly limit?: number;
}

export interface CommitOptions {
  /**
   * How long this write may wait for others to share its durable write
   * (ms, default 0: the next turn). For writes no one is waiting on, such as
   * a delivery's record: on a desk that sends more than it receives, most
   * writes carried nothing else, each paying a whole fdatasync. A write
   * without the option flushes at once and takes the waiting ones with it.
   * The promise still resolves only once the batch is durable.
   */
  readonly within?: number;
}

/** What /healthz tells about a database server (the PostgreSQL store). */
export interface DatabaseReport {
  readonly reachable: boolean;
  readonly schemaVersion?: number;
  readonly expectedSchemaVersion: number;
  readonly pool: { readonly size: number; readonly max: number; readonly idle: number; readonly waiting: number };
  readonly error?: string;
}

export interface Store {
  /** Human-readable location of the data (a directory, a database URL), for logs. */
  readonly location: string;
  /** A store on a database server says how the server is (reachable, schema, connections). */
  database?(): Promise<DatabaseReport>;
  /**
   * A store several processes may share says how they coordinate (key locks,
   * duties, news of each other's commits); a store of one process has none.
   */
  coordinator?(options: { processName: string; logger?: Logger }): Coordination;

  open(): Promise<void>;
  /** Flushes what is pending and releases the data (lock, connections). */
  close(): Promise<void>;

  /** Resolves once the batch is durable (see CommitOptions for when it may wait for company). */
  commit(batch: WriteBatch, options?: CommitOptions): Promise<CommitResult>;

  getCustomer(id: string): Promise<Customer | undefined>;
  findCustomerByIdentity(channel: Channel, externalId: string): Promise<Customer | undefined>;

  getConversation(id: string): Promise<Conversation | undefined>;
  /** The customer's conversation that is not resolved, if any. */
  findOpenConversation(customerId: string): Promise<Conversation | undefined>;
  /** Newest activity first. */
  listConversations(filter?: ConversationFilter): Promise<Conversation[]>;
  countConversations(): Promise<number>;

  /** A conversation's messages in the order they were appended. */
  listMessages(conversationId: string): Promise<Message[]>;
  /** The id of the message a channel already delivered with this id, to drop redeliveries. */
  findMessageIdByChannelId(channel: Channel, channelMessageId: string): Promise<string | undefined>;
  countMessages(): Promise<number>;

  /** Events with `seq > afterSeq`, oldest first. */
  listEvents(afterSeq: number, limit: number): Promise<DomainEvent[]>;
  /**
   * The events numbered within these ranges (after `after`, up to `upTo`), in
   * order, of these `types` (default: all): what other processes committed,
   * as their announcements said. A store several processes share has it.
   */
  listEventsIn?(
    ranges: ReadonlyArray<{ readonly after: number; readonly upTo: number }>,
    types?: readonly string[],
  ): Promise<DomainEvent[]>;
  lastEventSeq(): Promise<number>;

  getOutboxEntry(id: string): Promise<OutboxEntry | undefined>;
  /**
   * A store several processes share: the entry as it is now, claimed for a
   * send by `claimant` until `untilMs` (ms since the epoch) if it is pending
   * and no other claimant holds it past `nowMs`; `heldUntilMs` says until when
   * another one does. A store of one process has no claims: getOutboxEntry.
   */
  claimOutboxEntry?(id: string, claim: OutboxClaimAsk): Promise<OutboxClaim>;
  /** Oldest first. */
  listOutbox(filter?: OutboxFilter): Promise<OutboxEntry[]>;

  getFlowSnapshot(conversationId: string): Promise<unknown | undefined>;

  getAgent(id: string): Promise<Agent | undefined>;
  findAgentByTokenHash(tokenHash: string): Promise<Agent | undefined>;
  listAgents(): Promise<Agent[]>;

  getRecord(collection: string, id: string): Promise<unknown | undefined>;
  listRecords(collection: string): Promise<Array<{ id: string; value: unknown }>>;

  /**
   * Removes the customers' personal data (core/store/erasure.ts says what goes
   * and what stays) from the live data and from history: journal and
   * checkpoint files on disk, rows in a database. Resolves once that is
   * durable. Ids, counts and timestamps stay, so KPIs still count their cases.
   */
  erase(target: ErasureTarget): Promise<ErasureReport>;
}
