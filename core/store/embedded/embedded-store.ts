/**
 * The embedded store, caredesk's default: a data directory with
 *
 *   LOCK              the owning process (one server per directory)
 *   journal/*.jsonl   every committed batch, one JSON line each, append-only
 *   state.json        lowdb checkpoint: small state + where history lies in the journal
 *
 * It holds every customer's messages: what the store creates is its user's
 * alone, directories 0700 and files 0600 (umask can only take bits away).
 *
 * A commit appends one line and fdatasyncs; commits arriving in the same tick
 * share one write and one fdatasync (group commit), and so do the ones that
 * came while the previous write was under way. A commit that may wait
 * (CommitOptions.within) waits for company up to that long. The checkpoint is written
 * in the background after every `checkpointBytes` of journal, or after
 * CHECKPOINT_SPACING times the last checkpoint's size if that is more: a
 * checkpoint costs in proportion to its size, so spacing them in proportion
 * too keeps its share of each append constant as history grows. Start-up
 * replays only the journal's tail and a write's cost never grows with history.
 */
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import {
  type Agent,
  AgentSchema,
  type Channel,
  type Conversation,
  ConversationSchema,
  type Customer,
  CustomerSchema,
  type DomainEvent,
  EventSchema,
  type Message,
  MessageSchema,
  type OutboxEntry,
  OutboxEntrySchema,
} from '../../domain.js';
import { describeIssues, StoreClosedError, StoreCorruptError, StoreWriteError } from '../../errors.js';
import { MAX_TIMEOUT_MS } from '../../util/backoff.js';
import { erasureBatch } from '../erase-batch.js';
import { type ErasureReport, ErasureScope, type ErasureTarget, emptyReport, eraseEvent } from '../erasure.js';
import { StoreState } from '../state.js';
import {
  type CommitOptions,
  type CommitResult,
  type ConversationFilter,
  numberedEvent,
  type OutboxFilter,
  type Store,
  type WriteBatch,
} from '../store.js';
import { ArchiveFile } from './archive-file.js';
import { backupTarget, copyDataDir } from './backup.js';
import { checkpointDb } from './checkpoint.js';
import type { LoadedCheckpoint } from './checkpoint-reader.js';
import { eraseFromJournal } from './erase-history.js';
import { Journal } from './journal.js';
import { DataDirLock } from './lock.js';
import { decodePositions, EVENT_BLOCK, GrowingPositions } from './positions.js';

export interface EmbeddedStoreOptions {
  /** fdatasync each group commit (default true). */
  readonly fsync?: boolean;
  /** Journal bytes between two checkpoints (default 32 MiB). */
  readonly checkpointBytes?: number;
  /** Size at which a journal segment is sealed (default 64 MiB). */
  readonly segmentBytes?: number;
}

const RECENT_EVENTS = 4096;
/** Journal bytes between checkpoints, as a multiple of the last checkpoint's size. */
const CHECKPOINT_SPACING = 8;

const DeliveryWriteSchema = z.object({
  outboxId: z.string(),
  attempts: z.number().int().nonnegative(),
  deliveredAt: z.string(),
  channelMessageId: z.string().optional(),
});

/** A journal line as written: a batch whose events carry their seq. */
const LineSchema = z.object({
  customers: z.array(CustomerSchema).optional(),
  conversations: z.array(ConversationSchema).optional(),
  messages: z.array(MessageSchema).optional(),
  events: z.array(EventSchema).optional(),
  outbox: z.array(OutboxEntrySchema).optional(),
  flowSnapshots: z.array(z.object({ conversationId: z.string(), snapshot: z.unknown() })).optional(),
  agents: z.array(AgentSchema).optional(),
  removeAgents: z.array(z.string()).optional(),
  records: z.array(z.object({ collection: z.string(), id: z.string(), value: z.unknown() })).optional(),
  deliveries: z.array(DeliveryWriteSchema).optional(),
});
type Line = z.infer<typeof LineSchema>;

