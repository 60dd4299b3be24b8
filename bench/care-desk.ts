/**
 * What the benchmarks share about a care desk's traffic: the script a
 * customer of the care flow follows, and a channel that accepts every reply
 * at once (so replies are delivered, as on a running desk, at no cost).
 */
import type { Channel, Desk, Store } from '../core/index.js';
import { OutboxDelivery } from '../core/index.js';

/**
 * A question the care flow answers from its knowledge base, "yes" (resolved,
 * then the CSAT question), two ratings (the effort question, then thanks; the
 * case closes, and the next question opens a new one).
 */
export const CARE_SCRIPT = ['my internet is slow', 'yes', '5', '4'] as const;

/** Delivers `channel`'s replies through a channel that accepts them at once. */
export function acceptingDelivery(desk: Desk, channel: Channel) {
  const delivery = new OutboxDelivery(desk, [
    { channel, send: async () => ({ ok: true as const, channelMessageId: 'delivered' }) },
  ]);
  delivery.start();
  return {
    /** Resolves once no reply is left pending. */
    async drained(store: Store): Promise<void> {
      while ((await store.listOutbox({ status: 'pending', limit: 1 })).length > 0) {
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    stop: () => delivery.stop(),
  };
}
