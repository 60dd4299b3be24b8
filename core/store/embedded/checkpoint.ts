/**
 * The checkpoint: the small state plus the positions of history in the
 * journal, as one lowdb document (`state.json`). It is rewritten whole, but
 * only now and then (after enough journal has grown), never per message, so
 * a message's write cost does not depend on it.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Adapter } from 'lowdb';
import { Low } from 'lowdb';
import { z } from 'zod';
import { AgentSchema, ConversationSchema, CustomerSchema, OutboxEntrySchema } from '../../domain.js';
import { describeIssues, StoreCorruptError, StoreVersionError } from '../../errors.js';

export const STATE_SCHEMA_VERSION = 1;

const CheckpointSchema = z.object({
  caredesk: z.literal('state'),
  schemaVersion: z.literal(STATE_SCHEMA_VERSION),
  savedAt: z.string(),
  journalPosition: z.number().int().nonnegative(),
  state: z.object({
    customers: z.array(CustomerSchema),
    conversations: z.array(ConversationSchema),
    outbox: z.array(OutboxEntrySchema),
    agents: z.array(AgentSchema),
    records: z.record(z.string(), z.record(z.string(), z.unknown())),
    dedupe: z.array(z.tuple([z.string(), z.string()])),
    lastSeq: z.number().int().nonnegative(),
    messageCount: z.number().int().nonnegative(),
  }),
  messagePositions: z.record(z.string(), z.array(z.number().int().nonnegative())),
  eventPositions: z.array(z.number().int().nonnegative()),
  snapshotPositions: z.record(z.string(), z.number().int().nonnegative()),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

/**
 * A lowdb adapter that is crash-safe: write a temp file, fsync it, rename it
 * over the old one, fsync the directory. lowdb's own JSONFile renames without
 * fsync and pretty-prints, which costs more and survives less.
 */
export class DurableJsonFile implements Adapter<Checkpoint> {
  constructor(private readonly file: string) {}

  async read(): Promise<Checkpoint | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StoreCorruptError(this.file, `it cannot be read: ${(err as Error).message}`, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new StoreCorruptError(this.file, 'it is not valid JSON', { cause });
    }
    const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (typeof version === 'number' && version !== STATE_SCHEMA_VERSION) {
      throw new StoreVersionError(this.file, version, STATE_SCHEMA_VERSION);
    }
    const parsed = CheckpointSchema.safeParse(json);
    if (!parsed.success) throw new StoreCorruptError(this.file, describeIssues(parsed.error.issues).slice(0, 500));
    return parsed.data;
  }

  async write(data: Checkpoint): Promise<void> {
    // Serialised before the first await, so the file holds the state of this very moment.
    const text = JSON.stringify(data);
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
