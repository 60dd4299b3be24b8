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
  /**
   * Waits until the channel's rate limits let `entry` go; the send that
   * follows does not wait again. The dispatcher calls it between claiming the
   * entry and sending it, and claims it again after a long wait, so that the
   * claim does not run out while the entry waits its turn.
   */
  pace?(entry: OutboxEntry): Promise<void>;
}
