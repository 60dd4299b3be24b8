/**
 * Long polling that is gentle with servers that do not long-poll: real
 * Telegram holds getUpdates open for `timeout` seconds, but a local Bot API
 * emulator answers at once, and re-asking at once would spin a core. While
 * updates keep coming (the last within ACTIVE_MS) it asks again at once;
 * once quiet, an empty answer waits a little longer each time (up to 1 s).
 * Other errors (network, 5xx, 429) back off up to 30 s. A batch is stored
 * together (one customer's updates keep their order; one fsync covers many),
 * and its offset is confirmed only once every update of it is stored.
 *
 * Stopping aborts the long poll in flight instead of waiting up to 25 s for
 * it. Nothing is lost: Telegram drops an update only when a later getUpdates
 * confirms its offset, so an aborted poll is simply asked again next time.
 *
 * Telegram's refusals that retrying at once cannot fix:
 * - 401 (or 404, Telegram's answer to a string that is not a token at all):
 *   the token is wrong or revoked. Polling stops with TelegramTokenRefusedError;
 *   the rest of the desk keeps running.
 * - 409: another process polls the same bot, or a webhook is set. Polling
 *   goes on, slowly (5 s doubling to 60 s), so that caredesk receives again
 *   by itself once the other one goes away (a deploy that overlaps the old
 *   process, a developer's script); TelegramConflictError says which it is.
 */
import { type Telegram, TelegramError } from 'telegraf';
import { backoffDelay, CaredeskError, type Desk, isStoreUnavailable, type Logger } from '../../core/index.js';
import { receiveUpdate } from './updates.js';

const LONG_POLL_SECONDS = 25;
const ACTIVE_MS = 2_000;
const IDLE_MIN_MS = 10;
const IDLE_MAX_MS = 1_000;
/** After a failed poll (network, 5xx): 1 s, doubling up to 30 s. */
const FAILING = { firstMs: 1_000, maxMs: 30_000 } as const;
/** Retrying a batch while the database is away: short, so that it is stored soon after the database is back. */
const STORE_AWAY = { firstMs: 250, maxMs: 2_000 } as const;
const CONFLICT_RETRY_MS = { first: 5_000, max: 60_000 };

/** Telegram refused TELEGRAM_BOT_TOKEN: polling stops, since asking again with the same token cannot succeed. */
export class TelegramTokenRefusedError extends CaredeskError {
  constructor(status: number, description: string, options?: ErrorOptions) {
    super(
      'E_CONFIG',
      `Telegram refused the bot token in TELEGRAM_BOT_TOKEN (${status} ${description}), so caredesk stopped receiving Telegram messages; the other channels keep running. Copy the token again from @BotFather (/mybots → API Token), set TELEGRAM_BOT_TOKEN and restart caredesk.`,
      { channel: 'telegram', status, description },
      options,
    );
  }
}

/** Telegram gives this bot's updates to someone else: another getUpdates caller, or a webhook. */
export class TelegramConflictError extends CaredeskError {
  constructor(description: string, options?: ErrorOptions) {
    const webhook = /webhook/i.test(description);
    super(
      'E_CHANNEL_DOWN',
      webhook
        ? `A webhook is set for this Telegram bot, so caredesk cannot poll it (409 ${description}). Set TELEGRAM_WEBHOOK_URL to receive through that webhook, or delete it (Bot API deleteWebhook) to poll; caredesk keeps trying, up to once a minute.`
        : `Another process polls this Telegram bot with the same TELEGRAM_BOT_TOKEN (409 ${description}), so each update reaches only one of them. Stop the other process (another caredesk, a script or bot using the token), or give this caredesk a bot of its own; caredesk keeps trying, up to once a minute, and receives again once the other one stops.`,
      { channel: 'telegram', reason: webhook ? 'webhook' : 'poller', description },
      options,
    );
  }
}

export interface PollerOptions {
  /** Waits after a 409 before asking again: the first one, doubling up to the longest. */
  readonly conflictRetryMs?: { readonly first: number; readonly max: number };
}

export class TelegramPoller {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private inFlight: AbortController | undefined;
  private readonly conflictRetryMs: { readonly first: number; readonly max: number };

