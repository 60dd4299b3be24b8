/**
 * Token buckets for Telegram's send limits: about 30 messages a second over
 * all chats, and about one a second per chat (short bursts are tolerated).
 * Waiting here keeps the bot under the limits instead of collecting 429s.
 */
export interface RateLimits {
  /** Messages per second over all chats (Telegram: ~30). */
  readonly globalPerSecond: number;
  /** Messages per second to one chat (Telegram: ~1). */
  readonly perChatPerSecond: number;
  /** Messages a chat may get at once before the per-chat rate applies. */
  readonly perChatBurst: number;
}

export const TELEGRAM_LIMITS: RateLimits = { globalPerSecond: 30, perChatPerSecond: 1, perChatBurst: 3 };

class Bucket {
  private tokens: number;
  private updated = Date.now();
  constructor(
    private capacity: number,
    private perSecond: number,
  ) {
    this.tokens = capacity;
  }

  /** A new rate from now on (tokens saved so far stay, up to the new capacity). */
  resize(capacity: number, perSecond: number): void {
    this.refill();
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.tokens = Math.min(this.tokens, capacity);
  }

  /** Milliseconds until a token is free (0: take it now). */
  take(): number {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updated) / 1000) * this.perSecond);
    this.updated = now;
  }

  get idle(): boolean {
    return this.tokens + ((Date.now() - this.updated) / 1000) * this.perSecond >= this.capacity;
  }
}

export class SendLimiter {
  private readonly global: Bucket;
  private readonly chats = new Map<string, Bucket>();
  private shares = 1;
  /** Telegram said to wait (429 retry_after): no send before then (ms since the epoch). */
  private pausedUntil = 0;
  private floodListener: ((ms: number) => void) | undefined;

  /** `now`: the desk's clock (ms since the epoch), which a 429's wait is counted on, as the reply's retry is. */
  constructor(
    private readonly limits: RateLimits = TELEGRAM_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.global = new Bucket(Math.max(1, limits.globalPerSecond), limits.globalPerSecond);
  }

  /**
   * `processes` send for the same bot (several caredesk processes on one
   * database): the bot's limit is Telegram's for all of them, so this one
   * keeps to its share. A chat's replies come from the process that took its
   * customer's message, so the per-chat limit stays whole.
   */
  share(processes: number): void {
    const n = Math.max(1, Math.floor(processes));
    if (n === this.shares) return;
    this.shares = n;
    const perSecond = this.limits.globalPerSecond / n;
    this.global.resize(Math.max(1, perSecond), perSecond);
  }

  /**
   * Telegram answered 429 with `retry_after`: it holds for the bot, so no
   * send leaves before then, and the listener (the desk's other processes) is told.
   */
  flooded(ms: number): void {
    this.pause(ms);
    this.floodListener?.(ms);
  }

  /** Holds every send back for `ms` (another process was told to wait). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + Math.min(Math.max(0, ms), MAX_PAUSE_MS));
  }

  /** Called with the wait each time this limiter is flooded (not for pause()). */
  onFlood(listener: (ms: number) => void): void {
    this.floodListener = listener;
  }

  /** Resolves when a message may be sent to `chat`. */
  async acquire(chat: string): Promise<void> {
    for (let wait = this.pausedUntil - this.now(); wait > 0; wait = this.pausedUntil - this.now()) await sleep(wait);
    let bucket = this.chats.get(chat);
    if (!bucket) {
      bucket = new Bucket(this.limits.perChatBurst, this.limits.perChatPerSecond);
      this.chats.set(chat, bucket);
      if (this.chats.size > 10_000) this.forgetIdle();
    }
    for (let wait = bucket.take(); wait > 0; wait = bucket.take()) await sleep(wait);
    for (let wait = this.global.take(); wait > 0; wait = this.global.take()) await sleep(wait);
  }

  private forgetIdle(): void {
    for (const [chat, b] of this.chats) if (b.idle) this.chats.delete(chat);
  }
}

/** A wait Telegram asks for longer than this is capped (a broken answer must not stop the bot for good). */
const MAX_PAUSE_MS = 10 * 60_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
