/**
 * Webhook mode: Telegram POSTs each update to TELEGRAM_WEBHOOK_URL with the
 * secret we registered in `X-Telegram-Bot-Api-Secret-Token`. A missing or
 * wrong secret is 401 and nothing is stored; the answer is 200 only once the
 * update is stored, so Telegram redelivers anything we could not keep.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Telegram } from 'telegraf';
import { type Desk, InvalidInputError, type Logger, UnauthorizedError } from '../../core/index.js';
import { receiveUpdate } from './updates.js';

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';

/** Constant time whatever the lengths: compare digests, not the strings. */
function sameSecret(given: string | undefined, expected: string): boolean {
  const a = createHash('sha256')
    .update(given ?? '')
    .digest();
  const b = createHash('sha256').update(expected).digest();
  return given !== undefined && timingSafeEqual(a, b);
}

export function telegramWebhookRoute(
  app: FastifyInstance,
  deps: { desk: Desk; telegram: Telegram; logger: Logger; secret: string },
): void {
  app.post(TELEGRAM_WEBHOOK_PATH, async (request, reply) => {
    const header = request.headers['x-telegram-bot-api-secret-token'];
    if (!sameSecret(typeof header === 'string' ? header : undefined, deps.secret)) {
      throw new UnauthorizedError('Wrong or missing secret token (X-Telegram-Bot-Api-Secret-Token).');
    }
    const outcome = await receiveUpdate(deps.desk, deps.telegram, deps.logger, request.body);
    if (outcome === 'invalid') {
      throw new InvalidInputError('This is not a Telegram update caredesk can read.');
    }
    return reply.code(200).send({ ok: true });
  });
}
