/**
 * Delivers outbox entries to Bot Framework channels, always proactively with
 * the ConversationReference stored at ingest: an agent's reply or a timed
 * flow message has no live turn to answer in. Delivery is confirmed, not
 * assumed: botbuilder's continueConversationAsync resolves even when the send
 * failed (the error only reaches onTurnError), so the outcome is captured
 * inside the turn. A reference stored before the service URL rules existed
 * (or before the allow-list shrank) is checked again: it is not posted to.
 */
import type { CloudAdapter } from 'botbuilder';
import type { Channel, ChannelSender, OutboxEntry, SendOutcome, Store } from '../../core/index.js';
import { readStoredFile } from '../../core/index.js';
import type { ServiceUrlPolicy } from './service-url.js';

export class BotFrameworkSender implements ChannelSender {
  constructor(
    readonly channel: Channel,
    private readonly adapter: () => Promise<CloudAdapter>,
    private readonly appId: string,
    private readonly serviceUrlRefusal: ServiceUrlPolicy,
    /** Where an entry's files are read from (core/outbox/stored-files.ts). */
    private readonly files?: Pick<Store, 'getRecord'>,
  ) {}

  async send(entry: OutboxEntry, reference: Record<string, unknown> | undefined): Promise<SendOutcome> {
    if (!reference) {
      return { ok: false, retryable: false, unreachable: true, error: 'no conversation reference for this customer' };
    }
    const serviceUrl = typeof reference.serviceUrl === 'string' ? reference.serviceUrl : '';
    const refused = this.serviceUrlRefusal(serviceUrl);
    if (refused !== undefined) return { ok: false, retryable: false, unreachable: true, error: refused };
    const attachments: Array<{ contentType: string; contentUrl: string; name: string }> = [];
    for (const a of entry.attachments ?? []) {
      const file = this.files ? await readStoredFile(this.files, a.ref) : undefined;
      if (!file) return { ok: false, retryable: false, error: `the file ${a.name ?? a.ref} is not stored` };
      // Inline, as a data URL: caredesk has no public URL of its own for a channel to fetch the file from.
      const contentUrl = `data:${file.mimeType};base64,${file.bytes.toString('base64')}`;
      attachments.push({ contentType: file.mimeType, contentUrl, name: file.name });
    }
    const adapter = await this.adapter();
    let outcome: SendOutcome | undefined;
    try {
      await adapter.continueConversationAsync(this.appId, reference, async (context) => {
        try {
          const sent = await context.sendActivity({
            type: 'message',
            text: entry.text,
            attachments: attachments.length > 0 ? attachments : undefined,
            suggestedActions:
              entry.quickReplies.length > 0
                ? {
                    to: [],
                    actions: entry.quickReplies.map((q) => ({ type: 'imBack', title: q.label, value: q.value })),
                  }
                : undefined,
          });
          outcome = { ok: true, channelMessageId: sent?.id };
        } catch (err) {
          outcome = outcomeOf(err);
        }
      });
    } catch (err) {
      return outcomeOf(err);
    }
    return outcome ?? { ok: false, retryable: true, error: 'the channel was not reached (no token or no turn)' };
  }
}

export function outcomeOf(err: unknown): SendOutcome {
  const status = (err as { statusCode?: unknown }).statusCode;
  const error = err instanceof Error ? err.message.slice(0, 500) : String(err);
  if (typeof status === 'number') {
    if (status === 401 || status === 403 || status === 404)
      return { ok: false, retryable: false, unreachable: status !== 401, error };
    if (status === 429) return { ok: false, retryable: true, retryAfterMs: 5_000, error };
  }
  return { ok: false, retryable: true, error };
}
