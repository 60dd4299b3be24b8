/**
 * The checkpoint: the small state plus the positions of history in the
 * journal (`state.json`). It is rewritten whole, but only now and then (after
 * enough journal has grown), never per message, so a message's write cost
 * does not depend on it.
 *
 * Layout (schema version 3), JSON lines:
 *
 *   {"caredesk":"state","schemaVersion":3,"sha256":"…","body":{…}}   header: the small parts
 *   ["u",{customer}]                                                  one per customer
 *   ["c",{conversation},"positions"]                                  one per open conversation
 *   ["p",[conversationId,"positions",…]]                              message positions of the others
 *   ["s",[conversationId,position,…]]                                 flow snapshot positions
 *   ["d",[channel,channelMessageId,messageId,…]]                      recent channel message ids
 *   ["o",{outbox entry}]
 *   ["k",collection,[id,value,…]]                                     small records
 *   ["a","id","customerId",{conversation}]                            resolved ones, last: read in place
 *
 * Start-up reads it in chunks, one line at a time: no copy of the whole file
 * (nor a string of it) is ever held, so a large checkpoint costs its parsed
 * state and little more. The sha256 covers the body and every line after it.
 * Version 2 (the same lines, with every event's position in the body instead
 * of every 64th event's) and version 1 (one JSON body line, then
 * tab-separated archive lines) are still read.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { Low } from 'lowdb';
import { StoreCorruptError, StoreVersionError } from '../../errors.js';
import { type ArchiveSnapshot, type ArchiveSource, archiveLine } from '../archive.js';
import { StoreState } from '../state.js';
import {
  type Checkpoint,
  CheckpointReader,
  type LoadedCheckpoint,
  STATE_SCHEMA_VERSION,
  type V3Body,
} from './checkpoint-reader.js';

export { type Checkpoint, STATE_SCHEMA_VERSION } from './checkpoint-reader.js';

import { encodePositions } from './positions.js';
import { replaceFile } from './replace-file.js';

/** Bytes of lines serialised between two writes: the longest the event loop waits on a checkpoint. */
const CHUNK = 256 * 1024;
/** Entries per line of the batched sections: small enough to parse without a large string. */
const BATCH = 1000;

/** Written from the state's document; read back as a loaded state. */
export type CheckpointData = Checkpoint | LoadedCheckpoint;

/**
 * A lowdb adapter that is crash-safe: write a temp file, fsync it, rename it
 * over the old one, fsync the directory. lowdb's own JSONFile renames without
 * fsync and pretty-prints, which costs more and survives less.
 */
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

  /**
   * The state is captured when this is called (lists of its immutable
   * records, a copy of the snapshot positions), then written a chunk at a
   * time with the event loop free in between: a checkpoint of 100,000
   * conversations does not stop every conversation for as long as it takes.
   * Message positions are not copied (most of the capture's cost would be
   * that): lists of them only grow, so the writer reads the live ones and
   * keeps what is before `journalPosition` (see positionsBefore). Nor are the
   * recent channel message ids flattened: the state hands a view of them
   * (StoreState.dedupeView). Figures: docs/store.md and bench:store.
   */
  async write(data: CheckpointData): Promise<void> {
    const { state } = data;
    const doc: Checkpoint = {
      ...data,
      state: state instanceof StoreState ? state.toDocument() : state,
      snapshotPositions: new Map(data.snapshotPositions),
    };
    await replaceFile(this.file, `${this.file}.tmp-${process.pid}`, (handle) => writeCheckpoint(doc, handle));
  }
}

/**
 * A conversation's message positions as of the checkpoint, encoded: those
 * before `limit` (its journalPosition). The list may have grown since the
 * state was captured, by lines at or after `limit`, which are replayed from
 * the journal on open; a list decoded since is the same list. Encoded lists
 * come from an older checkpoint, so are all before `limit`.
 */
function positionsBefore(p: string | number[], limit: number): string {
  if (typeof p === 'string') return p;
  let n = p.length;
  while (n > 0 && (p[n - 1] as number) >= limit) n--;
  return encodePositions(n === p.length ? p : p.slice(0, n));
}

