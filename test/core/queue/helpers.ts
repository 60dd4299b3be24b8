import { ManualClock } from '../../../core/clock.js';
import { type Arrival, type ConversationEngine, Desk, type MessageStep } from '../../../core/desk.js';
import type { DeskConfigInput } from '../../../core/queue/config.js';
import type { FlowControl } from '../../../core/queue/context.js';
import { HumanDesk } from '../../../core/queue/human-desk.js';
import { MemoryStore } from '../../../core/store/memory-store.js';
import type { Store } from '../../../core/store/store.js';

/** A stand-in engine: records the messages that reach the flow and the human side's calls, and says nothing. */
export class RecordingFlow implements FlowControl, ConversationEngine {
  readonly calls: string[] = [];
  /** Texts of the customer messages the flow received, in order. */
  readonly seen: string[] = [];
  /** Called as a message reaches the flow, under the customer's lock. */
  onMessage: (arrival: Arrival) => void | Promise<void> = () => undefined;
  async planCustomerMessage(arrival: Arrival): Promise<MessageStep | undefined> {
    if (arrival.conversation.mode !== 'bot') return undefined;
    this.seen.push(arrival.message.text);
    await this.onMessage(arrival);
    return undefined;
  }
  /** Lets a test hold the handback open to race a customer message against it. */
  gate: Promise<void> = Promise.resolve();
  async handBack(conversationId: string, agentId: string): Promise<void> {
    await this.gate;
    this.calls.push(`handBack:${conversationId}:${agentId}`);
  }
  async notifyResolved(conversationId: string): Promise<void> {
    this.calls.push(`resolved:${conversationId}`);
  }
}

export interface Setup {
  readonly clock: ManualClock;
  readonly desk: Desk;
  readonly human: HumanDesk;
  readonly flow: RecordingFlow;
  readonly kicks: { count: number };
  /** A customer message on telegram from `user`; returns the conversation id. */
  say(user: string, text: string, channel?: 'telegram' | 'botframework' | 'devchat'): Promise<string>;
  agent(
    name: string,
    extra?: Partial<{ role: 'agent' | 'supervisor'; skills: string[]; languages: string[]; capacity: number }>,
  ): Promise<string>;
}

let n = 0;

export async function setup(
  config: DeskConfigInput = {},
  store: Store = new MemoryStore(),
  clock = new ManualClock(),
): Promise<Setup> {
  await store.open();
  const flow = new RecordingFlow();
  let human!: HumanDesk;
  const desk = new Desk({
    store,
    clock,
    engine: () => flow,
    human: (d) => {
      human = new HumanDesk(d, { config });
      return human;
    },
  });
  const kicks = { count: 0 };
  desk.outbox.listen(() => kicks.count++);
  return {
    clock,
    desk,
    human,
    flow,
    kicks,
    async say(user, text, channel = 'telegram') {
      const r = await desk.receive({ channel, externalUserId: user, channelMessageId: `m${++n}`, text });
      await desk.idle();
      if (r.status !== 'stored') throw new Error('not stored');
      return r.conversation.id;
    },
    async agent(name, extra = {}) {
      const { agent } = await human.createAgent({ name, ...extra });
      await human.setPresence(agent.id, 'online');
      return agent.id;
    },
  };
}
