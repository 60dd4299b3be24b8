/**
 * Reads a checkpoint (see checkpoint.ts for the layout) one chunk and one
 * line at a time, checking its sha256 over every byte before it is used.
 */
import { createHash } from 'node:crypto';
import { fstatSync, readSync } from 'node:fs';
import { z } from 'zod';
import type { Agent, Channel, Conversation, Customer, OutboxEntry } from '../../domain.js';
import { describeIssues, StoreCorruptError, StoreVersionError } from '../../errors.js';
import { archiveLine } from '../archive.js';
import { type StateDocument, StoreState } from '../state.js';
import { ArchiveFile } from './archive-file.js';
import { eventBlocksOf } from './positions.js';

export const STATE_SCHEMA_VERSION = 3;

/** What a checkpoint holds, as the writer writes it (checkpoint.ts). */
export interface Checkpoint {
  savedAt: string;
  journalPosition: number;
  state: StateDocument;
  /** Per conversation, its message lines' positions (see positions.ts), encoded or decoded. */
  messagePositions: Map<string, string | number[]>;
  /** Where every EVENT_BLOCK-th event's line is (see positions.ts), encoded. */
  eventBlocks: string;
  eventBlocksLast: number;
  snapshotPositions: Map<string, number>;
}

/** A checkpoint as read: its state already loaded. */
export type LoadedCheckpoint = Omit<Checkpoint, 'state'> & { state: StoreState };

/** Older layouts this version still reads (and rewrites as the current one at the next checkpoint). */
const READABLE_VERSIONS = [1, 2, 3];
const HEADER = /^\{"caredesk":"state","schemaVersion":(\d+),"sha256":"([0-9a-f]{64})","body":/;
const CHUNK = 1 << 20;

/** Large lists are checked for being lists, not item by item: the checksum covers their content. */
const list = z.custom<unknown[]>((v) => Array.isArray(v), 'expected a list');
const dict = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'expected an object',
);
const count = z.number().int().nonnegative();

const V1BodySchema = z.object({
  savedAt: z.string(),
  journalPosition: count,
  state: z.object({
    customers: list,
    conversations: list,
    outbox: list,
    agents: list,
    records: dict,
    dedupe: list,
    lastSeq: count,
    messageCount: count,
  }),
  messagePositions: dict,
  eventPositions: z.string(),
  eventPositionsLast: count,
  snapshotPositions: dict,
});

const V2BodySchema = z.object({
  savedAt: z.string(),
  journalPosition: count,
  lastSeq: count,
  messageCount: count,
  agents: list,
  eventPositions: z.string(),
  eventPositionsLast: count,
});

const V3BodySchema = V2BodySchema.omit({ eventPositions: true, eventPositionsLast: true }).extend({
  eventBlocks: z.string(),
  eventBlocksLast: count,
});
/** The header body of version 3, as written by checkpoint.ts. */
export type V3Body = z.infer<typeof V3BodySchema>;

/** Reads a checkpoint file one chunk and one line at a time. */
export class CheckpointReader {
  private readonly size: number;

  constructor(
    private readonly file: string,
    private readonly fd: number,
  ) {
    this.size = fstatSync(fd).size;
  }

  read(): LoadedCheckpoint {
    const first = Buffer.allocUnsafe(Math.min(200, this.size));
    readSync(this.fd, first, 0, first.length, 0);
    const header = HEADER.exec(first.toString('latin1'));
    if (!header) throw this.corrupt('it does not start with a caredesk state header');
    const version = Number(header[1]);
    if (!READABLE_VERSIONS.includes(version)) throw new StoreVersionError(this.file, version, STATE_SCHEMA_VERSION);
    const headerLength = (header[0] as string).length;
    const sha256 = header[2] as string;
    return version === 1 ? this.readV1(headerLength, sha256) : this.readLines(headerLength, sha256, version);
  }

  private corrupt(why: string, cause?: unknown): StoreCorruptError {
    return new StoreCorruptError(this.file, why, cause === undefined ? undefined : { cause });
  }