/** Writes the checkpoint: a header with a placeholder checksum, the lines, then the checksum in place. */
async function writeCheckpoint(data: Checkpoint, file: FileHandle): Promise<void> {
  const { state } = data;
  const body: V3Body = {
    savedAt: data.savedAt,
    journalPosition: data.journalPosition,
    lastSeq: state.lastSeq,
    messageCount: state.messageCount,
    agents: state.agents,
    eventBlocks: data.eventBlocks,
    eventBlocksLast: data.eventBlocksLast,
  };
  const bodyBuffer = Buffer.from(JSON.stringify(body));
  const hash = createHash('sha256').update(bodyBuffer).update('\n');
  const header = (sha: string): Buffer =>
    Buffer.from(`{"caredesk":"state","schemaVersion":${STATE_SCHEMA_VERSION},"sha256":"${sha}","body":`);
  let position = 0;
  const write = async (bytes: Buffer): Promise<void> => {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await file.write(bytes, written, bytes.length - written, position + written);
      written += bytesWritten;
    }
    position += bytes.length;
  };
  await write(Buffer.concat([header('0'.repeat(64)), bodyBuffer, Buffer.from('}\n')]));
  const linesStart = position;
  const out = new ChunkWriter(async (chunk) => {
    hash.update(chunk);
    await write(chunk);
  });

  const encoded = (p: string | number[]): string => positionsBefore(p, data.journalPosition);
  for (const c of state.customers) await out.line(`["u",${JSON.stringify(c)}]`);
  const open = new Set<string>();
  for (const c of state.conversations) {
    const p = data.messagePositions.get(c.id);
    await out.line(`["c",${JSON.stringify(c)},${JSON.stringify(p === undefined ? '' : encoded(p))}]`);
    open.add(c.id);
  }
  let batch: unknown[] = [];
  const flush = async (tag: string, prefix = ''): Promise<void> => {
    if (batch.length > 0) await out.line(`["${tag}",${prefix}${JSON.stringify(batch)}]`);
    batch = [];
  };
  for (const [id, p] of data.messagePositions) {
    if (open.has(id)) continue;
    const before = encoded(p);
    // A conversation whose first message came after the capture: it is all in the journal still.
    if (before === '') continue;
    batch.push(id, before);
    if (batch.length >= 2 * BATCH) await flush('p');
  }
  await flush('p');
  for (const [id, p] of data.snapshotPositions) {
    batch.push(id, p);
    if (batch.length >= 2 * BATCH) await flush('s');
  }
  await flush('s');
  for (let i = 0; i < state.dedupe.length; i += 3 * BATCH) {
    await out.line(`["d",${JSON.stringify(state.dedupe.slice(i, i + 3 * BATCH))}]`);
  }
  for (const o of state.outbox) await out.line(`["o",${JSON.stringify(o)}]`);
  for (const [collection, byId] of Object.entries(state.records)) {
    const prefix = `${JSON.stringify(collection)},`;
    for (const [id, value] of Object.entries(byId)) {
      batch.push(id, value);
      if (batch.length >= 2 * BATCH) await flush('k', prefix);
    }
    await flush('k', prefix);
  }
  // The archive last: the reader indexes everything from its first line on and reads it from the file.
  const archive = state.archiveSnapshot;
  if (archive) await writeArchive(archive, out, linesStart);
  await out.done();
  const sha = header(hash.digest('hex'));
  await file.write(sha, 0, sha.length, 0);
}

/**
 * Copies the archived lines from where they are now (the current checkpoint
 * file) in runs of adjacent lines, then adds the conversations resolved since,
 * noting in `archive.moved` where each copied line lands in the new file.
 */
async function writeArchive(archive: ArchiveSnapshot, out: ChunkWriter, fileOffset: number): Promise<void> {
  const { lines, source } = archive;
  for (let i = 0; i < lines.length; ) {
    const first = lines[i] as (typeof lines)[number];
    let end = first[1].offset + first[1].length;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const next = (lines[j] as (typeof lines)[number])[1];
      if (next.offset !== end + 1 || next.offset + next.length - first[1].offset > CHUNK) break;
      end = next.offset + next.length;
    }
    const run = (source as ArchiveSource).read(first[1].offset, end - first[1].offset);
    const at = fileOffset + (await out.bytes(run));
    for (; i < j; i++) archive.moved[i] = at + (lines[i] as (typeof lines)[number])[1].offset - first[1].offset;
  }
  for (const c of archive.resolved) await out.bytes(Buffer.from(archiveLine(c.id, c.customerId, JSON.stringify(c))));
}

const NEWLINE = Buffer.from('\n');

/** Joins lines into chunks of ~CHUNK bytes handed to `sink` one at a time: no buffer of the whole file. */
class ChunkWriter {
  private pending: string[] = [];
  private pendingLength = 0;
  private parts: Buffer[] = [];
  private partsLength = 0;
  /** Bytes handed to the sink so far. */
  private sunk = 0;

  constructor(private readonly sink: (chunk: Buffer) => Promise<void>) {}

  async line(text: string): Promise<void> {
    if (this.partsLength > 0) await this.flush();
    this.pending.push(text);
    this.pendingLength += text.length + 1;
    if (this.pendingLength >= CHUNK) await this.flush();
  }

  /** Bytes of whole lines, written with a newline after them; returns where they start. */
  async bytes(bytes: Buffer): Promise<number> {
    if (this.pending.length > 0) await this.flush();
    const at = this.sunk + this.partsLength;
    this.parts.push(bytes, NEWLINE);
    this.partsLength += bytes.length + 1;
    if (this.partsLength >= CHUNK) await this.flush();
    return at;
  }

  async done(): Promise<void> {
    await this.flush();
  }

  private async flush(): Promise<void> {
    let chunk: Buffer;
    if (this.pending.length > 0) {
      this.pending.push('');
      chunk = Buffer.from(this.pending.join('\n'));
      this.pending = [];
      this.pendingLength = 0;
    } else if (this.parts.length > 0) {
      chunk = Buffer.concat(this.parts, this.partsLength);
      this.parts = [];
      this.partsLength = 0;
    } else return;
    this.sunk += chunk.length;
    await this.sink(chunk);
  }
}

export function checkpointDb(file: string): Low<CheckpointData | null> {
  return new Low<CheckpointData | null>(new DurableJsonFile(file) as Adapter<CheckpointData | null>, null);
}
