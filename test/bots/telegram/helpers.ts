import {
  type ConversationEngine,
  Desk,
  draftOutbound,
  MemoryStore,
  type OutboxDelivery,
  type Store,
  type StoredIngest,
} from '../../../core/index.js';

/**
 * A stand-in flow for channel tests: answers every message with what it
 * received and two quick replies, through the outbox like a real flow.
 */
export class EchoEngine implements ConversationEngine {
  constructor(private readonly desk: Desk) {}
  async onCustomerMessage(stored: StoredIngest): Promise<void> {
    const said = stored.inbound.kind === 'action' ? `pressed ${stored.inbound.actionValue}` : stored.message.text;
    const out = draftOutbound({
      conversation: stored.conversation,
      customer: stored.customer,
      author: 'bot',
      text: `You said: ${said}`,
      quickReplies: [
        { label: 'Yes', value: 'yes' },
        { label: 'No', value: 'no' },
      ],
      now: this.desk.clock.now(),
    });
    const result = await this.desk.store.commit({
      messages: [out.message],
      outbox: out.outbox ? [out.outbox] : [],
      events: [out.event],
    });
    this.desk.bus.publish(result.events);
    this.desk.dispatcher?.kick();
  }
}

export async function echoDesk(store: Store = new MemoryStore()): Promise<Desk> {
  await store.open();
  const desk = new Desk({ store });
  desk.engine = new EchoEngine(desk);
  return desk;
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
