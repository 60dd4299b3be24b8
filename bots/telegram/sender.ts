/**
 * Delivers outbox entries to Telegram: text, with quick replies as an inline
 * keyboard. Telegram's answers become SendOutcomes the dispatcher acts on:
 * 429 waits `retry_after`, 403 (blocked, deactivated) means unreachable,
 * other 4xx cannot succeed on retry, 5xx and network errors are retried.
 */
import { type Telegram, TelegramError } from 'telegraf';
import type { ChannelSender, OutboxEntry, SendOutcome } from '../../core/index.js';
import type { SendLimiter } from './rate-limit.js';

export class TelegramSender implements ChannelSender {
  readonly channel = 'telegram' as const;

  constructor(
    private readonly telegram: Telegram,
    private readonly limiter: SendLimiter,
  ) {}

  async send(entry: OutboxEntry, _context?: Record<string, unknown>, signal?: AbortSignal): Promise<SendOutcome> {
    // Private chats only: the chat id is the customer's user id.
    const chatId = entry.recipient;
    await this.limiter.acquire(chatId);
    if (signal?.aborted) return { ok: false, retryable: true, error: 'send aborted before it started' };
    try {
      // callApi, not sendMessage: only it takes the signal that cancels a send the dispatcher gave up waiting for.
      const sent = await this.telegram.callApi(
        'sendMessage',
        {
          chat_id: chatId,
          text: entry.text,
          reply_markup:
            entry.quickReplies.length > 0
              ? { inline_keyboard: entry.quickReplies.map((q) => [{ text: q.label, callback_data: q.value }]) }
              : undefined,
        },
        // telegraf types the signal as the abort-controller polyfill's class; at run time it takes Node's own.
        { signal: signal as never },
      );
      return { ok: true, channelMessageId: `msg:${chatId}:${sent.message_id}` };
    } catch (err) {
      return outcomeOf(err);
    }
  }
}

export function outcomeOf(err: unknown): SendOutcome {
  if (!(err instanceof TelegramError)) {
    return { ok: false, retryable: true, error: err instanceof Error ? err.message : String(err) };
  }
  const code = err.code;
  const error = `${code}: ${err.description}`;
  if (code === 429) {
    const seconds = err.parameters?.retry_after ?? 1;
    return { ok: false, retryable: true, retryAfterMs: seconds * 1000, error };
  }
  if (code === 403) return { ok: false, retryable: false, unreachable: true, error };
  if (code >= 400 && code < 500) return { ok: false, retryable: false, error };
  return { ok: false, retryable: true, error };
}
