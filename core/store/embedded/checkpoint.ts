/**
 * The checkpoint: the small state plus the positions of history in the
 * journal, as one lowdb document (`state.json`). It is rewritten whole, but
 * only now and then (after enough journal has grown), never per message, so
 * a message's write cost does not depend on it.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Adapter } from 'lowdb';
import { Low } from 'lowdb';
import { z } from 'zod';
import { AgentSchema, ConversationSchema, CustomerSchema, OutboxEntrySchema } from '../../domain.js';
import { describeIssues, StoreCorruptError, StoreVersionError } from '../../errors.js';

export const STATE_SCHEMA_VERSION = 1;

const HEADER = /^\{"caredesk":"state","schemaVersion":(\d+),"sha256":"([0-9a-f]{64})","body":/;
/** Covers the body and the archive lines: any byte changed in either is caught. */
const digest = (body: Buffer, archive: Buffer): string =>
  createHash('sha256').update(body).update('\n').update(archive).digest('hex');

/** What a checkpoint holds; records are trusted on read once the checksum matches. */
const CheckpointSchema = z.object({
  savedAt: z.string(),
  journalPosition: z.number().int().nonnegative(),
  state: z.object({
    customers: z.array(CustomerSchema),
    conversations: z.array(ConversationSchema),
    outbox: z.array(OutboxEntrySchema),
    agents: z.array(AgentSchema),
    records: z.record(z.string(), z.record(z.string(), z.unknown())),
    archive: z.union([z.string(), z.instanceof(Buffer)]).optional(),
    dedupe: z.array(z.string()),
    lastSeq: z.number().int().nonnegative(),
    messageCount: z.number().int().nonnegative(),
  }),
  /** Per conversation, its message lines' positions (see positions.ts). */
  messagePositions: z.record(z.string(), z.string()),
  eventPositions: z.string(),
  eventPositionsLast: z.number().int().nonnegative(),
  snapshotPositions: z.record(z.string(), z.number().int().nonnegative()),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/** Large lists are checked for being lists, not item by item: the checksum covers their content. */
const list = z.custom<unknown[]>((v) => Array.isArray(v), 'expected a list');
const dict = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'expected an object',
);

const CheckpointShapeSchema = z.object({
  savedAt: z.string(),
  journalPosition: z.number().int().nonnegative(),
  state: z.object({
    customers: list,
    conversations: list,
    outbox: list,
    agents: list,
    records: dict,
    dedupe: list,
    lastSeq: z.number().int().nonnegative(),
    messageCount: z.number().int().nonnegative(),
  }),
  messagePositions: dict,
  eventPositions: z.string(),
  eventPositionsLast: z.number().int().nonnegative(),
  snapshotPositions: dict,
});

/**
 * A lowdb adapter that is crash-safe: write a temp file, fsync it, rename it
 * over the old one, fsync the directory. lowdb's own JSONFile renames without
 * fsync and pretty-prints, which costs more and survives less.
 */
export class DurableJsonFile implements Adapter<Checkpoint> {
  constructor(private readonly file: string) {}

  async read(): Promise<Checkpoint | null> {
    let bytes: Buffer;
    try {
      // Synchronous: nothing else runs during start-up, and it skips a thread-pool round trip per chunk.
      bytes = readFileSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StoreCorruptError(this.file, `it cannot be read: ${(err as Error).message}`, { cause: err });
    }
    const header = HEADER.exec(bytes.toString('latin1', 0, 200));
    if (!header) throw new StoreCorruptError(this.file, 'it does not start with a caredesk state header');
    if (Number(header[1]) !== STATE_SCHEMA_VERSION) {
      throw new StoreVersionError(this.file, Number(header[1]), STATE_SCHEMA_VERSION);
    }
    // Line 1: header and JSON body; the lines after it: the archive of resolved conversations.
    const newline = bytes.indexOf(0x0a);
    const lineEnd = newline < 0 ? bytes.length : newline;
    const closed = bytes[lineEnd - 1] === 0x7d;
    const body = bytes.subarray(header[0].length, closed ? lineEnd - 1 : lineEnd);
    const archive = newline < 0 ? Buffer.alloc(0) : bytes.subarray(newline + 1);
    if (!closed || digest(body, archive) !== header[2]) {
      throw new StoreCorruptError(this.file, 'its checksum does not match its content');
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch (cause) {
      throw new StoreCorruptError(this.file, 'it is not valid JSON', { cause });
    }
    // The checksum proves these are the bytes caredesk wrote; checking the shape of
    // every record again would cost more than the rest of start-up together.
    const parsed = CheckpointShapeSchema.safeParse(json);
    if (!parsed.success) throw new StoreCorruptError(this.file, describeIssues(parsed.error.issues).slice(0, 500));
    const checkpoint = json as Checkpoint;
    // Decoded on first use: most start-ups never read an archived conversation.
    checkpoint.state.archive = Buffer.from(archive); // a copy, so the rest of the file can be freed
    return checkpoint;
  }

  async write(data: Checkpoint): Promise<void> {
    // Serialised before the first await, so the file holds the state of this very moment.
    const { archive = '', ...state } = data.state;
    const body = Buffer.from(JSON.stringify({ ...data, state }));
    const tail = Buffer.from(archive);
    const header = `{"caredesk":"state","schemaVersion":${STATE_SCHEMA_VERSION},"sha256":"${digest(body, tail)}","body":`;
    const text = Buffer.concat([Buffer.from(header), body, Buffer.from('}\n'), tail]);
    const tmp = `${this.file}.tmp-${process.pid}`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await handle.close();
    await rename(tmp, this.file);
    const dirFd = openSync(dirname(this.file), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}

export function checkpointDb(file: string): Low<Checkpoint | null> {
  return new Low<Checkpoint | null>(new DurableJsonFile(file) as Adapter<Checkpoint | null>, null);
}
