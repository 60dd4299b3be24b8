/**
 * Long polling that is gentle with servers that do not long-poll: real
 * Telegram holds getUpdates open for `timeout` seconds, but a local Bot API
 * emulator answers at once, and re-asking at once would spin a core. While
 * updates keep coming (the last within ACTIVE_MS) it asks again at once;
 * once quiet, an empty answer waits a little longer each time (up to 1 s).
 * Errors back off up to 30 s. A batch is stored together (one customer's
 * updates keep their order; one fsync covers many), and its offset is
 * confirmed only once every update of it is stored.
 */
import type { Telegram } from 'telegraf';
import type { Desk, Logger } from '../../core/index.js';
import { receiveUpdate } from './updates.js';

const LONG_POLL_SECONDS = 25;
const ACTIVE_MS = 2_000;
const IDLE_MIN_MS = 10;
const IDLE_MAX_MS = 1_000;
const ERROR_MAX_MS = 30_000;

export class TelegramPoller {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly desk: Desk,
    private readonly telegram: Telegram,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let offset = 0;
    let idle = IDLE_MIN_MS;
    let failing = 1_000;
    let lastUpdateAt = 0;
    while (!this.stopped) {
      let updates: unknown[];
      try {
        updates = await this.telegram.getUpdates(LONG_POLL_SECONDS, 100, offset, undefined);
        failing = 1_000;
      } catch (err) {
        this.logger.warn({ err, retryInMs: failing }, 'Telegram getUpdates failed');
        await this.pause(failing);
        failing = Math.min(ERROR_MAX_MS, failing * 2);
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
        this.logger.error({ err }, 'could not store Telegram updates; polling pauses');
        await this.pause(failing);
        continue;
      }
      for (const update of updates) {
        const id = (update as { update_id?: unknown }).update_id;
        if (typeof id === 'number' && id >= offset) offset = id + 1;
      }
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
