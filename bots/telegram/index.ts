/**
 * The Telegram channel: long polling by default, a webhook when
 * TELEGRAM_WEBHOOK_URL is set, and a sender for the outbox. telegraf stays
 * inside this folder. A refused token stops only the polling (logged as
 * TelegramTokenRefusedError); stop() returns at once even while a long poll
 * is open. Long polling is a duty: with several processes on one database,
 * only the one holding the duties polls (Telegram answers 409 to a second
 * poller); in webhook mode every process takes the updates it is sent.
 */
import type { FastifyInstance } from 'fastify';
import { Telegram } from 'telegraf';
import type { Desk, Logger } from '../../core/index.js';
import { TelegramPoller } from './poller.js';
import { type RateLimits, SendLimiter, TELEGRAM_LIMITS } from './rate-limit.js';
import { TelegramSender } from './sender.js';
import { TELEGRAM_WEBHOOK_PATH, telegramWebhookRoute } from './webhook.js';

export { normalizeUpdate, UpdateSchema } from './normalize.js';
export { TelegramConflictError, TelegramTokenRefusedError } from './poller.js';
export { type RateLimits, TELEGRAM_LIMITS } from './rate-limit.js';
export { outcomeOf, TelegramSender } from './sender.js';
export { TELEGRAM_WEBHOOK_PATH } from './webhook.js';

export interface TelegramOptions {
  readonly botToken: string;
  /** Another Bot API server (a local one, or an emulator in tests). */
  readonly apiRoot?: string;
  /** Webhook mode when set: the public URL that reaches TELEGRAM_WEBHOOK_PATH on this server. */
  readonly webhookUrl?: string;
  readonly webhookSecret?: string;
  readonly limits?: RateLimits;
}

export interface TelegramChannel {
  readonly sender: TelegramSender;
  /** Mounts the webhook route (webhook mode only); give it to the HTTP server. */
  readonly routes: (app: FastifyInstance) => void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Long polling, in the process holding the duties (nothing to do in webhook mode). */
  startDuties(): Promise<void>;
  stopDuties(): Promise<void>;
  /** The bot's limit is the desk's: with `processes` sending, each sends at its share. */
  shareLimits(processes: number): void;
}

/** The live signal a process sends when Telegram answered it 429 (`ms`: retry_after). */
const TELEGRAM_FLOOD_SIGNAL = 'telegram.flood';

export function telegramChannel(desk: Desk, options: TelegramOptions, logger: Logger): TelegramChannel {
  const telegram = new Telegram(options.botToken, options.apiRoot ? { apiRoot: options.apiRoot } : {});
  const limiter = new SendLimiter(options.limits ?? TELEGRAM_LIMITS, () => desk.clock.now().getTime());
  // Telegram's 429 is the bot's, whichever process got it: the desk's other processes hold back too.
  limiter.onFlood((ms) => desk.live.tell(TELEGRAM_FLOOD_SIGNAL, { ms }));
  desk.live.on(TELEGRAM_FLOOD_SIGNAL, ({ ms }) => {
    if (typeof ms === 'number' && Number.isFinite(ms)) limiter.pause(ms);
  });
  const sender = new TelegramSender(telegram, limiter, desk.store);
  const webhook = options.webhookUrl;
  const poller = webhook ? undefined : new TelegramPoller(desk, telegram, logger);
  return {
    sender,
    routes: (app) => {
      if (webhook) {
        telegramWebhookRoute(app, { desk, telegram, logger, secret: options.webhookSecret ?? '' });
      }
    },
    async start() {
      if (webhook) {
        await telegram.setWebhook(webhook, { secret_token: options.webhookSecret });
        logger.info({ channel: 'telegram', webhook, path: TELEGRAM_WEBHOOK_PATH }, 'Telegram: webhook mode');
      }
    },
    async stop() {
      await poller?.stop();
    },
    async startDuties() {
      if (!poller) return;
      poller.start();
      logger.info({ channel: 'telegram', apiRoot: options.apiRoot ?? 'https://api.telegram.org' }, 'Telegram: polling');
    },
    async stopDuties() {
      await poller?.stop();
    },
    shareLimits: (processes) => limiter.share(processes),
  };
}
