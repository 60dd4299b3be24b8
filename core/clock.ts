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

/** Ids that sort by creation time (time prefix) and never collide (random suffix). */
export function newId(kind: IdKind): string {
  return `${kind}_${Date.now().toString(36)}${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}
