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

/**
 * A list of positions that only grows, loaded encoded: what was in the
 * checkpoint is decoded on the first read of an old entry, new entries are
 * appended as numbers, and writing it back re-encodes only the new ones.
 */
export class GrowingPositions {
  private base: string;
  private baseCount: number;
  private baseLast: number;
  private decoded: number[] | undefined;
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
    this.decoded ??= decodePositions(this.base);
    return this.decoded[i];
  }

  encode(): string {
    if (this.tail.length === 0) return this.base;
    const tail = encodePositions([this.baseLast, ...this.tail]).replace(/^[^,]*,/, '');
    return this.base === '' ? encodePositions(this.tail) : `${this.base},${tail}`;
  }

  /** Encodes the whole list and keeps it so (what a checkpoint writes): numbers take 8 bytes, text 2 or 3. */
  compact(): string {
    const encoded = this.encode();
    this.base = encoded;
    this.baseLast = this.last;
    this.baseCount = this.length;
    this.tail.length = 0;
    this.decoded = undefined;
    return encoded;
  }
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