  /** Every line of the file from `from` on: `bytes[start, end)`, `at` its offset in the file. */
  private *lines(from: number): Generator<{ bytes: Buffer; start: number; end: number; at: number }> {
    let chunk = Buffer.allocUnsafe(CHUNK);
    let filled = 0;
    let position = from;
    let chunkAt = from;
    for (;;) {
      if (filled === chunk.length) {
        const bigger = Buffer.allocUnsafe(chunk.length * 2);
        chunk.copy(bigger, 0, 0, filled);
        chunk = bigger;
      }
      const n = readSync(this.fd, chunk, filled, chunk.length - filled, position);
      position += n;
      const scanFrom = filled;
      filled += n;
      const view = chunk.subarray(0, filled);
      let start = 0;
      for (let nl = view.indexOf(0x0a, scanFrom); nl >= 0; nl = view.indexOf(0x0a, start)) {
        yield { bytes: chunk, start, end: nl, at: chunkAt + start };
        start = nl + 1;
      }
      if (n === 0) {
        if (start < filled) yield { bytes: chunk, start, end: filled, at: chunkAt + start };
        return;
      }
      chunk.copy(chunk, 0, start, filled);
      filled -= start;
      chunkAt += start;
    }
  }

  /** The header line: its length and the body's bytes. */
  private headerLine(headerLength: number): { body: Buffer; next: number } {
    let chunk = Buffer.allocUnsafe(Math.min(CHUNK, this.size));
    let filled = 0;
    for (;;) {
      const n = readSync(this.fd, chunk, filled, chunk.length - filled, filled);
      filled += n;
      const nl = chunk.subarray(0, filled).indexOf(0x0a);
      if (nl >= 0 || n === 0 || filled === this.size) {
        const end = nl >= 0 ? nl : filled;
        if (chunk[end - 1] !== 0x7d) throw this.corrupt('its checksum does not match its content');
        return { body: Buffer.from(chunk.subarray(headerLength, end - 1)), next: nl >= 0 ? nl + 1 : filled };
      }
      if (filled === chunk.length) {
        const bigger = Buffer.allocUnsafe(chunk.length * 2);
        chunk.copy(bigger);
        chunk = bigger;
      }
    }
  }

