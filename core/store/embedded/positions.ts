/**
 * Journal positions in a checkpoint, written compactly: most lists only grow,
 * so each number is stored as the base-36 difference from the one before.
 * That halves the checkpoint's index part and parses as one string.
 */
export function encodePositions(positions: readonly number[]): string {
  let previous = 0;
  let out = '';
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i] as number;
    out += (i === 0 ? '' : ',') + (p - previous).toString(36);
    previous = p;
  }
  return out;
}

export function decodePositions(encoded: string): number[] {
  if (encoded === '') return [];
  const out: number[] = [];
  let previous = 0;
  for (const part of encoded.split(',')) {
    previous += Number.parseInt(part, 36);
    out.push(previous);
  }
  return out;
}

/** Entries per block of a `GrowingPositions`' checkpoint part: decoded one block at a time. */
const BLOCK = 1024;

/**
 * A list of positions that only grows, loaded encoded: what was in the
 * checkpoint stays encoded, new entries are appended as numbers, and writing
 * it back re-encodes only the new ones. An old entry is read by decoding only
 * its block of BLOCK entries: the event list of a busy desk holds millions,
 * and decoding it whole (a KPI's bisection reads ~20 of them) held 8 bytes per
 * event in memory for good.
 */
export class GrowingPositions {
  private base: string;
  private baseCount: number;
  private baseLast: number;
  /** Per block: where its first entry starts in `base`, and the position before it. Built on first read. */
  private blockStarts: Float64Array | undefined;
  private blockIndex = -1;
  private readonly blockValues = new Float64Array(BLOCK);
  private readonly tail: number[] = [];

  constructor(encoded = '', count = 0, last = 0) {
    this.base = encoded;
    this.baseCount = count;
    this.baseLast = last;
  }

  get length(): number {
    return this.baseCount + this.tail.length;
  }

  get last(): number {
    return this.tail.at(-1) ?? this.baseLast;
  }

  push(position: number): void {
    this.tail.push(position);
  }

  /** The entry at index i (0-based). */
  at(i: number): number | undefined {
    if (i >= this.baseCount) return this.tail[i - this.baseCount];
    if (i < 0) return undefined;
    const block = Math.floor(i / BLOCK);
    if (block !== this.blockIndex) this.decodeBlock(block);
    return this.blockValues[i - block * BLOCK];
  }

  private decodeBlock(block: number): void {
    this.blockStarts ??= this.indexBlocks();
    let at = this.blockStarts[2 * block] as number;
    let value = this.blockStarts[2 * block + 1] as number;
    const count = Math.min(BLOCK, this.baseCount - block * BLOCK);
    for (let k = 0; k < count; k++) {
      value += readDelta(this.base, at);
      this.blockValues[k] = value;
      at = afterDelta;
    }
    this.blockIndex = block;
  }

  /** One pass over the encoded part, keeping where each block starts (2 numbers per 1024 entries). */
  private indexBlocks(): Float64Array {
    const starts = new Float64Array(2 * Math.ceil(this.baseCount / BLOCK));
    let at = 0;
    let value = 0;
    for (let k = 0; k < this.baseCount; k++) {
      if (k % BLOCK === 0) {
        starts[2 * (k / BLOCK)] = at;
        starts[2 * (k / BLOCK) + 1] = value;
      }
      value += readDelta(this.base, at);
      at = afterDelta;
    }
    return starts;
  }

  encode(): string {
    if (this.tail.length === 0) return this.base;
    const tail = encodePositions([this.baseLast, ...this.tail]).replace(/^[^,]*,/, '');
    return this.base === '' ? encodePositions(this.tail) : `${this.base},${tail}`;
  }

  /**
   * Encodes the whole list and keeps it so (what a checkpoint writes): the new
   * entries, 8 bytes each as numbers, take 2 or 3 as text. Without this a
   * server's event positions grew by 8 bytes per event until it restarted.
   */
  compact(): string {
    const encoded = this.encode();
    this.base = encoded;
    this.baseLast = this.last;
    this.baseCount = this.length;
    this.tail.length = 0;
    this.blockStarts = undefined;
    this.blockIndex = -1;
    return encoded;
  }
}

/** Where the number after the one `readDelta` read starts: a tuple per number would be millions of allocations. */
let afterDelta = 0;

/** The base-36 number starting at `at` in `encoded`; sets `afterDelta` past its comma. */
function readDelta(encoded: string, at: number): number {
  let i = at;
  let sign = 1;
  if (encoded.charCodeAt(i) === 0x2d) {
    sign = -1;
    i++;
  }
  let n = 0;
  for (; i < encoded.length; i++) {
    const c = encoded.charCodeAt(i);
    if (c === 0x2c) break;
    n = n * 36 + (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  afterDelta = i + 1;
  return sign * n;
}

/**
 * Events per entry of the event index: the index keeps where every 64th
 * event's line is, and a read walks the journal forwards from there (a dozen
 * lines at most). One entry per event grew a server's memory by 8 bytes an
 * event for good. Part of the checkpoint's format (schema version 3):
 * changing it needs a new version.
 */
export const EVENT_BLOCK = 64;

/** The event index (one position per EVENT_BLOCK events) from a list of every event's position (schema 1 and 2). */
export function eventBlocksOf(eventPositions: string, events: number, last: number): { encoded: string; last: number } {
  const all = new GrowingPositions(eventPositions, events, last);
  const blocks: number[] = [];
  for (let i = 0; i < events; i += EVENT_BLOCK) blocks.push(all.at(i) as number);
  return { encoded: encodePositions(blocks), last: blocks.at(-1) ?? 0 };
}