const LINE_PARTS = [
  'customers',
  'conversations',
  'messages',
  'outbox',
  'flowSnapshots',
  'agents',
  'removeAgents',
  'records',
  'deliveries',
] as const satisfies ReadonlyArray<keyof WriteBatch & keyof Line>;

/** A batch as a journal line without its empty parts: every byte is serialised, written and parsed again. */
function journalLine(batch: WriteBatch): Line {
  const line: Record<string, unknown> = {};
  for (const part of LINE_PARTS) {
    const value = batch[part];
    if (value !== undefined && value.length > 0) line[part] = value;
  }
  return line as Line;
}

interface PendingCommit {
  readonly batch: WriteBatch;
  readonly resolve: (r: CommitResult) => void;
  readonly reject: (e: unknown) => void;
}

export class EmbeddedStore implements Store {
  readonly location: string;
  private readonly lock: DataDirLock;
  private readonly journal: Journal;
  private readonly db: ReturnType<typeof checkpointDb>;
  private readonly checkpointBytes: number;
  private readonly checkpointFile: string;

  private state = new StoreState();
  /** Encoded (as in the checkpoint) until first used: start-up does not decode what it never reads. */
  private messagePositions = new Map<string, number[] | string>();
  /** Where every EVENT_BLOCK-th event's line is: events are read by walking the journal from there. */
  private eventBlocks = new GrowingPositions();
  private snapshotPositions = new Map<string, number>();
  private readonly recentEvents: DomainEvent[] = [];

  private opened = false;
  private failure: StoreWriteError | undefined;
  private pending: PendingCommit[] = [];
  private flushScheduled = false;
  /** Some pending commit cannot wait (CommitOptions.within 0). */
  private pendingUrgent = false;
  /** The earliest deadline of the pending commits that may wait (Infinity when none does). */
  private pendingDeadline = Number.POSITIVE_INFINITY;
  /** Set while only commits that may wait are pending: it flushes them by the earliest deadline. */
  private flushTimer: { readonly at: number; readonly timer: NodeJS.Timeout } | undefined;
  private flushing: Promise<void> | undefined;
  private checkpointing: Promise<void> | undefined;
  private journalAtCheckpoint = 0;
  private lastCheckpointBytes = 0;
  /** Set while history is rewritten (an erasure): no write starts until it is done. */
  private exclusiveWork: Promise<void> | undefined;

  constructor(dataDir: string, options: EmbeddedStoreOptions = {}) {
    this.location = resolve(dataDir);
    this.lock = new DataDirLock(this.location);
    this.journal = new Journal(this.location, {
      fsync: options.fsync ?? true,
      segmentBytes: options.segmentBytes ?? 64 * 1024 * 1024,
    });
    this.checkpointFile = join(this.location, 'state.json');
    this.db = checkpointDb(this.checkpointFile);
    this.checkpointBytes = options.checkpointBytes ?? 32 * 1024 * 1024;
  }