  private parseJson(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw this.corrupt('it is not valid JSON', cause);
    }
  }

  /** Versions 2 and 3: a header line with the body, then one line per record (see checkpoint.ts). */
  private readLines(headerLength: number, sha256: string, version: number): LoadedCheckpoint {
    const { body: bodyBytes, next } = this.headerLine(headerLength);
    const hash = createHash('sha256').update(bodyBytes).update('\n');
    const json = this.parseJson(bodyBytes.toString('utf8'));
    const parsedBody = version === 2 ? V2BodySchema.safeParse(json) : V3BodySchema.safeParse(json);
    if (!parsedBody.success) throw this.corrupt(describeIssues(parsedBody.error.issues).slice(0, 500));
    const body = parsedBody.data;
    const blocks =
      'eventBlocks' in body
        ? { encoded: body.eventBlocks, last: body.eventBlocksLast }
        : eventBlocksOf(body.eventPositions, body.lastSeq, body.eventPositionsLast);
    const loaded: LoadedCheckpoint = {
      savedAt: body.savedAt,
      journalPosition: body.journalPosition,
      state: new StoreState(),
      messagePositions: new Map(),
      eventBlocks: blocks.encoded,
      eventBlocksLast: blocks.last,
      snapshotPositions: new Map(),
    };
    for (const a of body.agents as Agent[]) loaded.state.loadAgent(a);
    loaded.state.lastSeq = body.lastSeq;
    loaded.state.messageCount = body.messageCount;
    let bad: string | undefined;
    let archive: ArchiveFile | undefined;
    try {
      for (const { bytes, start, end, at } of this.lines(next)) {
        // With its newline: a line cut short by a lost newline changes the checksum too.
        hash.update(bytes.subarray(start, at + (end - start) < this.size ? end + 1 : end));
        if (archive !== undefined || bytes[start + 2] === 0x61 /* a */) {
          // The archive runs to the end of the file: indexed here, read from the file when asked for.
          if (!archive) {
            archive = new ArchiveFile(this.file);
            loaded.state.openArchive(archive);
          }
          if (!loaded.state.indexArchived(bytes, start, end, at)) bad ??= `line at byte ${at} is not an archive line`;
          continue;
        }
        const known =
          bytes[start] === 0x5b &&
          bytes[start + 1] === 0x22 &&
          load(loaded, this.parseJson(bytes.toString('utf8', start, end)) as unknown[]);
        if (!known) bad ??= `line at byte ${at} is not a checkpoint line`;
      }
      // Checked last, over every byte: until then nothing read is trusted (the state is not used).
      if (hash.digest('hex') !== sha256) throw this.corrupt('its checksum does not match its content');
      if (bad) throw this.corrupt(bad);
    } catch (err) {
      archive?.close();
      throw err;
    }
    return loaded;
  }

  /** Version 1: a JSON body line, then the archive as `id TAB customerId TAB json` lines. */
  private readV1(headerLength: number, sha256: string): LoadedCheckpoint {
    const bytes = Buffer.allocUnsafe(this.size);
    readSync(this.fd, bytes, 0, this.size, 0);
    const newline = bytes.indexOf(0x0a);
    const lineEnd = newline < 0 ? bytes.length : newline;
    const closed = bytes[lineEnd - 1] === 0x7d;
    const body = bytes.subarray(headerLength, closed ? lineEnd - 1 : lineEnd);
    const archive = newline < 0 ? Buffer.alloc(0) : bytes.subarray(newline + 1);
    const digest = createHash('sha256').update(body).update('\n').update(archive).digest('hex');
    if (!closed || digest !== sha256) throw this.corrupt('its checksum does not match its content');
    const json = this.parseJson(body.toString('utf8'));
    const parsed = V1BodySchema.safeParse(json);
    if (!parsed.success) throw this.corrupt(describeIssues(parsed.error.issues).slice(0, 500));
    const v1 = json as Omit<
      Checkpoint,
      'messagePositions' | 'snapshotPositions' | 'eventBlocks' | 'eventBlocksLast'
    > & {
      messagePositions: Record<string, string>;
      snapshotPositions: Record<string, number>;
      eventPositions: string;
      eventPositionsLast: number;
    };
    const lines: string[] = [];
    for (const line of archive.toString('utf8').split('\n')) {
      const a = line.indexOf('\t');
      const b = line.indexOf('\t', a + 1);
      if (a < 0 || b < 0) continue;
      lines.push(archiveLine(line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1)));
    }
    v1.state.archive = lines.length > 0 ? Buffer.from(lines.join('\n')) : undefined;
    // Version 1 kept `channel NUL channelMessageId` keys.
    const dedupe: string[] = [];
    const pairs = v1.state.dedupe as string[];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const key = pairs[i] as string;
      const nul = key.indexOf('\u0000');
      dedupe.push(key.slice(0, nul), key.slice(nul + 1), pairs[i + 1] as string);
    }
    const { eventPositions, eventPositionsLast, ...rest } = v1;
    const blocks = eventBlocksOf(eventPositions, v1.state.lastSeq, eventPositionsLast);
    return {
      ...rest,
      eventBlocks: blocks.encoded,
      eventBlocksLast: blocks.last,
      state: StoreState.fromDocument({ ...v1.state, dedupe }),
      messagePositions: new Map(Object.entries(v1.messagePositions)),
      snapshotPositions: new Map(Object.entries(v1.snapshotPositions)),
    };
  }
}

/** One line of a version 2 or 3 checkpoint into the state being loaded; false if it is no known line. */
function load(into: LoadedCheckpoint, line: unknown[]): boolean {
  const { state } = into;
  const value = line[1];
  switch (line[0]) {
    case 'u':
      state.loadCustomer(value as Customer);
      return true;
    case 'c': {
      const c = state.loadConversation(value as Conversation);
      if (line[2]) into.messagePositions.set(c.id, line[2] as string);
      return true;
    }
    case 'p': {
      const pairs = value as string[];
      for (let i = 0; i + 1 < pairs.length; i += 2)
        into.messagePositions.set(pairs[i] as string, pairs[i + 1] as string);
      return true;
    }
    case 's': {
      const pairs = value as Array<string | number>;
      for (let i = 0; i + 1 < pairs.length; i += 2)
        into.snapshotPositions.set(pairs[i] as string, pairs[i + 1] as number);
      return true;
    }
    case 'd': {
      const triples = value as string[];
      for (let i = 0; i + 2 < triples.length; i += 3)
        state.loadChannelId(triples[i] as Channel, triples[i + 1] as string, triples[i + 2] as string);
      return true;
    }
    case 'o':
      state.loadOutbox(value as OutboxEntry);
      return true;
    case 'k': {
      const pairs = line[2] as unknown[];
      for (let i = 0; i + 1 < pairs.length; i += 2) state.loadRecord(value as string, pairs[i] as string, pairs[i + 1]);
      return true;
    }
    default:
      return false;
  }
}
