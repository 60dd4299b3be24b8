/**
 * The flow test kit. `chatWith(flow)` runs a flow through the real engine
 * (Desk + FlowEngine over a MemoryStore, a ManualClock for timers) and gives
 * a conversation script:
 *
 *   const chat = await chatWith(careFlow);
 *   await chat.say('How do I pay my bill?');
 *   chat.expectReply(/pay your bill/i);
 *   await chat.press('No');
 *   chat.expectHandoff({ reason: /did not help/ });
 *   await chat.advance(10 * 60_000);
 *
 * `testEveryPath(flow)` walks every path of the machine (@xstate/graph) and
 * checks each ends in a reply, a handoff or a resolution without throwing.
 * Assertions throw plain Errors, so any test runner works.
 */
import { getShortestPaths } from '@xstate/graph';
import { createActor } from 'xstate';
import {
  type Conversation,
  Desk,
  type DomainEvent,
  FlowEngine,
  type FlowEngineOptions,
  type FlowEnv,
  type FlowEvent,
  ManualClock,
  MemoryStore,
  type Message,
  type QuickReply,
  type Store,
  type WaitInfo,
} from '../../core/index.js';
import type { Flow } from './define.js';

export interface ChatOptions {
  readonly store?: Store;
  readonly clock?: ManualClock;
  /** The channel's language hint for the customer. */
  readonly language?: string;
  readonly wait?: WaitInfo;
  readonly engine?: Partial<FlowEngineOptions>;
  readonly extraFlows?: readonly Flow[];
}

export interface Reply {
  readonly text: string;
  readonly quickReplies: readonly QuickReply[];
}

export const DEFAULT_WAIT: WaitInfo = { minutes: 4, queueLength: 1, open: true };

export class FlowChat {
  readonly events: DomainEvent[] = [];
  private seen = 0;
  private counter = 0;
  conversationId: string | undefined;

  constructor(
    readonly desk: Desk,
    readonly engine: FlowEngine,
    readonly clock: ManualClock,
    private readonly options: ChatOptions,
    readonly customer = 'tester',
  ) {
    desk.bus.subscribe((e) => this.events.push(e));
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
    if (!this.conversationId) throw new Error('The customer has not written yet: call say() first.');
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
    await this.engine.stop();
    await this.desk.store.close();
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

/** Starts a conversation with `flow` through the real engine over an in-memory store. */
export async function chatWith(flow: Flow, options: ChatOptions = {}): Promise<FlowChat> {
  const store = options.store ?? new MemoryStore();
  await store.open();
  const clock = options.clock ?? new ManualClock('2026-01-05T10:00:00.000Z');
  const flows = new Map<string, Flow>([
    [flow.name, flow],
    ...(options.extraFlows ?? []).map((f) => [f.name, f] as const),
  ]);
  const wait = options.wait ?? DEFAULT_WAIT;
  let engine!: FlowEngine;
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
  });
  await engine.start();
  return new FlowChat(desk, engine, clock, options);
}

export interface EveryPathOptions {
  /** Extra events to try in every state, beyond the flow's samples. */
  readonly events?: readonly FlowEvent[];
  readonly wait?: WaitInfo;
  /** Give up (with an error) after visiting this many states (default 20,000). */
  readonly maxStates?: number;
}

export interface PathReport {
  readonly paths: number;
  readonly failures: readonly string[];
}

/**
 * Takes every transition of the flow over its sample events (each reachable
 * state by its shortest path, then each event from there) and checks that
 * each step ends, without an error, in a reply, a handoff or a resolution
 * (or a final state). Throws with every failing path listed.
 */
export function testEveryPath(flow: Flow, options: EveryPathOptions = {}): PathReport {
  const env: FlowEnv = {
    now: '2026-01-05T10:00:00.000Z',
    conversationId: 'cnv_paths',
    channel: 'devchat',
    wait: options.wait ?? DEFAULT_WAIT,
  };
  const events: FlowEvent[] = [
    ...flow.samples.texts.map((text) => ({ type: 'customer.message' as const, text, attachments: [], env })),
    ...(flow.samples.actions ?? []).map((value) => ({ type: 'customer.action' as const, value, env })),
    ...(flow.samples.timers ?? []).map((name) => ({ type: 'timer.fired' as const, name, dueAt: env.now, env })),
    { type: 'agent.handback', agentId: 'agt_paths', env },
    { type: 'conversation.resolved', env },
    ...(options.events ?? []),
  ];
  const input = { conversationId: 'cnv_paths', channel: 'devchat' };
  const key = flow.samples.stateKey ?? ((c: unknown) => c);
  const serialize = (snap: { value: unknown; status: string; context?: unknown }): string =>
    JSON.stringify([snap.value, snap.status, key(snap.context as never)]);
  // Every reachable state by its shortest path, then every event from it: every transition
  // of the flow is taken once. (All simple paths grow exponentially with the flow's size.)
  const toStates = getShortestPaths(flow.machine, {
    events,
    input,
    serializeState: serialize,
    serializeEvent: (e: FlowEvent) => JSON.stringify({ ...e, env: undefined }),
    limit: options.maxStates ?? 20_000,
  } as never);
  const failures: string[] = [];
  let paths = 0;
  for (const path of toStates) {
    // A final state takes no event: sending one only makes XState warn ("sent to stopped actor"), hundreds of times.
    if ((path.state as { status?: string }).status === 'done') continue;
    const prefix = path.steps.map((s) => s.event as FlowEvent).filter((e) => (e.type as string) !== 'xstate.init');
    for (const event of events) {
      const steps = [...prefix, event];
      const label = steps.map(describe).join(' → ');
      const actor = createActor(flow.machine, { input });
      let lastEffects: string[] = [];
      actor.on('*', (e: { type: string }) => lastEffects.push(e.type));
      actor.subscribe({ error: () => undefined });
      try {
        actor.start();
        let before = '';
        for (const e of steps) {
          before = serialize(actor.getSnapshot() as never);
          lastEffects = [];
          actor.send(e);
          const snap = actor.getSnapshot();
          if (snap.status === 'error') throw snap.error;
        }
        const after = actor.getSnapshot();
        // An event the flow ignores in this state is not a path.
        if (serialize(after as never) === before && lastEffects.length === 0) continue;
        paths += 1;
        const answered = lastEffects.some((t) => t === 'reply' || t === 'handoff' || t === 'resolve');
        if (after.status !== 'done' && !answered) {
          failures.push(`${label}: the last step neither replied, handed off nor resolved`);
        }
      } catch (err) {
        paths += 1;
        failures.push(`${label}: threw ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        actor.stop();
      }
    }
  }
  if (failures.length > 0) {
    throw new Error(
      `Flow "${flow.name}": ${failures.length} of ${paths} paths fail:\n${failures.slice(0, 20).join('\n')}`,
    );
  }
  return { paths, failures };
}

function describe(e: FlowEvent): string {
  switch (e.type) {
    case 'customer.message':
      return `say(${JSON.stringify(e.text)})`;
    case 'customer.action':
      return `press(${JSON.stringify(e.value)})`;
    case 'timer.fired':
      return `timer(${e.name})`;
    default:
      return e.type;
  }
}
