/**
 * One Telegram update into caredesk, the same for long polling and webhooks:
 * validated, stored through the Desk before anything is acknowledged, and a
 * button press answered so the customer's client stops spinning.
 */
import type { Telegram } from 'telegraf';
import { CaredeskError, type Desk, isStoreFailure, type Logger } from '../../core/index.js';
import { normalizeUpdate } from './normalize.js';

export type UpdateOutcome = 'stored' | 'duplicate' | 'ignored' | 'invalid';

export async function receiveUpdate(
  desk: Desk,
  telegram: Telegram,
  logger: Logger,
  raw: unknown,
): Promise<UpdateOutcome> {
  const normalized = normalizeUpdate(raw);
  if (normalized.kind === 'invalid') {
    logger.warn({ channel: 'telegram', reason: normalized.reason }, 'malformed Telegram update ignored');
    return 'invalid';
  }
  if (normalized.kind === 'ignored') {
    logger.debug({ channel: 'telegram', reason: normalized.reason }, 'Telegram update ignored');
    return 'ignored';
  }
  let outcome: UpdateOutcome;
  try {
    outcome = (await desk.receive(normalized.inbound)).status;
  } catch (err) {
    // Not stored: the batch must not be confirmed, so that Telegram hands it out again.
    if (!(err instanceof CaredeskError) || isStoreFailure(err)) throw err;
    logger.warn({ channel: 'telegram', code: err.code, err: err.message }, 'Telegram update refused');
    return 'invalid';
  }
  if (normalized.callbackQueryId) {
    await telegram.answerCbQuery(normalized.callbackQueryId).catch((err: unknown) => {
      logger.debug({ err }, 'answerCallbackQuery failed');
    });
  }
  return outcome;
}
