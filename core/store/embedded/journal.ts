/**
 * An append-only journal of JSON lines split into segment files
 * (`journal/00000001.jsonl`, …). Appending costs the same whatever the
 * history: it never rewrites what is written. A line is addressed by its
 * position, `segment * SEGMENT_SPAN + byte offset`, one number that indexes
 * can hold cheaply.
 */
import { constants } from 'node:fs';
import { copyFile, type FileHandle, mkdir, open, readdir, readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreCorruptError, StoreVersionError } from '../../errors.js';
import { replaceFile, syncDirectory } from './replace-file.js';

export const JOURNAL_SCHEMA_VERSION = 1;
const SEGMENT_SPAN = 2 ** 32;
const NEWLINE = 0x0a;
/** Bytes read at a time for random reads: a few lines of history, and the next ones a reader will ask for. */
const READ_AHEAD = 64 * 1024;

export interface JournalOptions {
  /** A segment is sealed once it grows past this many bytes. */
  readonly segmentBytes: number;
  /** fdatasync after every group of appends (on by default; off survives a process crash, not a power cut). */
  readonly fsync: boolean;
}

export interface JournalLine {
  readonly position: number;
  readonly text: string;
}

/**
 * With fsync on, the append file is opened O_DSYNC where the platform has it:
 * each write returns once durable, as write + fdatasync would, in one call to
 * the thread pool instead of two (each a turn of the event loop that a commit
 * waits for). Elsewhere (Windows) appends are followed by fdatasync.
 */
const O_DSYNC: number | undefined = constants.O_DSYNC;
// Positional writes (at the end of the data, not of the file: see PREALLOCATE).
const appendFlags = (fsync: boolean): number =>
  constants.O_WRONLY | constants.O_CREAT | (fsync && O_DSYNC !== undefined ? O_DSYNC : 0);
const syncAfterWrite = (fsync: boolean): boolean => fsync && O_DSYNC === undefined;

/**
 * With fsync on, the active segment is kept zero-filled (and synced) this far
 * ahead of its data, as PostgreSQL does with its WAL: a durable write that
 * extends a file also commits the file's new size (a filesystem journal
 * commit) each time, one into space already written only flushes its data
 * (docs/store.md has the figures). The zeros after the data are never taken for lines (JSON lines hold no NUL),
 * a sealed segment is cut to its data, and open() cuts the zeros off too.
 */
const PREALLOCATE = 1024 * 1024;
/** Made on first use: a store without fsync never needs it. */
let zeros: Buffer | undefined;

const segmentName = (n: number): string => `${String(n).padStart(8, '0')}.jsonl`;

export class Journal {
  private readonly dir: string;
  private segment = 0;
  private size = 0;
  private appendHandle: FileHandle | undefined;
  /** The active segment is zero-filled and synced up to here (see PREALLOCATE). */
  private allocatedTo = 0;
  /** A zero-fill in progress, from `fillingFrom` on: appends that would reach it wait for it. */
  private filling: Promise<void> | undefined;
  private fillingFrom = 0;
  private readonly readHandles = new Map<number, Promise<FileHandle>>();
  private readonly sealedSizes = new Map<number, number>();
  /** Read handles of segments replaced by replaceSealed(), closed once no read can be using them. */
  private readonly retired: Array<Promise<FileHandle>> = [];
  /**
   * The bytes last read, from `readAhead.offset` of its segment: readers walk
   * history forwards (a conversation's messages, events after a seq), so one
   * read serves the lines that follow too. Lines never change once written.
   */
  private readAhead: { segment: number; offset: number; bytes: Buffer } | undefined;

  constructor(
    dataDir: string,
    private readonly options: JournalOptions,
  ) {
    this.dir = join(dataDir, 'journal');
  }

  /** Position just past the last line written. */
  get end(): number {
    return this.segment * SEGMENT_SPAN + this.size;
  }