  constructor(
    private readonly desk: Desk,
    private readonly telegram: Telegram,
    private readonly logger: Logger,
    options: PollerOptions = {},
  ) {
    this.conflictRetryMs = options.conflictRetryMs ?? CONFLICT_RETRY_MS;
  }

  start(): void {
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.inFlight?.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let offset = 0;
    let idle = IDLE_MIN_MS;
    let failures = 0;
    let conflicts = 0;
    let lastUpdateAt = 0;
    let storeAway = 0;
    while (!this.stopped) {
      let updates: unknown[];
      try {
        updates = await this.getUpdates(offset);
        failures = 0;
        if (conflicts > 0) this.logger.info({ channel: 'telegram' }, 'Telegram: polling again, the conflict is over');
        conflicts = 0;
      } catch (err) {
        if (this.stopped) break; // our own abort
        const status = err instanceof TelegramError ? err.code : undefined;
        if (err instanceof TelegramError && (status === 401 || status === 404)) {
          const refused = new TelegramTokenRefusedError(err.code, err.description, { cause: err });
          this.logger.error({ channel: 'telegram', code: refused.code, err: refused }, refused.message);
          break;
        }
        if (err instanceof TelegramError && status === 409) {
          const conflict = new TelegramConflictError(err.description, { cause: err });
          const retryInMs = backoffDelay(
            { firstMs: this.conflictRetryMs.first, maxMs: this.conflictRetryMs.max },
            conflicts + 1,
          );
          // Said loudly once; the retries that follow are the same news.
          const log = conflicts === 0 ? this.logger.error : this.logger.warn;
          log.call(
            this.logger,
            { channel: 'telegram', code: conflict.code, retryInMs, err: conflict },
            conflict.message,
          );
          conflicts++;
          await this.pause(retryInMs);
          continue;
        }
        const retryInMs = backoffDelay(FAILING, ++failures);
        this.logger.warn({ err, retryInMs }, 'Telegram getUpdates failed');
        await this.pause(retryInMs);
        continue;
      }
      if (updates.length === 0) {
        if (Date.now() - lastUpdateAt < ACTIVE_MS) {
          await new Promise((r) => setImmediate(r));
          continue;
        }
        await this.pause(idle);
        idle = Math.min(IDLE_MAX_MS, idle * 2);
        continue;
      }
      idle = IDLE_MIN_MS;
      lastUpdateAt = Date.now();
      try {
        // Called in order, so each customer's updates are taken in order (ingest serialises per customer).
        await Promise.all(updates.map((u) => receiveUpdate(this.desk, this.telegram, this.logger, u)));
      } catch (err) {
        // The store refused a write: do not confirm this batch, Telegram will hand it out again.
        if (isStoreUnavailable(err)) {
          // The store said so once already; a database back within seconds is noticed within seconds.
          if (storeAway++ === 0) this.logger.warn({ channel: 'telegram' }, 'Telegram: waiting for the database');
          await this.pause(backoffDelay(STORE_AWAY, storeAway));
          continue;
        }
        this.logger.error({ err }, 'could not store Telegram updates; polling pauses');
        await this.pause(backoffDelay(FAILING, ++failures));
        continue;
      }
      if (storeAway > 0) this.logger.info({ channel: 'telegram' }, 'Telegram: updates stored again');
      storeAway = 0;
      for (const update of updates) {
        const id = (update as { update_id?: unknown }).update_id;
        if (typeof id === 'number' && id >= offset) offset = id + 1;
      }
    }
  }

  /** One long poll that stop() can abort; callApi, not getUpdates, since only it takes a signal. */
  private async getUpdates(offset: number): Promise<unknown[]> {
    const poll = new AbortController();
    this.inFlight = poll;
    try {
      return await this.telegram.callApi(
        'getUpdates',
        { timeout: LONG_POLL_SECONDS, limit: 100, offset },
        // telegraf types the signal as the abort-controller polyfill's class; at run time it takes Node's own.
        { signal: poll.signal as never },
      );
    } finally {
      this.inFlight = undefined;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
