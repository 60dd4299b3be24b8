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
    private readonly capacity: number,
    private readonly perSecond: number,
  ) {
    this.tokens = capacity;
  }

  /** Milliseconds until a token is free (0: take it now). */
  take(): number {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updated) / 1000) * this.perSecond);
    this.updated = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  get idle(): boolean {
    return this.tokens + ((Date.now() - this.updated) / 1000) * this.perSecond >= this.capacity;
  }
}

export class SendLimiter {
  private readonly global: Bucket;
  private readonly chats = new Map<string, Bucket>();

  constructor(private readonly limits: RateLimits = TELEGRAM_LIMITS) {
    this.global = new Bucket(Math.max(1, limits.globalPerSecond), limits.globalPerSecond);
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