  /**
   * Opens the journal and returns every line from `from` on. A last line cut
   * short by a crash (no newline: its append was never acknowledged) is cut
   * off; any other unreadable line stops with StoreCorruptError.
   */
  async open(from: number): Promise<JournalLine[]> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const segments = (await readdir(this.dir))
      .filter((f) => /^\d{8}\.jsonl$/.test(f))
      .map((f) => Number.parseInt(f, 10))
      .sort((a, b) => a - b);
    const lines: JournalLine[] = [];
    const firstWanted = Math.floor(from / SEGMENT_SPAN);
    for (const [i, n] of segments.entries()) {
      const last = i === segments.length - 1;
      if (n < firstWanted && !last) continue;
      const startOffset = n === firstWanted ? from % SEGMENT_SPAN : 0;
      const { size } = await this.readSegment(n, startOffset, last, n < firstWanted ? undefined : lines);
      if (last) {
        this.segment = n;
        this.size = size;
      }
    }
    // An empty last segment is one whose header a crash cut short: start it again.
    if (segments.length === 0 || this.size === 0) await this.startSegment(Math.max(1, this.segment));
    else {
      this.appendHandle = await open(join(this.dir, segmentName(this.segment)), appendFlags(this.options.fsync), 0o600);
      // readSegment cut the file to its data: zero-fill ahead again.
      this.allocatedTo = this.size;
      this.preallocate();
    }
    return lines;
  }

  /** Writes the lines with one write (and one fdatasync); resolves with each line's position once durable. */
  async append(texts: readonly string[]): Promise<number[]> {
    if (this.size >= this.options.segmentBytes) await this.startSegment(this.segment + 1);
    const handle = this.appendHandle;
    if (!handle) throw new Error('journal is not open');
    const positions: number[] = [];
    let offset = this.size;
    for (const text of texts) {
      positions.push(this.segment * SEGMENT_SPAN + offset);
      offset += Buffer.byteLength(text) + 1;
    }
    // Each line encoded once, straight into the one buffer written.
    const all = Buffer.allocUnsafe(offset - this.size);
    let at = 0;
    for (const text of texts) {
      at += all.write(text, at);
      all[at++] = 0x0a;
    }
    // Never into zeros still being written (they would land after, over these lines).
    if (this.filling && offset > this.fillingFrom) await this.filling;
    let written = 0;
    while (written < all.length) {
      const { bytesWritten } = await handle.write(all, written, all.length - written, this.size + written);
      written += bytesWritten;
    }
    // With O_DSYNC (see appendFlags) each write above was durable when it returned.
    if (syncAfterWrite(this.options.fsync)) await handle.datasync();
    this.size = offset;
    this.preallocate();
    return positions;
  }

  /** Zero-fills the next PREALLOCATE bytes in the background once the data is within half of that of the end. */
  private preallocate(): void {
    if (!this.options.fsync || this.filling || this.allocatedTo - this.size > PREALLOCATE / 2) return;
    const handle = this.appendHandle;
    if (!handle) return;
    const from = Math.max(this.allocatedTo, this.size);
    this.fillingFrom = from;
    this.filling = (async () => {
      try {
        zeros ??= Buffer.alloc(PREALLOCATE);
        let done = 0;
        while (done < PREALLOCATE)
          done += (await handle.write(zeros, done, PREALLOCATE - done, from + done)).bytesWritten;
        await handle.datasync();
        if (handle === this.appendHandle) this.allocatedTo = from + PREALLOCATE;
      } catch {
        // Only a cost: appends past allocatedTo extend the file as without preallocation.
      } finally {
        this.filling = undefined;
      }
    })();
  }

  /** Cuts the zeros after the active segment's data (a sealed or closed segment ends at its data). */
  private async sealActive(): Promise<void> {
    const handle = this.appendHandle;
    if (!handle) return;
    await this.filling;
    if (this.allocatedTo > this.size) {
      await handle.truncate(this.size);
      if (this.options.fsync) await handle.datasync();
    }
    this.allocatedTo = 0;
  }

  /** The line at a position returned by append() or open(). */
  async read(position: number): Promise<string> {
    const segment = Math.floor(position / SEGMENT_SPAN);
    const offset = position % SEGMENT_SPAN;
    let handle = this.readHandles.get(segment);
    if (!handle) {
      handle = open(join(this.dir, segmentName(segment)), 'r');
      this.readHandles.set(segment, handle);
    }
    const cached = this.readAhead;
    if (cached && cached.segment === segment && offset >= cached.offset) {
      const start = offset - cached.offset;
      const nl = start < cached.bytes.length ? cached.bytes.indexOf(NEWLINE, start) : -1;
      if (nl >= 0) return cached.bytes.toString('utf8', start, nl);
    }
    const fh = await handle;
    // Reading on from the last read: read ahead. A lone read (a flow snapshot): just its line.
    const forward = cached !== undefined && cached.segment === segment && offset > cached.offset;
    let chunk = forward && offset - cached.offset < 4 * READ_AHEAD ? READ_AHEAD : 4096;
    for (;;) {
      const buf = Buffer.allocUnsafe(chunk);
      const { bytesRead } = await fh.read(buf, 0, chunk, offset);
      const nl = buf.subarray(0, bytesRead).indexOf(NEWLINE);
      if (nl >= 0) {
        this.readAhead = { segment, offset, bytes: buf.subarray(0, bytesRead) };
        return buf.toString('utf8', 0, nl);
      }
      if (bytesRead < chunk) throw new StoreCorruptError(this.file(segment), `no complete line at byte ${offset}`);
      chunk *= 4;
    }
  }

  /**
   * Where the line after the one at `position` (whose text is `text`) starts,
   * or undefined past the last line: readers walk history forwards from a
   * position an index kept (events after a seq), across segments.
   */
  async next(position: number, text: string): Promise<number | undefined> {
    const segment = Math.floor(position / SEGMENT_SPAN);
    const offset = (position % SEGMENT_SPAN) + Buffer.byteLength(text) + 1;
    if (offset < (await this.sizeOf(segment))) return segment * SEGMENT_SPAN + offset;
    for (let n = segment + 1; n <= this.segment; n++) {
      // Past the next segment's header line.
      const first = Buffer.byteLength(await this.read(n * SEGMENT_SPAN)) + 1;
      if (first < (await this.sizeOf(n))) return n * SEGMENT_SPAN + first;
    }
    return undefined;
  }

  /** A segment's size: the one appended to grows, sealed ones never change. */
  private async sizeOf(segment: number): Promise<number> {
    if (segment === this.segment) return this.size;
    let size = this.sealedSizes.get(segment);
    if (size === undefined) {
      size = (await stat(this.file(segment))).size;
      this.sealedSizes.set(segment, size);
    }
    return size;
  }

  async close(): Promise<void> {
    await this.sealActive();
    await this.appendHandle?.close();
    this.appendHandle = undefined;
    for (const h of this.readHandles.values()) await (await h).close();
    this.readHandles.clear();
    await this.closeRetired();
    this.readAhead = undefined;
  }

  /** Starts a new segment: every line written so far is then in a sealed segment, which never changes. */
  async seal(): Promise<void> {
    await this.startSegment(this.segment + 1);
  }

  /** The sealed segments' numbers, oldest first. */
  async sealedSegments(): Promise<number[]> {
    return (await readdir(this.dir))
      .filter((f) => /^\d{8}\.jsonl$/.test(f))
      .map((f) => Number.parseInt(f, 10))
      .filter((n) => n < this.segment)
      .sort((a, b) => a - b);
  }

  /** A sealed segment's bytes. */
  segmentBytes(n: number): Promise<Buffer> {
    return readFile(this.file(n));
  }

  /**
   * Replaces a sealed segment by `bytes` of the same length, every line at
   * the same position (the indexes hold positions): a temp file, fsync,
   * rename, fsync of the directory, so a crash leaves the old segment or the
   * new one. A read under way finishes on the old file, whose handle is closed
   * by closeRetired().
   */
  async replaceSealed(n: number, bytes: Buffer): Promise<void> {
    if (n >= this.segment) throw new Error(`journal segment ${n} is not sealed`);
    await replaceFile(this.file(n), `${this.file(n)}.tmp`, async (handle) => {
      let written = 0;
      while (written < bytes.length) written += (await handle.write(bytes, written)).bytesWritten;
    });
    const old = this.readHandles.get(n);
    if (old) this.retired.push(old);
    this.readHandles.delete(n);
    if (this.readAhead?.segment === n) this.readAhead = undefined;
  }

  /** Closes the handles of the files replaceSealed() replaced. */
  async closeRetired(): Promise<void> {
    for (const h of this.retired.splice(0)) await (await h).close().catch(() => undefined);
  }

  /**
   * Copies the journal up to `position` (a checkpoint's) into `toDir`/journal:
   * whole sealed segments, and the part of the active one before `position`
   * (appends only ever write after it). The copies are fsync'ed.
   */
  async copyTo(toDir: string, position: number): Promise<number> {
    const dir = join(toDir, 'journal');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const last = Math.floor(position / SEGMENT_SPAN);
    let bytes = 0;
    for (const n of (await readdir(this.dir))
      .filter((f) => /^\d{8}\.jsonl$/.test(f))
      .map((f) => Number.parseInt(f, 10))
      .filter((k) => k <= last)) {
      const to = join(dir, segmentName(n));
      if (n < last) await copyFile(this.file(n), to);
      else await copyPrefix(this.file(n), to, position % SEGMENT_SPAN);
      const h = await open(to, 'r+');
      try {
        await h.chmod(0o600);
        await h.sync();
        bytes += (await h.stat()).size;
      } finally {
        await h.close();
      }
    }
    syncDirectory(dir);
    return bytes;
  }

  private syncDir(): void {
    syncDirectory(this.dir);
  }

  /** The segment file holding a position, for error messages. */
  fileOf(position: number): string {
    return this.file(Math.floor(position / SEGMENT_SPAN));
  }

  offsetOf(position: number): number {
    return position % SEGMENT_SPAN;
  }

  private file(segment: number): string {
    return join(this.dir, segmentName(segment));
  }

  private async startSegment(n: number): Promise<void> {
    await this.sealActive();
    await this.appendHandle?.close();
    const header = Buffer.from(
      `${JSON.stringify({ caredesk: 'journal', schemaVersion: JOURNAL_SCHEMA_VERSION, segment: n })}\n`,
    );
    // Readable by the store's user only, as every file it writes (see embedded-store.ts).
    const handle = await open(this.file(n), appendFlags(this.options.fsync), 0o600);
    await handle.write(header, 0, header.length, 0);
    // The header is made durable even without fsync (O_DSYNC already did it when fsync is on).
    if (!this.options.fsync || syncAfterWrite(true)) await handle.datasync();
    // The new file's name must be durable too, or a power cut could lose the whole segment.
    this.syncDir();
    this.appendHandle = handle;
    this.segment = n;
    this.size = header.length;
    this.allocatedTo = this.size;
    this.preallocate();
  }

  private async readSegment(
    n: number,
    startOffset: number,
    last: boolean,
    into: JournalLine[] | undefined,
  ): Promise<{ size: number }> {
    const file = this.file(n);
    if (!into) return { size: (await stat(file)).size };
    // Only the header and the part after the checkpoint are read: not the whole segment again.
    const handle = await open(file, 'r');
    let bytes: Buffer;
    let base = 0;
    try {
      const { size: fileSize } = await handle.stat();
      const head = Buffer.allocUnsafe(Math.min(fileSize, 4096));
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      const headerEnd = head.subarray(0, bytesRead).indexOf(NEWLINE);
      if (startOffset > 0 && headerEnd >= 0 && startOffset > headerEnd) {
        this.checkHeader(file, head.toString('utf8', 0, headerEnd));
        base = startOffset;
        bytes = Buffer.allocUnsafe(Math.max(0, fileSize - base));
        let read = 0;
        while (read < bytes.length) {
          const r = await handle.read(bytes, read, bytes.length - read, base + read);
          if (r.bytesRead === 0) break;
          read += r.bytesRead;
        }
        bytes = bytes.subarray(0, read);
      } else {
        bytes = await handle.readFile();
      }
    } finally {
      await handle.close();
    }
    let cursor = 0;
    let size = base + bytes.length;
    // A NUL is never in a line: zeros after the data (see PREALLOCATE), or a write a crash tore. Only
    // the segment appended to can hold them; one scan finds the first.
    const firstNul = last ? bytes.indexOf(0) : -1;
    while (cursor < bytes.length) {
      const nl = bytes.indexOf(NEWLINE, cursor);
      const torn = nl < 0 || (firstNul >= 0 && firstNul < nl);
      if (torn) {
        if (!last) throw new StoreCorruptError(file, `unterminated line at byte ${base + cursor} in a sealed segment`);
        // A crash cut this append short; it was never acknowledged, so dropping it loses nothing.
        await truncate(file, base + cursor);
        size = base + cursor;
        break;
      }
      const text = bytes.toString('utf8', cursor, nl);
      const at = base + cursor;
      if (at === 0) this.checkHeader(file, text);
      else if (at >= startOffset) into.push({ position: n * SEGMENT_SPAN + at, text });
      cursor = nl + 1;
    }
    return { size };
  }

  private checkHeader(file: string, text: string): void {
    let header: unknown;
    try {
      header = JSON.parse(text);
    } catch (cause) {
      throw new StoreCorruptError(file, 'the header line is not JSON', { cause });
    }
    const h = header as { caredesk?: unknown; schemaVersion?: unknown };
    if (h.caredesk !== 'journal') throw new StoreCorruptError(file, 'it is not a caredesk journal segment');
    if (h.schemaVersion !== JOURNAL_SCHEMA_VERSION) {
      throw new StoreVersionError(file, h.schemaVersion, JOURNAL_SCHEMA_VERSION);
    }
  }
}

/** The first `length` bytes of `from`, written to a new file `to`. */
async function copyPrefix(from: string, to: string, length: number): Promise<void> {
  const source = await open(from, 'r');
  const target = await open(to, 'w', 0o600);
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; at < length; ) {
      const { bytesRead } = await source.read(chunk, 0, Math.min(chunk.length, length - at), at);
      if (bytesRead === 0) break;
      let written = 0;
      while (written < bytesRead) written += (await target.write(chunk, written, bytesRead - written)).bytesWritten;
      at += bytesRead;
    }
  } finally {
    await source.close();
    await target.close();
  }
}
