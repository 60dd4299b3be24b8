import { Telegram } from 'telegraf';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramConflictError, TelegramTokenRefusedError, telegramChannel } from '../../../bots/telegram/index.js';
import { TelegramPoller } from '../../../bots/telegram/poller.js';
import { Desk, type Logger, MemoryStore } from '../../../core/index.js';
import { type FakeBotApi, fakeBotApi, OTHER_POLLER, type Refusal, UNAUTHORIZED, WEBHOOK_SET } from './fake-bot-api.js';
import { message, until } from './helpers.js';

const token = '123456:SECRET-TOKEN';

interface Entry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

function recordingLogger(): Logger & { entries: Entry[] } {
  const entries: Entry[] = [];
  const at =
    (level: Entry['level']) =>
    (obj: object, msg = '') => {
      entries.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

// In the order pushed: the Bot API goes first, so that a poller stuck in a long poll is not waited for.
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

async function polling(refusal?: Refusal) {
  const api = await fakeBotApi(refusal);
  cleanup.push(api.close);
  const store = new MemoryStore();
  await store.open();
  const desk = new Desk({ store });
  const logger = recordingLogger();
  const channel = telegramChannel(desk, { botToken: token, apiRoot: api.apiRoot }, logger);
  await channel.start();
  await channel.startDuties(); // polling is a duty: alone, this process does it
  cleanup.push(() => channel.stop());
  return { api, desk, logger, channel };
}

async function customerTexts(desk: Desk): Promise<string[]> {
  const customer = await desk.store.findCustomerByIdentity('telegram', '77');
  const conversation = await desk.store.findOpenConversation(customer?.id ?? '');
  return (await desk.store.listMessages(conversation?.id ?? '')).map((m) => m.text);
}

/** Lets the poller run for a while, to count what it asks in that time. */
const watch = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Telegram long polling', () => {
  it('stopping while a long poll is open returns at once and hangs up the poll', async () => {
    const { api, channel } = await polling();
    await until(() => api.calls() === 1);
    const stopping = Date.now();
    await channel.stop();
    // The fake never answers an empty poll; real Telegram would hold it 25 s.
    expect(Date.now() - stopping).toBeLessThan(5_000);
    await until(() => api.abandoned() === 1);
  }, 10_000);

  it('an update that comes while the poll is aborted is received after the restart, and none twice', async () => {
    const { api, desk, channel } = await polling();
    api.push(message(1, 'hello'));
    await until(async () => (await customerTexts(desk)).length === 1);
    await until(() => api.calls() === 2); // the poll that confirms update 1 and then waits
    await channel.stop();
    api.push(message(2, 'still there?'));
    await channel.start();
    await channel.startDuties(); // polling is a duty: alone, this process does it
    await until(async () => (await customerTexts(desk)).length === 2);
    expect(await customerTexts(desk)).toEqual(['hello', 'still there?']);
  }, 10_000);

  it('a refused token stops polling with an error naming TELEGRAM_BOT_TOKEN, and the rest keeps working', async () => {
    const { api, desk, logger, channel } = await polling(UNAUTHORIZED);
    const logged = await until(() => logger.entries.find((e) => e.level === 'error'));
    expect(logged.obj.err).toBeInstanceOf(TelegramTokenRefusedError);
    expect(logged.obj.err).toMatchObject({ code: 'E_CONFIG' });
    expect(logged.msg).toMatch(/TELEGRAM_BOT_TOKEN/);
    expect(logged.msg).toMatch(/refused the bot token/);
    expect(logged.msg).not.toContain('SECRET-TOKEN');
    await watch(1_500);
    expect(api.calls()).toBe(1);

    await channel.stop();
    const stored = await desk.receive({ channel: 'telegram', externalUserId: '9', channelMessageId: 'u1', text: 'hi' });
    expect(stored.status).toBe('stored');
  });

  it('another process polling the same bot is named in the error, and retries are spaced', async () => {
    const { api, logger } = await polling(OTHER_POLLER);
    const logged = await until(() => logger.entries.find((e) => e.level === 'error'));
    expect(logged.obj.err).toBeInstanceOf(TelegramConflictError);
    expect(logged.obj.err).toMatchObject({ code: 'E_CHANNEL_DOWN', details: { reason: 'poller' } });
    expect(logged.msg).toMatch(/another process polls this Telegram bot/i);
    await watch(1_000);
    expect(api.calls()).toBeGreaterThanOrEqual(1);
    expect(api.calls()).toBeLessThanOrEqual(3);
  });

  it('a webhook set on the bot is named in the error', async () => {
    const { logger } = await polling(WEBHOOK_SET);
    const logged = await until(() => logger.entries.find((e) => e.level === 'error'));
    expect(logged.obj.err).toMatchObject({ code: 'E_CHANNEL_DOWN', details: { reason: 'webhook' } });
    expect(logged.msg).toMatch(/a webhook is set/i);
    expect(logged.msg).toMatch(/TELEGRAM_WEBHOOK_URL|deleteWebhook/);
  });

  it('once the other poller goes away, caredesk receives again by itself, having said so loudly only once', async () => {
    const api: FakeBotApi = await fakeBotApi(OTHER_POLLER);
    cleanup.push(api.close);
    const store = new MemoryStore();
    await store.open();
    const desk = new Desk({ store });
    const logger = recordingLogger();
    const poller = new TelegramPoller(desk, new Telegram(token, { apiRoot: api.apiRoot }), logger, {
      conflictRetryMs: { first: 20, max: 80 },
    });
    poller.start();
    cleanup.push(() => poller.stop());
    await until(() => api.calls() >= 3);
    api.refuse(undefined);
    api.push(message(5, 'anyone?'));
    await until(async () => (await customerTexts(desk)).length === 1);
    expect(logger.entries.filter((e) => e.level === 'error')).toHaveLength(1);
    expect(logger.entries.some((e) => e.level === 'info' && /polling again/.test(e.msg))).toBe(true);
  });
});
