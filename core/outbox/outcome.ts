/**
 * One attempt at delivering an outbox entry, and what it leaves in the store:
 * delivered, to be retried later (exponential backoff with jitter), or failed
 * (and the identity marked unreachable when the channel says so).
 */
import type { Desk } from '../desk.js';
import type { NewEvent, OutboxEntry } from '../domain.js';
import { customerLock } from '../ingest.js';
import { identityKey } from '../store/state.js';
import { backoffDelay } from '../util/backoff.js';
import type { ChannelSender, SendOutcome } from './channel-sender.js';

export type Outcome = 'delivered' | 'retried' | 'failed';

/**
 * How long a delivery's record may wait to share a durable write with
 * others (CommitOptions.within). No one waits on it: the next reply goes out
 * before it is durable anyway, and most durable writes would otherwise carry
 * nothing but one delivery record. A crash in that time sends those replies
 * once more after the restart, as a crash between a send and its record
 * always could.
 */
export const DELIVERY_RECORD_WITHIN_MS = 10;

export interface RetryPolicy {
  readonly giveUpAfterMs: number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly random: () => number;
}

/**
 * Sends once; a channel that throws or does not answer in time is a retryable
 * failure. A send that timed out is aborted, so that it cannot still arrive
 * after its retry (or after the replies behind it).
 */
export async function sendWithTimeout(
  desk: Desk,
  timeoutMs: number,
  sender: ChannelSender,
  entry: OutboxEntry,
): Promise<SendOutcome> {
  const context = (await desk.store.getRecord('reply-context', identityKey(entry.channel, entry.recipient))) as
    | Record<string, unknown>
    | undefined;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SendOutcome>((resolve) => {
    timer = setTimeout(() => {
      abort.abort();
      resolve({ ok: false, retryable: true, error: `no answer from ${entry.channel} in ${timeoutMs} ms` });
    }, timeoutMs);
  });
  try {
    return await Promise.race([sender.send(entry, context, abort.signal), timeout]);
  } catch (err) {
    return { ok: false, retryable: true, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Commits what the attempt means for the entry, with its event; returns how it ended. */
export async function recordOutcome(
  desk: Desk,
  policy: RetryPolicy,
  entry: OutboxEntry,
  outcome: SendOutcome,
): Promise<Outcome> {
  const now = desk.clock.now();
  const at = now.toISOString();
  const attempts = entry.attempts + 1;
  if (outcome.ok) {
    // One per reply sent: the delivery only, not the whole entry (its text and buttons) again.
    const { channelMessageId } = outcome;
    const result = await desk.store.commit(
      {
        deliveries: [{ outboxId: entry.id, attempts, deliveredAt: at, channelMessageId }],
        events: [
          {
            at,
            conversationId: entry.conversationId,
            type: 'message.delivered',
            data: { outboxId: entry.id, messageId: entry.messageId, channelMessageId },
          },
        ],
      },
      { within: DELIVERY_RECORD_WITHIN_MS },
    );
    desk.bus.publish(result.events);
    return 'delivered';
  }
  const base = { at, conversationId: entry.conversationId, data: { outboxId: entry.id, messageId: entry.messageId } };
  const lastError = outcome.error.slice(0, 1024);
  const age = now.getTime() - new Date(entry.createdAt).getTime();
  if (outcome.retryable && age < policy.giveUpAfterMs) {
    // The channel asking to wait (flood control) is not a failure: wait as told, no attempt spent.
    if (outcome.retryAfterMs !== undefined) {
      const notBefore = new Date(now.getTime() + outcome.retryAfterMs).toISOString();
      await commit(desk, { ...entry, notBefore, lastError });
      return 'retried';
    }
    if (attempts < policy.maxAttempts) {
      // Half jitter: between half the doubled delay and all of it, so retries of many messages spread out.
      const delay = backoffDelay(
        { firstMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, spread: [0.5, 1], random: policy.random },
        attempts,
      );
      const notBefore = new Date(now.getTime() + delay).toISOString();
      await commit(desk, { ...entry, attempts, notBefore, lastError });
      return 'retried';
    }
  }
  await commit(
    desk,
    { ...entry, status: 'failed', attempts, lastError },
    {
      ...base,
      type: 'message.failed',
      data: { ...base.data, error: lastError, unreachable: outcome.unreachable ?? false },
    },
  );
  if (outcome.unreachable) await markUnreachable(desk, entry, at);
  return 'failed';
}

async function commit(desk: Desk, entry: OutboxEntry, event?: NewEvent): Promise<void> {
  const result = await desk.store.commit({ outbox: [entry], events: event ? [event] : [] });
  desk.bus.publish(result.events);
}

/** A customer who blocked the bot: their identity on that channel is marked unreachable, for agents to see. */
async function markUnreachable(desk: Desk, entry: OutboxEntry, at: string): Promise<void> {
  const conversation = await desk.store.getConversation(entry.conversationId);
  if (!conversation) return;
  await desk.locks.run(customerLock(conversation.customerId), async () => {
    const customer = await desk.store.getCustomer(conversation.customerId);
    if (!customer) return;
    const identities = customer.identities.map((i) =>
      i.channel === entry.channel && i.externalId === entry.recipient ? { ...i, unreachableSince: at } : i,
    );
    await desk.store.commit({ customers: [{ ...customer, identities }] });
  });
}
