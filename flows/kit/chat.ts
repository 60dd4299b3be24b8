/**
 * A flow in a conversation: `chatWith(flow)` runs a flow through the real
 * desk as `caredesk serve` composes it (FlowEngine, then the HumanDesk, over a
 * MemoryStore, a ManualClock for timers) and gives a conversation script that
 * plays every side: the customer (`connect`, `say`, `press`), a person
 * (`personTakesOver`, `handBack`, `resolveAsPerson`), time (`advance`) and
 * the operator (`restart`, optionally into a new version of the flow).
 * `caredesk chat --flow` talks through it; the test kit (testing.ts) adds
 * every-path walks on top. Every step and check is async: await each one,
 * the `expect*` ones too, or a failed expectation is lost.
 *
 *   const chat = await chatWith(careFlow);
 *   await chat.say('How do I pay my bill?');
 *   await chat.expectReply(/pay your bill/i);
 */
import {
  type Conversation,
  Desk,
  type DeskConfigInput,
  type DomainEvent,
  FlowEngine,
  type FlowEngineOptions,
  HumanDesk,
  ManualClock,
  MemoryStore,
  type Message,
  type QuickReply,
  type Store,
  type WaitInfo,
} from '../../core/index.js';
import { CONVERSATION_START, type Flow } from './define.js';

export interface ChatOptions {
  readonly store?: Store;
  readonly clock?: ManualClock;
  /** The channel's language hint for the customer. */
  readonly language?: string;
  readonly wait?: WaitInfo;
  readonly engine?: Partial<FlowEngineOptions>;
  readonly extraFlows?: readonly Flow[];
  /** The human side's configuration (routing, SLA, reopen window): what `caredesk serve` reads as `desk`. */
  readonly human?: DeskConfigInput;
}

export interface Reply {
  readonly text: string;
  readonly quickReplies: readonly QuickReply[];
}

export const DEFAULT_WAIT: WaitInfo = { minutes: 4, queueLength: 1, open: true };

/** The desk's parts as `caredesk serve` composes them: the flow engine, then the human side. */
interface Composed {
  readonly desk: Desk;
  readonly engine: FlowEngine;
  readonly human: HumanDesk;
}

export class FlowChat {
  readonly events: DomainEvent[] = [];
  private seen = 0;
  private counter = 0;
  conversationId: string | undefined;
  private personId: string | undefined;
  private parts: Composed;

  constructor(
    parts: Composed,
    readonly clock: ManualClock,
    private flow: Flow,
    private readonly options: ChatOptions,
    readonly customer = 'tester',
  ) {
    this.parts = parts;
    parts.desk.bus.subscribe((e) => this.events.push(e));
  }

  get desk(): Desk {
    return this.parts.desk;
  }

  get engine(): FlowEngine {
    return this.parts.engine;
  }

  get human(): HumanDesk {
    return this.parts.human;
  }

  /**
   * caredesk restarts in the middle of the conversation: the engine and the
   * human side stop (live flow actors are gone), and a new desk opens on the
   * same store, which restores each conversation from its stored snapshot and
   * re-arms the pending timers. Pass `flow` to come back with a new version of
   * the flow (same name), as after a deploy: see `migrate` in defineFlow.
   */
  async restart(options: { flow?: Flow } = {}): Promise<void> {
    if (options.flow && options.flow.name !== this.flow.name) {
      throw new Error(`restart({ flow }) takes a new version of "${this.flow.name}", not "${options.flow.name}".`);
    }
    this.parts.human.stop();
    await this.parts.engine.stop();
    this.flow = options.flow ?? this.flow;
    this.parts = await compose(this.desk.store, this.clock, this.flow, this.options);
    this.parts.desk.bus.subscribe((e) => this.events.push(e));
  }

  /**
   * The customer's client connects: Bot Framework and the dev chat send a
   * `customer.action` with value `conversation.start` (no text) when a
   * customer opens the chat, and again when the client reconnects.
   */
  async connect(): Promise<Reply[]> {
    return this.send({ kind: 'action', text: '', actionValue: CONVERSATION_START });
  }

