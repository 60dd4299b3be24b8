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

  constructor(private readonly limits: RateLimits = TELEGRAM_LIMITS) {
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

  /** Resolves when a message may be sent to `chat`. */
  async acquire(chat: string): Promise<void> {
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

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
