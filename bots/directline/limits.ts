/**
 * The Direct Line channel's limits, kept in this process: activities per
 * second per conversation (a token bucket) and new conversations per address
 * (a sliding window). Both answer "wait this long" instead of a yes/no, so a
 * refusal can say when to come back (429 with Retry-After).
 */

export interface DirectLineLimits {
  /** Activities a conversation may post in a burst, and per second after it. */
  readonly activityBurst: number;
  readonly activitiesPerSecond: number;
  /** Conversations (tokens for new visitors) one address may open per window. */
  readonly conversationsPerAddress: number;
  readonly addressWindowMs: number;
}

export const DEFAULT_LIMITS: DirectLineLimits = {
  activityBurst: 10,
  activitiesPerSecond: 2,
  conversationsPerAddress: 30,
  addressWindowMs: 10 * 60_000,
};

/** Keys forgotten once this many are tracked and their state is back to full (no unbounded maps). */
const MAX_KEYS = 50_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {}

  /** 0 if `key` may go on now (and it is counted), else the milliseconds to wait. */
  take(key: string, now: number): number {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (this.buckets.size > MAX_KEYS) this.prune(now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.perSecond) * 1000);
  }

  private prune(now: number): void {
    for (const [key, b] of this.buckets)
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
  }
}

export class SlidingWindow {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** 0 if `key` may go on now (and it is counted), else the milliseconds until its oldest hit leaves the window. */
  take(key: string, now: number): number {
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (recent.length >= this.max) {
      this.hits.set(key, recent);
      return (recent[0] as number) + this.windowMs - now;
    }
    recent.push(now);
    this.hits.set(key, recent);
    if (this.hits.size > MAX_KEYS) {
      for (const [k, times] of this.hits) if ((times.at(-1) ?? 0) <= now - this.windowMs) this.hits.delete(k);
    }
    return 0;
  }
}
