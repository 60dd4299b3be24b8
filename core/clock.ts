import { randomBytes } from 'node:crypto';

/** Time and identity come from here so that tests can fix them. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string = '2026-01-05T09:00:00.000Z') {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(to: Date | string): void {
    this.t = new Date(to).getTime();
  }
}

export type IdKind = 'cus' | 'cnv' | 'msg' | 'out' | 'agt' | 'evt';

let lastMs = 0;
let lastTime = '';
let sequence = 0;
/** Random hex drawn 4 KiB of bytes at a time: one call per ~800 ids instead of a UUID each (ids are made three per message). */
let entropy = '';
let entropyAt = 0;

function randomHex10(): string {
  if (entropyAt + 10 > entropy.length) {
    entropy = randomBytes(4096).toString('hex');
    entropyAt = 0;
  }
  entropyAt += 10;
  // Under 13 characters V8 copies a slice: no id keeps the 8 KiB string alive.
  return entropy.slice(entropyAt - 10, entropyAt);
}

/**
 * Ids that sort by creation order (time, then a per-process sequence within
 * the same millisecond) and never collide (random suffix). Queues break ties
 * by id, so "created first" must also mean "sorts first".
 */
export function newId(kind: IdKind): string {
  const now = Date.now();
  if (now === lastMs) sequence++;
  else {
    sequence = 0;
    lastMs = now;
    lastTime = now.toString(36).padStart(9, '0');
  }
  const seq = sequence.toString(36).padStart(4, '0');
  return `${kind}_${lastTime}${seq}${randomHex10()}`;
}
