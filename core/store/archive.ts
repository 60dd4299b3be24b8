import type { Conversation } from '../domain.js';
import { StoreCorruptError } from '../errors.js';
import { CompactIndex } from '../util/compact-index.js';

/**
 * Where archived conversations are read back from: the checkpoint file they
 * were loaded from (the embedded store's ArchiveFile), or bytes in memory.
 */
export interface ArchiveSource {
  /** The file the bytes are in, for error messages. */
  readonly location: string;
  read(offset: number, length: number): Buffer;
  close(): void;
}

/** An archive kept in memory: a version 1 checkpoint's, converted, until the next checkpoint. */
export class ArchiveBytes implements ArchiveSource {
  constructor(
    private readonly bytes: Buffer,
    readonly location = 'state.json',
  ) {}

  read(offset: number, length: number): Buffer {
    return this.bytes.subarray(offset, offset + length);
  }

  close(): void {}
}

/**
 * Where one archived conversation's line is, and what is indexed about it.
 * Only `offset` changes, when a checkpoint has moved the line (moveTo).
 */
export interface ArchivedLine {
  offset: number;
  readonly length: number;
  readonly customerId: string;
  /** Its lastMessageAt in ms since the epoch: the newest-first order. */
  readonly lastMessageAt: number;
}

export interface ArchiveSnapshot {
  readonly source: ArchiveSource | undefined;
  /** The archived lines at the time, in the order they sit in the source. */
  readonly lines: ReadonlyArray<readonly [string, ArchivedLine]>;
  readonly resolved: readonly Conversation[];
  /**
   * Filled by whoever writes the snapshot: where each of `lines` starts in
   * what it wrote, by the line's index in `lines` (-1: not written). Small
   * integers, as the offsets they replace: a double stored into every line
   * would make V8 migrate each of them to a new shape, holding the event loop.
   */
  readonly moved: number[];
}

/**
 * Resolved conversations loaded from a checkpoint. Only an index is kept in
 * memory (id, customer, recency, where the line is); a conversation is read
 * from the checkpoint file and parsed when asked for. A desk's history is
 * mostly resolved cases, and keeping their text in memory put a server on
 * 100,000 conversations over its memory budget. Updating one (a reopen, a
 * merge) moves it back among the parsed conversations.
 */
export class ArchivedConversations {
  private lines = new Map<string, ArchivedLine>();
  private readonly byCustomer = new CompactIndex();
  private source: ArchiveSource | undefined;
  /** Ids newest activity first, sorted on the first listing that wants only the newest. */
  private recency: string[] | undefined;

  /** @param shareId returns an equal string already kept elsewhere (a customer id), to hold it once. */
  constructor(private readonly shareId: (id: string) => string = (id) => id) {}

  get size(): number {
    return this.lines.size;
  }

  /** Starts reading from `source`; `index` the lines it holds. */
  open(source: ArchiveSource): void {
    this.source?.close();
    this.source = source;
  }

  /**
   * Indexes one line of the archive, `bytes[start, end)`, found at `offset` in
   * the source. False if it is no archive line.
   */
  index(bytes: Buffer, start: number, end: number, offset: number): boolean {
    const head = readHead(bytes, start, end) ?? parseHead(bytes.toString('utf8', start, end));
    if (!head) return false;
    const customerId = this.shareId(head.customerId);
    this.lines.set(head.id, { offset, length: end - start, customerId, lastMessageAt: head.lastMessageAt });
    this.byCustomer.add(customerId, head.id);
    this.recency = undefined;
    return true;
  }

  /** A whole archive held in memory (a version 1 checkpoint's). */
  load(archive: Buffer, location?: string): void {
    this.open(new ArchiveBytes(archive, location));
    let start = 0;
    while (start < archive.length) {
      const nl = archive.indexOf(0x0a, start);
      const end = nl < 0 ? archive.length : nl;
      if (end > start && !this.index(archive, start, end, start)) {
        throw new StoreCorruptError(location ?? 'state.json', `archive line at byte ${start} cannot be read`);
      }
      start = end + 1;
    }
  }

  /** What a checkpoint writes, as of now; the writer fills `moved`. */
  snapshot(alsoResolved: readonly Conversation[]): ArchiveSnapshot {
    const lines = [...this.lines];
    lines.sort((a, b) => a[1].offset - b[1].offset);
    return {
      source: this.source,
      lines,
      resolved: alsoResolved,
      moved: new Array<number>(lines.length).fill(-1),
    };
  }

  /**
   * The snapshot was written to `source` (the new checkpoint): read from it
   * from now on. Lines only leave the archive after a snapshot, so every line
   * still here was in it and has moved.
   */
  moveTo(source: ArchiveSource, written: ArchiveSnapshot): void {
    if (written.moved.includes(-1)) {
      source.close();
      return;
    }
    // In place, by index: building a new map of new lines, looked up by id, holds the event loop for as
    // long as the archive is big. The snapshot that read the old offsets is written; nothing else keeps
    // a line past a call, and a line that left the archive since is no longer read.
    for (const [i, [, line]] of written.lines.entries()) line.offset = written.moved[i] as number;
    this.open(source);
  }

