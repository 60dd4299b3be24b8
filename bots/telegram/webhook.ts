import type { FastifyInstance } from 'fastify';
import type { Telegram } from 'telegraf';
import { type Desk, InvalidInputError, type Logger, sameSecret, UnauthorizedError } from '../../core/index.js';
import { receiveUpdate } from './updates.js';

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';

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
