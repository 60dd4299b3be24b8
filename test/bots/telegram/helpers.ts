import {
  type Arrival,
  type ConversationEngine,
  Desk,
  draftOutbound,
  MemoryStore,
  type MessageStep,
  type OutboxDelivery,
  type Store,
} from '../../../core/index.js';

/**
 * A stand-in flow for channel tests: answers every message with what it
 * received and two quick replies, in the message's own write like a real flow.
 */
export class EchoEngine implements ConversationEngine {
  constructor(private readonly desk: Desk) {}
  async planCustomerMessage(arrival: Arrival): Promise<MessageStep> {
    const said = arrival.inbound.kind === 'action' ? `pressed ${arrival.inbound.actionValue}` : arrival.message.text;
    const out = draftOutbound({
      conversation: arrival.conversation,
      customer: arrival.customer,
      author: 'bot',
      text: `You said: ${said}`,
      quickReplies: [
        { label: 'Yes', value: 'yes' },
        { label: 'No', value: 'no' },
      ],
      now: this.desk.clock.now(),
    });
    return { batch: { messages: [out.message], outbox: out.outbox ? [out.outbox] : [], events: [out.event] } };
  }
}

export async function echoDesk(store: Store = new MemoryStore()): Promise<Desk> {
  await store.open();
  return new Desk({ store, engine: (desk) => new EchoEngine(desk) });
}

export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type { OutboxDelivery };

/** A private-chat text message update from customer 77 (Bo), as Telegram sends it. */
export const message = (updateId: number, text: string, extra: object = {}) => ({
  update_id: updateId,
  message: {
    message_id: updateId,
    date: 1,
    from: { id: 77, first_name: 'Bo' },
    chat: { id: 77, type: 'private' },
    text,
    ...extra,
  },
});