  close(): void {
    this.source?.close();
    this.source = undefined;
  }

  get(id: string): Conversation | undefined {
    const line = this.lines.get(id);
    return line === undefined ? undefined : this.parse(id, line);
  }

  private parse(id: string, line: ArchivedLine): Conversation {
    const source = this.source as ArchiveSource;
    const text = source.read(line.offset, line.length).toString('utf8');
    try {
      return (JSON.parse(text) as [string, string, string, Conversation])[3];
    } catch (cause) {
      throw new StoreCorruptError(source.location, `archived conversation ${id} cannot be read`, { cause });
    }
  }

  /** Every archived conversation, or a customer's; `activeSince` (ISO) skips older ones unread. */
  list(customerId?: string, activeSince?: string): Conversation[] {
    const ids = customerId === undefined ? [...this.lines.keys()] : this.byCustomer.get(customerId);
    const since = activeSince === undefined ? Number.NEGATIVE_INFINITY : Date.parse(activeSince);
    const out: Conversation[] = [];
    for (const id of ids) {
      const line = this.lines.get(id);
      if (line !== undefined && line.lastMessageAt >= since) out.push(this.parse(id, line));
    }
    return out;
  }

  /**
   * Offers archived conversations to `take`, newest activity first, until it
   * has accepted `limit`: the newest few are found without reading them all.
   */
  newest(limit: number, take: (c: Conversation) => boolean, customerId?: string): void {
    this.recency ??= [...this.lines.keys()].sort(
      (a, b) => (this.lines.get(b) as ArchivedLine).lastMessageAt - (this.lines.get(a) as ArchivedLine).lastMessageAt,
    );
    let taken = 0;
    for (const id of this.recency) {
      if (taken >= limit) return;
      const line = this.lines.get(id);
      if (!line || (customerId !== undefined && line.customerId !== customerId)) continue;
      if (take(this.parse(id, line))) taken++;
    }
  }

  delete(id: string): void {
    const line = this.lines.get(id);
    if (!line) return;
    this.lines.delete(id);
    this.byCustomer.delete(line.customerId, id);
  }
}

/** One resolved conversation as a line of the checkpoint's archive. */
export const archiveLine = (id: string, customerId: string, json: string): string =>
  `["a",${JSON.stringify(id)},${JSON.stringify(customerId)},${json}]`;

interface LineHead {
  readonly id: string;
  readonly customerId: string;
  readonly lastMessageAt: number;
}

const QUOTE = 0x22;
const LAST_MESSAGE_AT = Buffer.from('"lastMessageAt":"');

/** `["a","id","customerId",{…"lastMessageAt":"…"…}]` read from the bytes, when no id needs JSON escapes. */
function readHead(bytes: Buffer, start: number, end: number): LineHead | undefined {
  // ["a","
  if (bytes[start] !== 0x5b || bytes[start + 1] !== QUOTE || bytes[start + 2] !== 0x61) return undefined;
  if (bytes[start + 3] !== QUOTE || bytes[start + 4] !== 0x2c || bytes[start + 5] !== QUOTE) return undefined;
  const idEnd = quoteAfter(bytes, start + 6, end);
  if (idEnd < 0 || bytes[idEnd + 1] !== 0x2c || bytes[idEnd + 2] !== QUOTE) return undefined;
  const customerEnd = quoteAfter(bytes, idEnd + 3, end);
  if (customerEnd < 0 || bytes[customerEnd + 1] !== 0x2c) return undefined;
  const at = bytes.indexOf(LAST_MESSAGE_AT, customerEnd);
  const atEnd = at < 0 || at >= end ? -1 : bytes.indexOf(QUOTE, at + LAST_MESSAGE_AT.length);
  return {
    id: bytes.toString('utf8', start + 6, idEnd),
    customerId: bytes.toString('utf8', idEnd + 3, customerEnd),
    lastMessageAt:
      atEnd < 0 || atEnd >= end ? 0 : Date.parse(bytes.toString('latin1', at + LAST_MESSAGE_AT.length, atEnd)) || 0,
  };
}

/** The closing quote of a string starting at `from`; -1 if it has an escape (read the slow way) or no end. */
function quoteAfter(bytes: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const b = bytes[i];
    if (b === QUOTE) return i;
    if (b === 0x5c) return -1;
  }
  return -1;
}

/** The slow way, for ids JSON had to escape (rare). */
function parseHead(text: string): LineHead | undefined {
  try {
    const [tag, id, customerId, c] = JSON.parse(text) as [unknown, unknown, unknown, Conversation];
    if (tag !== 'a' || typeof id !== 'string' || typeof customerId !== 'string') return undefined;
    return { id, customerId, lastMessageAt: Date.parse(c?.lastMessageAt ?? '') || 0 };
  } catch {
    return undefined;
  }
}