  async open(): Promise<void> {
    // Created private (and any parent it creates); a directory that exists keeps its mode: it is the user's.
    await mkdir(this.location, { recursive: true, mode: 0o700 });
    await this.lock.acquire();
    try {
      await this.db.read();
      const checkpoint = this.db.data as LoadedCheckpoint | null;
      if (checkpoint) {
        this.restore(checkpoint);
        this.lastCheckpointBytes = (await stat(this.checkpointFile)).size;
      }
      this.db.data = null;
      const from = checkpoint?.journalPosition ?? 0;
      const lines = await this.journal.open(from);
      if (this.journal.end < from) {
        throw new StoreCorruptError(join(this.location, 'journal'), 'it is shorter than state.json says');
      }
      for (const line of lines) this.applyLine(this.parseLine(line.text, line.position), line.position);
      this.journalAtCheckpoint = from;
      this.opened = true;
    } catch (err) {
      this.state.closeArchive();
      await this.journal.close();
      await this.lock.release();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    while (this.exclusiveWork) await this.exclusiveWork;
    while (this.flushing || this.pending.length > 0 || this.flushScheduled) {
      // Closing is not a time to wait for company.
      this.pendingUrgent = true;
      this.scheduleFlush();
      await (this.flushing ?? new Promise((r) => setImmediate(r)));
    }
    this.opened = false;
    await this.checkpointing;
    if (!this.failure && this.journal.end > this.journalAtCheckpoint) await this.writeCheckpoint();
    this.state.closeArchive();
    await this.journal.close();
    await this.lock.release();
  }

  /**
   * Writes a checkpoint now (after the one being written, if any): start-up
   * then replays no journal. Conversations go on while it is written.
   */
  async checkpoint(): Promise<void> {
    if (!this.opened) throw new StoreClosedError();
    while (this.checkpointing) await this.checkpointing;
    if (this.failure) throw this.failure;
    await this.startCheckpoint();
  }

  commit(batch: WriteBatch, options?: CommitOptions): Promise<CommitResult> {
    if (!this.opened) return Promise.reject(new StoreClosedError());
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ batch, resolve, reject });
      // Capped at setTimeout's longest delay, which fires at once past it (NaN, 0 or less: no wait).
      const within = Math.min(options?.within ?? 0, MAX_TIMEOUT_MS);
      if (within > 0) this.pendingDeadline = Math.min(this.pendingDeadline, Date.now() + within);
      else this.pendingUrgent = true;
      this.scheduleFlush();
    });
  }

  /**
   * The next write: in the next turn if a pending commit cannot wait, else
   * by the earliest deadline of those that may. During a write, nothing: its
   * end calls this again for what came meanwhile.
   */
  private scheduleFlush(): void {
    if (this.exclusiveWork || this.flushScheduled || this.flushing || this.pending.length === 0) return;
    if (!this.pendingUrgent) {
      const at = this.pendingDeadline;
      if (this.flushTimer && this.flushTimer.at <= at) return;
      if (this.flushTimer) clearTimeout(this.flushTimer.timer);
      const timer = setTimeout(() => {
        this.flushTimer = undefined;
        this.pendingUrgent = true;
        this.scheduleFlush();
      }, at - Date.now());
      this.flushTimer = { at, timer };
      return;
    }
    if (this.flushTimer) clearTimeout(this.flushTimer.timer);
    this.flushTimer = undefined;
    this.flushScheduled = true;
    // setImmediate lets every commit of this tick join the same write.
    setImmediate(() => {
      this.flushScheduled = false;
      this.pendingUrgent = false;
      this.pendingDeadline = Number.POSITIVE_INFINITY;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        this.scheduleFlush();
      });
    });
  }

  private async flush(): Promise<void> {
    const group = this.pending.splice(0);
    let seq = this.state.lastSeq;
    const lines = group.map(({ batch }) => {
      const line = journalLine(batch);
      if (batch.events?.length) line.events = batch.events.map((e) => numberedEvent(e, ++seq));
      return line;
    });
    let positions: number[];
    try {
      positions = await this.journal.append(lines.map((l) => JSON.stringify(l)));
    } catch (err) {
      this.failure = new StoreWriteError(this.location, err);
      for (const p of [...group, ...this.pending.splice(0)]) p.reject(this.failure);
      return;
    }
    for (const [i, p] of group.entries()) {
      const line = lines[i] as Line;
      this.applyLine(line, positions[i] as number);
      p.resolve({ events: line.events ?? [] });
    }
    const spacing = Math.max(this.checkpointBytes, CHECKPOINT_SPACING * this.lastCheckpointBytes);
    if (this.journal.end - this.journalAtCheckpoint >= spacing && !this.checkpointing) void this.startCheckpoint();
  }

  /**
   * Erases customers (see Store.erase): one commit changes the live state,
   * then, with writes held, every sealed journal segment that holds their
   * data is rewritten (after sealing the active one) and a new checkpoint is
   * written, so that no file of the data directory holds it any more.
   * Reads go on meanwhile; commits wait.
   */
  async erase(target: ErasureTarget): Promise<ErasureReport> {
    this.assertOpen();
    if (this.failure) throw this.failure;
    const scope = new ErasureScope(target.customerIds);
    const report = emptyReport();
    await this.commit(erasureBatch(this.state, scope, report));
    return this.exclusive(async () => {
      await this.journal.seal();
      await this.removeLeftovers();
      report.files = await eraseFromJournal(this.journal, scope, report);
      this.state.forgetChannelIds(scope.channelMessageIds);
      for (const [i, e] of this.recentEvents.entries()) if (scope.ownsEvent(e)) this.recentEvents[i] = eraseEvent(e);
      await this.startCheckpoint();
      report.files++;
      await this.journal.closeRetired();
      return report;
    });
  }

  /**
   * Copies the data directory as of a new checkpoint into `dir` (new or
   * empty): the checkpoint, and the journal up to it. Commits go on while it
   * copies (they land after that point); checkpoints and erasures wait.
   * Returns the bytes copied. Open the copy as a data directory to restore it.
   */
  async backup(dir: string): Promise<{ readonly bytes: number; readonly journalPosition: number }> {
    this.assertOpen();
    const target = await backupTarget(dir, this.location);
    // Not while a write is between the journal and the state: the capture must hold all it wrote.
    while (this.exclusiveWork || this.checkpointing || this.flushing)
      await (this.exclusiveWork ?? this.checkpointing ?? this.flushing);
    if (this.failure) throw this.failure;
    let result = { bytes: 0, journalPosition: 0 };
    // Inside the checkpoint's turn: no other checkpoint replaces state.json, no erasure rewrites a segment.
    this.checkpointing = (async () => {
      const journalPosition = await this.writeCheckpoint();
      result = {
        bytes: await copyDataDir(target, this.checkpointFile, this.journal, journalPosition),
        journalPosition,
      };
    })().finally(() => {
      this.checkpointing = undefined;
    });
    await this.checkpointing;
    return result;
  }

  /**
   * Temp files a crash left (a checkpoint's, a rewritten segment's): never
   * read, but they hold what they held. No checkpoint runs during an erasure.
   */
  private async removeLeftovers(): Promise<void> {
    const inDir = async (dir: string, leftover: RegExp): Promise<void> => {
      for (const f of await readdir(dir)) if (leftover.test(f)) await unlink(join(dir, f));
    };
    await inDir(this.location, /^state\.json\.tmp-\d+$/);
    await inDir(join(this.location, 'journal'), /^\d{8}\.jsonl\.tmp$/);
  }

  /** Runs `work` with no write under way and none starting until it is done. */
  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.exclusiveWork) await this.exclusiveWork;
    let done!: () => void;
    this.exclusiveWork = new Promise((r) => {
      done = r;
    });
    try {
      while (this.flushing || this.flushScheduled || this.checkpointing) {
        await (this.flushing ?? this.checkpointing ?? new Promise((r) => setImmediate(r)));
      }
      if (this.failure) throw this.failure;
      return await work();
    } finally {
      this.exclusiveWork = undefined;
      done();
      this.scheduleFlush();
    }
  }

  /** One checkpoint at a time: `checkpointing` is the one being written. */
  private startCheckpoint(): Promise<void> {
    this.checkpointing = this.writeCheckpoint()
      .then(() => undefined)
      .finally(() => {
        this.checkpointing = undefined;
      });
    return this.checkpointing;
  }

  /** Resolves with the journal position the checkpoint is of. */
  private writeCheckpoint(): Promise<number> {
    const position = this.journal.end;
    const state = this.state.toDocument();
    this.db.data = {
      savedAt: new Date().toISOString(),
      journalPosition: position,
      state,
      messagePositions: this.messagePositions,
      eventBlocksLast: this.eventBlocks.last,
      eventBlocks: this.eventBlocks.compact(),
      snapshotPositions: this.snapshotPositions,
    };
    // db.write() captures the state synchronously, so the document matches `position`
    // exactly; the message positions it reads later are cut at `position` (checkpoint.ts).
    const written = this.db.write();
    this.db.data = null;
    return written.then(async () => {
      this.journalAtCheckpoint = position;
      // The archive's lines are now in the new file (the old one is only held open by the archive).
      const archive = state.archiveSnapshot;
      if (archive && archive.lines.length > 0) this.state.archiveMoved(new ArchiveFile(this.checkpointFile), archive);
      else this.state.closeArchive();
      this.lastCheckpointBytes = (await stat(this.checkpointFile)).size;
      return position;
    });
  }

  private restore(c: LoadedCheckpoint): void {
    this.state = c.state;
    this.messagePositions = c.messagePositions;
    this.eventBlocks = new GrowingPositions(c.eventBlocks, Math.ceil(c.state.lastSeq / EVENT_BLOCK), c.eventBlocksLast);
    this.snapshotPositions = c.snapshotPositions;
  }

  private parseLine(text: string, position: number): Line {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new StoreCorruptError(
        this.journal.fileOf(position),
        `line at byte ${this.journal.offsetOf(position)} is not JSON`,
        { cause },
      );
    }
    const parsed = LineSchema.safeParse(json);
    if (!parsed.success) {
      const why = describeIssues(parsed.error.issues).slice(0, 300);
      throw new StoreCorruptError(
        this.journal.fileOf(position),
        `line at byte ${this.journal.offsetOf(position)}: ${why}`,
      );
    }
    return parsed.data;
  }

  private applyLine(line: Line, position: number): void {
    const events = line.events;
    this.state.apply(line);
    for (const m of line.messages ?? []) {
      const list = this.positionsOf(m.conversationId);
      if (!list) this.messagePositions.set(m.conversationId, [position]);
      else if (list[list.length - 1] !== position) list.push(position);
    }
    for (const e of events ?? []) {
      if ((e.seq - 1) % EVENT_BLOCK === 0) this.eventBlocks.push(position);
      this.recentEvents.push(e);
    }
    if (this.recentEvents.length > RECENT_EVENTS * 2)
      this.recentEvents.splice(0, this.recentEvents.length - RECENT_EVENTS);
    for (const s of line.flowSnapshots ?? []) {
      if (s.snapshot === null) this.snapshotPositions.delete(s.conversationId);
      else this.snapshotPositions.set(s.conversationId, position);
    }
  }

  private positionsOf(conversationId: string): number[] | undefined {
    const p = this.messagePositions.get(conversationId);
    if (typeof p !== 'string') return p;
    const decoded = decodePositions(p);
    this.messagePositions.set(conversationId, decoded);
    return decoded;
  }

  /**
   * A line read back: it was checked against LineSchema when this process
   * wrote it or replayed it, or by the process that checkpointed after it, so
   * it is only parsed, not validated again (that cost more than the read).
   */
  private async readLine(position: number): Promise<Line> {
    return this.lineOf(await this.journal.read(position), position);
  }

  private lineOf(text: string, position: number): Line {
    try {
      const line = JSON.parse(text) as unknown;
      if (typeof line === 'object' && line !== null && !Array.isArray(line)) return line as Line;
    } catch {
      // Reported below, with the file and the byte.
    }
    return this.parseLine(text, position);
  }

  private assertOpen(): void {
    if (!this.opened) throw new StoreClosedError();
  }

  async getCustomer(id: string): Promise<Customer | undefined> {
    this.assertOpen();
    return this.state.customers.get(id);
  }
  async findCustomerByIdentity(channel: Channel, externalId: string): Promise<Customer | undefined> {
    this.assertOpen();
    return this.state.customerByIdentity(channel, externalId);
  }
  async getConversation(id: string): Promise<Conversation | undefined> {
    this.assertOpen();
    return this.state.conversation(id);
  }
  async findOpenConversation(customerId: string): Promise<Conversation | undefined> {
    this.assertOpen();
    return this.state.openConversationOf(customerId);
  }
  async listConversations(filter?: ConversationFilter): Promise<Conversation[]> {
    this.assertOpen();
    return this.state.listConversations(filter);
  }
  async countConversations(): Promise<number> {
    this.assertOpen();
    return this.state.conversationCount;
  }

  async listMessages(conversationId: string): Promise<Message[]> {
    this.assertOpen();
    const out: Message[] = [];
    for (const position of this.positionsOf(conversationId) ?? []) {
      const line = await this.readLine(position);
      for (const m of line.messages ?? []) if (m.conversationId === conversationId) out.push(m);
    }
    return out;
  }
  async findMessageIdByChannelId(channel: Channel, channelMessageId: string): Promise<string | undefined> {
    this.assertOpen();
    return this.state.messageIdByChannelId(channel, channelMessageId);
  }
  async countMessages(): Promise<number> {
    return this.state.messageCount;
  }

  async listEvents(afterSeq: number, limit: number): Promise<DomainEvent[]> {
    this.assertOpen();
    const from = Math.max(0, afterSeq);
    const to = Math.min(this.state.lastSeq, from + limit);
    const oldestRecent = this.recentEvents[0]?.seq ?? Number.POSITIVE_INFINITY;
    if (from + 1 >= oldestRecent) return this.recentEvents.slice(from + 1 - oldestRecent, to + 1 - oldestRecent);
    const out: DomainEvent[] = [];
    // From the line of the first event of from+1's block, line by line: lines hold events in seq order.
    let position = this.eventBlocks.at(Math.floor(from / EVENT_BLOCK));
    while (position !== undefined) {
      const text = await this.journal.read(position);
      const events = this.lineOf(text, position).events ?? [];
      for (const e of events) if (e.seq > from && e.seq <= to) out.push(e);
      if ((events.at(-1)?.seq ?? 0) >= to) break;
      position = await this.journal.next(position, text);
    }
    return out;
  }
  async lastEventSeq(): Promise<number> {
    return this.state.lastSeq;
  }

  async getOutboxEntry(id: string): Promise<OutboxEntry | undefined> {
    this.assertOpen();
    return this.state.outboxEntry(id);
  }
  async listOutbox(filter?: OutboxFilter): Promise<OutboxEntry[]> {
    this.assertOpen();
    return this.state.listOutbox(filter);
  }

  async getFlowSnapshot(conversationId: string): Promise<unknown | undefined> {
    this.assertOpen();
    const position = this.snapshotPositions.get(conversationId);
    if (position === undefined) return undefined;
    const line = await this.readLine(position);
    return line.flowSnapshots?.findLast((s) => s.conversationId === conversationId)?.snapshot ?? undefined;
  }

  async getAgent(id: string): Promise<Agent | undefined> {
    this.assertOpen();
    return this.state.agents.get(id);
  }
  async findAgentByTokenHash(tokenHash: string): Promise<Agent | undefined> {
    this.assertOpen();
    return this.state.agentByTokenHash(tokenHash);
  }
  async listAgents(): Promise<Agent[]> {
    this.assertOpen();
    return [...this.state.agents.values()];
  }
  /**
   * Every customer, merged ones too, in the order first stored. Read-only,
   * for copying a desk out (caredesk migrate --from-data-dir): the Store
   * interface has no listing of customers. Live: do not commit while iterating.
   */
  customers(): IterableIterator<Customer> {
    this.assertOpen();
    return this.state.customers.values();
  }
  /** The ids of the conversations with a flow snapshot (read one with getFlowSnapshot). */
  flowSnapshotIds(): string[] {
    this.assertOpen();
    return [...this.snapshotPositions.keys()];
  }
  /** The names of the record collections that hold a record. */
  recordCollections(): string[] {
    this.assertOpen();
    return [...this.state.records].filter(([, byId]) => byId.size > 0).map(([name]) => name);
  }

  async getRecord(collection: string, id: string): Promise<unknown | undefined> {
    this.assertOpen();
    return this.state.records.get(collection)?.get(id);
  }
  async listRecords(collection: string): Promise<Array<{ id: string; value: unknown }>> {
    this.assertOpen();
    return [...(this.state.records.get(collection) ?? new Map<string, unknown>())].map(([id, value]) => ({
      id,
      value,
    }));
  }
}