  /** The customer writes `text`; resolves when the flow has answered. Returns the new replies. */
  async say(text: string): Promise<Reply[]> {
    return this.send({ kind: 'message', text });
  }

  /** The customer presses a quick reply, by label or value (of the last reply that offered it). */
  async press(labelOrValue: string): Promise<Reply[]> {
    const offered = (await this.botMessages()).at(-1)?.quickReplies ?? [];
    const choice = offered.find((q) => q.label === labelOrValue || q.value === labelOrValue);
    if (!choice) {
      throw new Error(
        `No quick reply "${labelOrValue}" is offered; the last reply offers: ${offered.map((q) => q.label).join(', ') || 'none'}.`,
      );
    }
    return this.send({ kind: 'action', text: choice.label, actionValue: choice.value });
  }

  /** Moves the clock and fires the flow timers that fell due. */
  async advance(ms: number): Promise<Reply[]> {
    const before = (await this.botMessages()).length;
    this.clock.advance(ms);
    await this.engine.runDueTimers();
    await this.desk.idle();
    return (await this.botMessages()).slice(before).map(toReply);
  }

  /**
   * A person takes the conversation, through the human side as an agent
   * would: claims it from the queue after a handoff, or takes it over from the
   * bot (the flow pauses). The person is a supervisor the kit creates.
   */
  async personTakesOver(): Promise<Conversation> {
    const c = await this.conversation();
    const person = await this.person();
    const { conversation } =
      c.mode === 'queued' ? await this.human.claim(c.id, person) : await this.human.takeover(c.id, person);
    await this.desk.idle();
    return conversation;
  }

  /** The person hands the conversation back to the bot: the flow hears `agent.handback`. Returns the new replies. */
  async handBack(): Promise<Reply[]> {
    return this.asPerson((id, person) => this.human.release(id, person));
  }

  /**
   * The person resolves the conversation: it is resolved, and the flow hears
   * `conversation.resolved` (and may run its survey). Returns the new replies.
   */
  async resolveAsPerson(): Promise<Reply[]> {
    return this.asPerson((id, person) => this.human.resolve(id, person));
  }

  /** The next unread reply matches `pattern` (earlier unread replies are skipped over). */
  async expectReply(pattern: RegExp | string): Promise<Reply> {
    const all = await this.botMessages();
    const unread = all.slice(this.seen);
    const i = unread.findIndex((m) => (typeof pattern === 'string' ? m.text.includes(pattern) : pattern.test(m.text)));
    if (i < 0) {
      throw new Error(
        `Expected a reply matching ${String(pattern)}; unread replies were:\n${unread.map((m) => `  - ${m.text}`).join('\n') || '  (none)'}`,
      );
    }
    this.seen += i + 1;
    return toReply(unread[i]!);
  }

  /** No reply arrived since the last expectation. */
  async expectSilence(): Promise<void> {
    const unread = (await this.botMessages()).slice(this.seen);
    if (unread.length > 0) throw new Error(`Expected no reply, got:\n${unread.map((m) => `  - ${m.text}`).join('\n')}`);
  }

  async expectHandoff(
    match: { reason?: RegExp | string; topic?: string; language?: string } = {},
  ): Promise<Conversation> {
    const c = await this.conversation();
    const event = this.events.find((e) => e.type === 'handoff.requested' && e.conversationId === c.id);
    if (c.mode !== 'queued' || !event)
      throw new Error(`Expected a handoff; the conversation is in mode "${c.mode}" (state ${c.flowState}).`);
    const reason = String(event.data.reason);
    if (
      match.reason !== undefined &&
      !(typeof match.reason === 'string' ? reason === match.reason : match.reason.test(reason))
    ) {
      throw new Error(`Expected handoff reason ${String(match.reason)}, got "${reason}".`);
    }
    if (match.topic !== undefined && event.data.topic !== match.topic)
      throw new Error(`Expected handoff topic "${match.topic}", got "${String(event.data.topic)}".`);
    if (match.language !== undefined && event.data.language !== match.language) {
      throw new Error(`Expected handoff language "${match.language}", got "${String(event.data.language)}".`);
    }
    return c;
  }

