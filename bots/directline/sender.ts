/**
 * Delivers outbox entries to Web Chat visitors: the reply is appended to the
 * Direct Line conversation's transcript (durably, so a reload shows it) and
 * pushed to its open WebSockets. Appending is the delivery: a visitor who is
 * away reads it when the page comes back, as with Azure's Direct Line.
 */
import type { ChannelSender, OutboxEntry, SendOutcome } from '../../core/index.js';
import { replyActivity } from './activity.js';
import type { Transcripts } from './transcript.js';

export class DirectLineSender implements ChannelSender {
  readonly channel = 'webchat' as const;

  constructor(private readonly transcripts: Transcripts) {}

  async send(entry: OutboxEntry, replyContext: Record<string, unknown> | undefined): Promise<SendOutcome> {
    const conversationId = replyContext?.directLineConversationId;
    if (typeof conversationId !== 'string') {
      return { ok: false, retryable: false, unreachable: true, error: 'no Direct Line conversation for this visitor' };
    }
    if (!(await this.transcripts.conversation(conversationId))) {
      return {
        ok: false,
        retryable: false,
        unreachable: true,
        error: `Direct Line conversation ${conversationId} is gone`,
      };
    }
    try {
      const { activity } = await this.transcripts.append(conversationId, replyActivity(entry, conversationId), {
        outboxId: entry.id,
      });
      return { ok: true, channelMessageId: activity.id };
    } catch (err) {
      return { ok: false, retryable: true, error: err instanceof Error ? err.message.slice(0, 500) : String(err) };
    }
  }
}
