/**
 * Reliability on a bad day, with real `caredesk serve` processes and the
 * Telegram emulator behind a fault-injecting proxy that keeps updates until
 * the bot confirms them (as Telegram does). Time is compressed: seconds of
 * flood control and outage, a send timeout of a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../core/index.js';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { chaos } from '../helpers/seeded.js';
import { CaredeskProcess, stopServe } from './helpers/caredesk-process.js';
import { TelegramFaultProxy } from './helpers/telegram-proxy.js';

const token = '4545:RELIABILITY';
let emulator: Emulator;
let proxy: TelegramFaultProxy;
let dataDir: string;
let serve: CaredeskProcess | undefined;

const { random, replay } = chaos();

beforeEach(async () => {
  emulator = await startEmulator();
  proxy = new TelegramFaultProxy(emulator.apiRoot);
  await proxy.start();
  dataDir = mkdtempSync(join(tmpdir(), 'caredesk-reliability-'));
});
afterEach(async () => {
  await stopServe(serve);
  serve = undefined;
  await proxy.stop();
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}): Promise<CaredeskProcess> {
  serve = new CaredeskProcess(['serve', '--data-dir', dataDir], {
    PORT: '0',
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_API_ROOT: proxy.apiRoot,
    CAREDESK_FSYNC: 'false',
    ...env,
  });
  await serve.listening();
  return serve;
}

/** Customers `ids` each write `lines`, one after the other, as fast as the emulator takes them. */
async function customersWrite(ids: readonly number[], lines: readonly string[]): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      const client = emulator.server.getClient(token, { userId: id, chatId: id });
      for (const line of lines) await client.sendMessage(client.makeMessage(line));
    }),
  );
}

/** What the store says each chat should have received, in the order it was stored; read with the server stopped. */
async function storedReplies(): Promise<Map<string, string[]>> {
  await stopServe(serve);
  serve = undefined;
  const store = new EmbeddedStore(dataDir, { fsync: false });
  await store.open();
  const byChat = new Map<string, string[]>();
  try {
    const entries = (await store.listOutbox()).sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
    for (const e of entries) byChat.set(e.recipient, [...(byChat.get(e.recipient) ?? []), e.text]);
  } finally {
    await store.close();
  }
  return byChat;
}

function deliveredByChat(): Map<string, string[]> {
  const byChat = new Map<string, string[]>();
  for (const d of proxy.delivered) byChat.set(d.chatId, [...(byChat.get(d.chatId) ?? []), d.text]);
  return byChat;
}

/** Waits until the proxy has passed on `count` sends and nothing more for a moment (bounded). */
async function settled(count: (n: number) => boolean, ms = 40_000): Promise<void> {
  let seen = -1;
  await until(async () => {
    const n = proxy.delivered.length;
    if (n === seen && count(n)) return true;
    seen = n;
    await new Promise((r) => setTimeout(r, 1_000));
    return undefined;
  }, ms);
}

describe('a bad day on Telegram', () => {
  it('flood control and an outage: every reply is delivered once, in the order stored, per chat', async () => {
    await start();
    const ids = Array.from({ length: 15 }, (_, i) => 20_000 + i);
    // Flood control for 3 s (retry_after 1 s), then 4 s in which Telegram answers nothing but 502.
    const now = Date.now();
    proxy.floodUntil = now + 3_000;
    await customersWrite(ids, ['my internet is very slow']);
    await until(() => (proxy.counts.flood > 0 ? true : undefined), 10_000);
    proxy.outageUntil = Date.now() + 4_000;
    await customersWrite(ids, ['no']);
    // Each customer gets at least the acknowledgement, the article and the answer to "no".
    await settled((n) => n >= ids.length * 3);
    const delivered = deliveredByChat();
    const stored = await storedReplies();
    expect(proxy.counts.flood, replay).toBeGreaterThan(0);
    expect(proxy.counts.outage, replay).toBeGreaterThan(0);
    for (const id of ids) {
      expect(delivered.get(String(id)), `chat ${id}, ${replay}`).toEqual(stored.get(String(id)));
    }
  }, 90_000);

  it('sends held longer than the bot waits are cancelled and retried: no reply arrives twice', async () => {
    await start({ CAREDESK_REPLY_TIMEOUT: '1s' });
    // One send in eight (the first of each eight) is held longer than the bot waits.
    proxy.holdEvery = 8;
    proxy.holdMs = 2_500;
    const ids = Array.from({ length: 15 }, (_, i) => 30_000 + i);
    await customersWrite(ids, ['my internet is very slow']);
    await settled((n) => n >= ids.length * 2);
    const delivered = deliveredByChat();
    const stored = await storedReplies();
    expect(proxy.counts.held, replay).toBeGreaterThan(0);
    // The bot hung up on the held sends (they never reached Telegram) instead of leaving them to arrive late.
    expect(proxy.counts.abandoned, replay).toBe(proxy.counts.held);
    for (const id of ids) {
      expect(delivered.get(String(id)), `chat ${id}, ${replay}`).toEqual(stored.get(String(id)));
    }
  }, 90_000);

  it('kill -9 during bursts of new customers: every customer is answered, every reply in order (Telegram keeps what was not confirmed)', async () => {
    const rounds = 3;
    const all: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const server = await start();
      const ids = Array.from({ length: 40 }, (_, i) => 40_000 + round * 1000 + i);
      all.push(...ids);
      await customersWrite(ids, ['my internet is very slow']);
      await new Promise((r) => setTimeout(r, 10 + Math.floor(random() * 50)));
      await server.kill();
    }
    await start();
    await settled(() => all.every((id) => proxy.delivered.some((d) => d.chatId === String(id))), 60_000).catch(
      () => undefined,
    );
    const delivered = deliveredByChat();
    const stored = await storedReplies();
    const unanswered = all.filter((id) => !delivered.get(String(id))?.length);
    expect(unanswered, replay).toEqual([]);
    // A kill between a send and its record sends that reply again after the restart (docs/telegram.md):
    // each reply at most once more per kill; otherwise each stored reply arrives, in the order stored.
    for (const id of all) {
      const got = delivered.get(String(id)) ?? [];
      const want = stored.get(String(id)) ?? [];
      const repeats = got.length - new Set(got).size;
      expect(repeats, `chat ${id} got ${got.map((t) => t.slice(0, 12)).join(' | ')}; ${replay}`).toBeLessThanOrEqual(
        want.length * rounds,
      );
      expect([...new Set(got)], `chat ${id}, ${replay}`).toEqual(want);
    }
  }, 120_000);
});
