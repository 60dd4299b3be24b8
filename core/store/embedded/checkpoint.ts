/**
 * The checkpoint: the small state plus the positions of history in the
 * journal (`state.json`). It is rewritten whole, but only now and then (after
 * enough journal has grown), never per message, so a message's write cost
 * does not depend on it.
 *
 * Layout (schema version 2), JSON lines:
 *
 *   {"caredesk":"state","schemaVersion":2,"sha256":"…","body":{…}}   header: the small parts
 *   ["u",{customer}]                                                  one per customer
 *   ["c",{conversation},"positions"]                                  one per open conversation
 *   ["p",[conversationId,"positions",…]]                              message positions of the others
 *   ["s",[conversationId,position,…]]                                 flow snapshot positions
 *   ["d",[channel,channelMessageId,messageId,…]]                      recent channel message ids
 *   ["o",{outbox entry}]
 *   ["k",collection,[id,value,…]]                                     small records
 *   ["a","id","customerId",{conversation}]                            resolved ones, last: kept as text
 *
 * Start-up reads it in chunks, one line at a time: no copy of the whole file
 * (nor a string of it) is ever held, so a large checkpoint costs its parsed
 * state and little more. The sha256 covers the body and every line after it.
 * Version 1 (one JSON body line, then tab-separated archive lines) is still read.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Adapter } from 'lowdb';
import { Low } from 'lowdb';
import { StoreCorruptError, StoreVersionError } from '../../errors.js';
import { type StateDocument, StoreState } from '../state.js';
import { CheckpointReader, type LoadedCheckpoint, type V2Body } from './checkpoint-reader.js';
import { encodePositions } from './positions.js';

export const STATE_SCHEMA_VERSION = 2;
const CHUNK = 1 << 20;
/** Entries per line of the batched sections: small enough to parse without a large string. */
const BATCH = 1000;

export interface Checkpoint {
  savedAt: string;
  journalPosition: number;
  state: StateDocument;
  /** Per conversation, its message lines' positions (see positions.ts), encoded or decoded. */
  messagePositions: Map<string, string | number[]>;
  eventPositions: string;
  eventPositionsLast: number;
  snapshotPositions: Map<string, number>;
}

/**
 * A lowdb adapter that is crash-safe: write a temp file, fsync it, rename it
 * over the old one, fsync the directory. lowdb's own JSONFile renames without
 * fsync and pretty-prints, which costs more and survives less.
 */
/** Written from the state's document; read back as a loaded state. */
export type CheckpointData = Checkpoint | LoadedCheckpoint;

export class DurableJsonFile implements Adapter<CheckpointData> {
  constructor(private readonly file: string) {}

  async read(): Promise<LoadedCheckpoint | null> {
    let fd: number;
    try {
      // Synchronous: nothing else runs during start-up, and it skips a thread-pool round trip per chunk.
      fd = openSync(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw this.unreadable(err);
    }
    try {
      return new CheckpointReader(this.file, fd).read();
    } catch (err) {
      if (err instanceof StoreCorruptError || err instanceof StoreVersionError) throw err;
      throw this.unreadable(err);
    } finally {
      closeSync(fd);
    }
  }

  private unreadable(err: unknown): StoreCorruptError {
    return new StoreCorruptError(this.file, `it cannot be read: ${(err as Error).message}`, { cause: err });
  }

  async write(data: CheckpointData): Promise<void> {
    // Serialised before the first await, so the file holds the state of this very moment.
    const { state } = data;
    const chunks = serialize({ ...data, state: state instanceof StoreState ? state.toDocument() : state });
    const tmp = `${this.file}.tmp-${process.pid}`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writev(chunks);
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

/** The checkpoint as the buffers to write, header first. */
function serialize(data: Checkpoint): Buffer[] {
  const { state } = data;
  const body: V2Body = {
    savedAt: data.savedAt,
    journalPosition: data.journalPosition,
    lastSeq: state.lastSeq,
    messageCount: state.messageCount,
    agents: state.agents,
    eventPositions: data.eventPositions,
    eventPositionsLast: data.eventPositionsLast,
  };
  const out = new ChunkWriter();
  const encoded = (p: string | number[]): string => (typeof p === 'string' ? p : encodePositions(p));
  for (const c of state.customers) out.line(`["u",${JSON.stringify(c)}]`);
  const open = new Set<string>();
  for (const c of state.conversations) {
    const p = data.messagePositions.get(c.id);
    out.line(`["c",${JSON.stringify(c)},${JSON.stringify(p === undefined ? '' : encoded(p))}]`);
    open.add(c.id);
  }
  let batch: unknown[] = [];
  const flush = (tag: string, prefix = ''): void => {
    if (batch.length > 0) out.line(`["${tag}",${prefix}${JSON.stringify(batch)}]`);
    batch = [];
  };
  for (const [id, p] of data.messagePositions) {
    if (open.has(id)) continue;
    batch.push(id, encoded(p));
    if (batch.length >= 2 * BATCH) flush('p');
  }
  flush('p');
  for (const [id, p] of data.snapshotPositions) {
    batch.push(id, p);
    if (batch.length >= 2 * BATCH) flush('s');
  }
  flush('s');
  for (let i = 0; i < state.dedupe.length; i += 3 * BATCH) {
    out.line(`["d",${JSON.stringify(state.dedupe.slice(i, i + 3 * BATCH))}]`);
  }
  for (const o of state.outbox) out.line(`["o",${JSON.stringify(o)}]`);
  for (const [collection, byId] of Object.entries(state.records)) {
    const prefix = `${JSON.stringify(collection)},`;
    for (const [id, value] of Object.entries(byId)) {
      batch.push(id, value);
      if (batch.length >= 2 * BATCH) flush('k', prefix);
    }
    flush('k', prefix);
  }
  if (state.archive && state.archive.length > 0) out.raw(Buffer.from(state.archive));
  const lines = out.done();
  const bodyBuffer = Buffer.from(JSON.stringify(body));
  const hash = createHash('sha256').update(bodyBuffer).update('\n');
  for (const b of lines) hash.update(b);
  const header = `{"caredesk":"state","schemaVersion":${STATE_SCHEMA_VERSION},"sha256":"${hash.digest('hex')}","body":`;
  return [Buffer.from(header), bodyBuffer, Buffer.from('}\n'), ...lines];
}

/** Joins lines into ~1 MiB buffers: few buffers to write, no string of the whole file. */
class ChunkWriter {
  private readonly buffers: Buffer[] = [];
  private pending: string[] = [];
  private pendingLength = 0;

  line(text: string): void {
    this.pending.push(text);
    this.pendingLength += text.length + 1;
    if (this.pendingLength >= CHUNK) this.flush();
  }

  /** Text already made of whole lines, each ending with a newline but possibly the last. */
  raw(bytes: Buffer): void {
    this.flush();
    this.buffers.push(bytes);
    if (bytes[bytes.length - 1] !== 0x0a) this.buffers.push(Buffer.from('\n'));
  }

  done(): Buffer[] {
    this.flush();
    return this.buffers;
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.pending.push('');
    this.buffers.push(Buffer.from(this.pending.join('\n')));
    this.pending = [];
    this.pendingLength = 0;
  }
}

export function checkpointDb(file: string): Low<CheckpointData | null> {
  return new Low<CheckpointData | null>(new DurableJsonFile(file) as Adapter<CheckpointData | null>, null);
}
