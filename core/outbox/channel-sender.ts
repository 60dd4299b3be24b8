/**
 * What the outbox dispatcher needs from a channel: deliver one stored
 * outbound message and say how it went. Channels (bots/*) implement it; core
 * never imports them.
 */
import type { Channel, OutboxEntry } from '../domain.js';

export type SendOutcome =
  | { readonly ok: true; readonly channelMessageId?: string }
  | {
      readonly ok: false;
      /** false: retrying cannot help (the customer blocked the bot, the chat is gone). */
      readonly retryable: boolean;
      /** The channel asked us to wait this long (e.g. Telegram 429 retry_after). */
      readonly retryAfterMs?: number;
      /** The recipient cannot be reached on this channel any more. */
      readonly unreachable?: boolean;
      readonly error: string;
    };

export interface ChannelSender {
  readonly channel: Channel;
  /**
   * `replyContext` is what the channel stored at ingest for this recipient
   * (e.g. a Bot Framework ConversationReference), if anything. `signal` is
   * aborted when the dispatcher stops waiting: the request should be
   * cancelled, so that it cannot arrive after its retry.
   */
  send(
    entry: OutboxEntry,
    replyContext: Record<string, unknown> | undefined,
    signal?: AbortSignal,
  ): Promise<SendOutcome>;
}
