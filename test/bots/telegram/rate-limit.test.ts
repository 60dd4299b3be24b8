import { describe, expect, it } from 'vitest';
import { SendLimiter } from '../../../bots/telegram/rate-limit.js';

/** How many of `n` sends to different chats the limiter lets go within `ms`. */
async function sentWithin(limiter: SendLimiter, n: number, ms: number): Promise<number> {
  let sent = 0;
  const all = Array.from({ length: n }, (_, i) => limiter.acquire(`chat${i}`).then(() => (sent += 1)));
  await new Promise((r) => setTimeout(r, ms));
  const now = sent;
  await Promise.all(all);
  return now;
}

describe('Telegram send limits shared by the desk’s processes', () => {
  it('with 3 processes, each sends at a third of the bot’s limit', async () => {
    const alone = new SendLimiter({ globalPerSecond: 30, perChatPerSecond: 1, perChatBurst: 3 });
    const shared = new SendLimiter({ globalPerSecond: 30, perChatPerSecond: 1, perChatBurst: 3 });
    shared.share(3);
    // A full bucket at once, then the rate: 30 (alone) against 10 (a third), and a few more on a slow timer.
    expect(await sentWithin(alone, 40, 20)).toBeGreaterThanOrEqual(30);
    const third = await sentWithin(shared, 40, 20);
    expect(third).toBeGreaterThanOrEqual(10);
    expect(third).toBeLessThanOrEqual(15);
  });

  it('a 429 holds every send back for its retry_after, and tells whoever listens (the other processes)', async () => {
    const limiter = new SendLimiter({ globalPerSecond: 1000, perChatPerSecond: 1000, perChatBurst: 1000 });
    const told: number[] = [];
    limiter.onFlood((ms) => told.push(ms));
    limiter.flooded(300);
    const started = Date.now();
    await limiter.acquire('another chat');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(told).toEqual([300]);
    // A pause told by another process holds back too, without telling again.
    limiter.pause(200);
    const again = Date.now();
    await limiter.acquire('a third chat');
    expect(Date.now() - again).toBeGreaterThanOrEqual(190);
    expect(told).toEqual([300]);
  });
});
