/**
 * Delivers outbox entries to Telegram: text, with quick replies as an inline
 * keyboard; an entry with a file goes as sendPhoto (an inline image) or
 * sendDocument, its text as the caption, the file read from the store where
 * it was kept before the reply (core/outbox/stored-files.ts). Telegram's answers become SendOutcomes the dispatcher acts on:
 * 429 waits `retry_after`, 403 (blocked, deactivated) means unreachable,
 * other 4xx cannot succeed on retry, 5xx and network errors are retried.
 */
import { type Telegram, TelegramError } from 'telegraf';
import type { Attachment, ChannelSender, OutboxEntry, SendOutcome, Store } from '../../core/index.js';
import { readStoredFile } from '../../core/index.js';
import type { SendLimiter } from './rate-limit.js';

/** Where an entry's files are read from: the desk's store (absent: entries with files fail for good). */
export type StoredFiles = Pick<Store, 'getRecord'>;

/** A reply's quick replies as Telegram's buttons under the message, one per row. */
const keyboardOf = (entry: OutboxEntry) =>
  entry.quickReplies.length > 0
    ? { inline_keyboard: entry.quickReplies.map((q) => [{ text: q.label, callback_data: q.value }]) }
    : undefined;

/** Paced entries remembered before the old ones are looked for. */
const MAX_PACED = 1_000;

export class TelegramSender implements ChannelSender {
  readonly channel = 'telegram' as const;

  /** Entries the dispatcher paced (see pace()), and when: their send does not wait again. */
  private readonly paced = new Map<string, number>();

  constructor(
    private readonly telegram: Telegram,
    private readonly limiter: SendLimiter,
    private readonly files?: StoredFiles,
  ) {}

  async pace(entry: OutboxEntry): Promise<void> {
    // Paced before and not sent then (its claim was lost while it waited): its turn is still its own.
    if (!this.paced.has(entry.id)) await this.limiter.acquire(entry.recipient);
    this.paced.set(entry.id, Date.now());
    // One paced and then not sent (another process sent it) is forgotten after a while.
    if (this.paced.size > MAX_PACED) {
      const old = Date.now() - 60_000;
      for (const [id, at] of this.paced) if (at < old) this.paced.delete(id);
    }
  }

  async send(entry: OutboxEntry, context?: Record<string, unknown>, signal?: AbortSignal): Promise<SendOutcome> {
    const outcome = await this.sendNow(entry, context, signal);
    // A 429 holds for the bot, not only this chat: every send waits it out.
    if (!outcome.ok && outcome.retryAfterMs !== undefined) this.limiter.flooded(outcome.retryAfterMs);
    return outcome;
  }

  private async sendNow(
    entry: OutboxEntry,
    _context?: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<SendOutcome> {
    // Private chats only: the chat id is the customer's user id.
    const chatId = entry.recipient;
    if (!this.paced.delete(entry.id)) await this.limiter.acquire(chatId);
    if (signal?.aborted) return { ok: false, retryable: true, error: 'send aborted before it started' };
    const file = entry.attachments?.[0];
    if (file) return this.sendFile(entry, file, signal);
    try {
      // callApi, not sendMessage: only it takes the signal that cancels a send the dispatcher gave up waiting for.
      const sent = await this.telegram.callApi(
        'sendMessage',
        {
          chat_id: chatId,
          text: entry.text,
          reply_markup: keyboardOf(entry),
        },
        // telegraf types the signal as the abort-controller polyfill's class; at run time it takes Node's own.
        { signal: signal as never },
      );
      return { ok: true, channelMessageId: `msg:${chatId}:${sent.message_id}` };
    } catch (err) {
      return outcomeOf(err);
    }
  }

  private async sendFile(entry: OutboxEntry, attachment: Attachment, signal?: AbortSignal): Promise<SendOutcome> {
    const chatId = entry.recipient;
    const file = this.files ? await readStoredFile(this.files, attachment.ref) : undefined;
    if (!file)
      return { ok: false, retryable: false, error: `the file ${attachment.name ?? attachment.ref} is not stored` };
    const caption = entry.text === '' ? undefined : entry.text;
    const input = { source: file.bytes, filename: file.name };
    const reply_markup = keyboardOf(entry);
    try {
      const sent =
        attachment.kind === 'image'
          ? await this.telegram.callApi(
              'sendPhoto',
              { chat_id: chatId, photo: input, caption, reply_markup },
              { signal: signal as never },
            )
          : await this.telegram.callApi(
              'sendDocument',
              { chat_id: chatId, document: input, caption, reply_markup },
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
