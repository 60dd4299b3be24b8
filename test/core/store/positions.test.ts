import { describe, expect, it } from 'vitest';
import { decodePositions, encodePositions, GrowingPositions } from '../../../core/store/embedded/positions.js';

/** Journal positions as a long-running desk has them: growing, past 2^32, several events on one line. */
function positions(count: number): number[] {
  const out: number[] = [];
  let p = 5_000_000_000;
  for (let i = 0; i < count; i++) {
    if (i % 3 !== 0) p += 1 + ((i * 7919) % 4000);
    out.push(p);
  }
  return out;
}

describe('GrowingPositions', () => {
  it('reads every entry of a checkpointed list, in any order, across block boundaries', () => {
    for (const count of [1, 1023, 1024, 1025, 5000]) {
      const list = positions(count);
      const grown = new GrowingPositions(encodePositions(list), list.length, list.at(-1));
      const order = [count - 1, 0, 1024, 1023, Math.floor(count / 2), ...list.keys()];
      for (const i of order) if (i < count) expect(grown.at(i)).toBe(list[i]);
      expect(grown.at(count)).toBeUndefined();
      expect(grown.at(-1)).toBeUndefined();
    }
  });

  it('appends after the checkpointed part and encodes the whole list again', () => {
    const list = positions(3000);
    const grown = new GrowingPositions(encodePositions(list), list.length, list.at(-1));
    const more = [list.at(-1)! + 10, list.at(-1)! + 10, list.at(-1)! + 99];
    for (const p of more) grown.push(p);
    expect(grown.length).toBe(3003);
    expect(grown.last).toBe(more[2]);
    expect(grown.at(3001)).toBe(more[1]);
    expect(grown.at(2999)).toBe(list[2999]);
    expect(decodePositions(grown.encode())).toEqual([...list, ...more]);
  });

  it('reads lists that went down as well as up', () => {
    const list = [40, 12, 12, 7_000_000_000, 3];
    const grown = new GrowingPositions(encodePositions(list), list.length, 3);
    expect([0, 1, 2, 3, 4].map((i) => grown.at(i))).toEqual(list);
  });

  it('compacts what was appended into its text and reads on as before, with more appended after', () => {
    const list = positions(2500);
    const grown = new GrowingPositions(encodePositions(list.slice(0, 1000)), 1000, list[999]);
    expect(grown.at(10)).toBe(list[10]);
    for (const p of list.slice(1000, 2000)) grown.push(p);
    expect(decodePositions(grown.compact())).toEqual(list.slice(0, 2000));
    for (const p of list.slice(2000)) grown.push(p);
    expect(grown.length).toBe(2500);
    expect(grown.last).toBe(list[2499]);
    for (const i of [0, 10, 999, 1000, 1023, 1024, 1999, 2000, 2499]) expect(grown.at(i)).toBe(list[i]);
    expect(decodePositions(grown.encode())).toEqual(list);
  });
});
