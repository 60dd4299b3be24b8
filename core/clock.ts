import { randomUUID } from 'node:crypto';

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
let sequence = 0;

/**
 * Ids that sort by creation order (time, then a per-process sequence within
 * the same millisecond) and never collide (random suffix). Queues break ties
 * by id, so "created first" must also mean "sorts first".
 */
export function newId(kind: IdKind): string {
  const now = Date.now();
  sequence = now === lastMs ? sequence + 1 : 0;
  lastMs = now;
  const time = now.toString(36).padStart(9, '0');
  const seq = sequence.toString(36).padStart(4, '0');
  return `${kind}_${time}${seq}${randomUUID().replaceAll('-', '').slice(0, 10)}`;
}