  async expectResolved(): Promise<Conversation> {
    const c = await this.conversation();
    if (!c.resolvedAt)
      throw new Error(`Expected the conversation resolved; it is in mode "${c.mode}" (state ${c.flowState}).`);
    return c;
  }

  async conversation(): Promise<Conversation> {
    if (!this.conversationId) throw new Error('The customer has not written yet: call say() or connect() first.');
    const c = await this.desk.store.getConversation(this.conversationId);
    if (!c) throw new Error(`Conversation ${this.conversationId} is missing from the store.`);
    return c;
  }

  /** Survey answers recorded so far, by question. */
  surveyAnswers(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.events) if (e.type === 'survey.answered') out[String(e.data.question)] = Number(e.data.score);
    return out;
  }

  async close(): Promise<void> {
    this.human.stop();
    await this.engine.stop();
    await this.desk.store.close();
  }

  /** The supervisor agent the kit plays a person with, created on first use. */
  private async person(): Promise<string> {
    this.personId ??= (await this.human.createAgent({ name: 'Test Person', role: 'supervisor' })).agent.id;
    return this.personId;
  }

  private async asPerson(act: (conversationId: string, person: string) => Promise<unknown>): Promise<Reply[]> {
    const { id } = await this.conversation();
    const person = await this.person();
    const before = (await this.botMessages()).length;
    await act(id, person);
    await this.desk.idle();
    return (await this.botMessages()).slice(before).map(toReply);
  }

  private async send(fields: { kind: 'message' | 'action'; text: string; actionValue?: string }): Promise<Reply[]> {
    const before = (await this.botMessages()).length;
    const result = await this.desk.receive({
      channel: 'devchat',
      externalUserId: this.customer,
      channelMessageId: `${this.customer}-${++this.counter}`,
      language: this.options.language,
      ...fields,
    });
    if (result.status === 'stored') this.conversationId = result.conversation.id;
    await this.desk.idle();
    return (await this.botMessages()).slice(before).map(toReply);
  }

  private async botMessages(): Promise<Array<Message & { quickReplies: readonly QuickReply[] }>> {
    if (!this.conversationId) return [];
    const all = await this.desk.store.listMessages(this.conversationId);
    const outbox = new Map(
      (await this.desk.store.listOutbox({ conversationId: this.conversationId })).map((o) => [
        o.messageId,
        o.quickReplies,
      ]),
    );
    return all
      .filter((m) => m.direction === 'outbound' && m.author === 'bot')
      .map((m) => ({ ...m, quickReplies: outbox.get(m.id) ?? [] }));
  }
}

function toReply(m: { text: string; quickReplies: readonly QuickReply[] }): Reply {
  return { text: m.text, quickReplies: m.quickReplies };
}

/**
 * Starts a conversation with `flow` through the real desk over an in-memory
 * store: the flow engine, then the human side, composed as `caredesk serve`
 * does (without the human side's clockwork: tests move the clock).
 */
export async function chatWith(flow: Flow, options: ChatOptions = {}): Promise<FlowChat> {
  const store = options.store ?? new MemoryStore();
  await store.open();
  const clock = options.clock ?? new ManualClock('2026-01-05T10:00:00.000Z');
  return new FlowChat(await compose(store, clock, flow, options), clock, flow, options);
}

async function compose(store: Store, clock: ManualClock, flow: Flow, options: ChatOptions): Promise<Composed> {
  const flows = new Map<string, Flow>([
    [flow.name, flow],
    ...(options.extraFlows ?? []).map((f) => [f.name, f] as const),
  ]);
  const wait = options.wait ?? DEFAULT_WAIT;
  let engine!: FlowEngine;
  let human!: HumanDesk;
  const desk = new Desk({
    store,
    clock,
    flowFor: () => flow.name,
    engine: (d) => {
      engine = new FlowEngine(d, {
        flows: { get: (name) => flows.get(name)?.machine },
        estimateWait: async () => wait,
        autoTimers: false,
        ...options.engine,
      });
      return engine;
    },
    human: (d) => {
      human = new HumanDesk(d, { config: options.human ?? {} });
      return human;
    },
  });
  await engine.start();
  return { desk, engine, human };
}
