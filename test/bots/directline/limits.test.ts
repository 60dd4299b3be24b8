/**
 * The Web Chat channel's limits with a hand-moved clock: a burst, then a
 * steady rate per conversation; a number of new conversations per address
 * in a window; each refusal says how long to wait.
 */
import { describe, expect, it } from 'vitest';
import { SlidingWindow, TokenBuckets } from '../../../bots/directline/index.js';

describe('activities per conversation', () => {
  it('a burst goes through, the next waits for the refill, and other conversations are not held back', () => {
    const buckets = new TokenBuckets(3, 2);
    expect([0, 0, 0].map(() => buckets.take('a', 1_000))).toEqual([0, 0, 0]);
    expect(buckets.take('a', 1_000)).toBe(500);
    expect(buckets.take('b', 1_000)).toBe(0);
    expect(buckets.take('a', 1_500)).toBe(0);
  });
});

describe('new conversations per address', () => {
  it('refuses the one over the limit until the oldest leaves the window', () => {
    const window = new SlidingWindow(2, 60_000);
    expect(window.take('203.0.113.1', 0)).toBe(0);
    expect(window.take('203.0.113.1', 10_000)).toBe(0);
    expect(window.take('203.0.113.1', 20_000)).toBe(40_000);
    expect(window.take('203.0.113.2', 20_000)).toBe(0);
    expect(window.take('203.0.113.1', 60_001)).toBe(0);
  });
});
