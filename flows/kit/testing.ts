/**
 * The flow test kit. `chatWith(flow)` (chat.ts) runs a flow through the real
 * desk and gives a conversation script that plays the customer, a person and
 * time. Every step is async, the `expect*` ones too: await each, or a failed
 * expectation goes unnoticed.
 *
 *   const chat = await chatWith(careFlow);
 *   await chat.connect();
 *   await chat.say('How do I pay my bill?');
 *   await chat.expectReply(/pay your bill/i);
 *   await chat.advance(10 * 60_000);
 *   await chat.expectReply(/still there/i);
 *   await chat.say('I want to talk to a human');
 *   await chat.expectHandoff({ reason: /asked for a person/ });
 *   await chat.personTakesOver();
 *   await chat.resolveAsPerson();
 *   await chat.expectReply(/how satisfied/i);
 *   await chat.restart(); // caredesk restarts mid-conversation; `restart({ flow })` into a new version
 *
 * `testEveryPath(flow)` walks every path of the machine (@xstate/graph;
 * production code imports chat.ts, never this) and checks each ends in a
 * reply, a handoff or a resolution without throwing. Assertions throw plain
 * Errors, so any test runner works. Flow authors import this file as
 * `caredesk/testing`.
 */
import { getShortestPaths } from '@xstate/graph';
import { createActor } from 'xstate';
import type { FlowEnv, FlowEvent, WaitInfo } from '../../core/index.js';
import { type ChatOptions, chatWith as chatWithFlow, DEFAULT_WAIT, type FlowChat } from './chat.js';
import type { Flow } from './define.js';

export { type ChatOptions, DEFAULT_WAIT, FlowChat, type Reply } from './chat.js';
export type { Flow } from './define.js';

/**
 * Starts a conversation with `flow`: the flow itself, or its name — a flow of
 * the project in the working directory (caredesk.config.json, or the file
 * CAREDESK_CONFIG names) or one caredesk ships.
 */
export async function chatWith(flow: Flow | string, options: ChatOptions = {}): Promise<FlowChat> {
  return chatWithFlow(typeof flow === 'string' ? await projectFlow(flow) : flow, options);
}

/** A flow by name, as `caredesk chat --flow` finds it: the project's, or a shipped one. */
export async function projectFlow(name: string): Promise<Flow> {
  const { loadFlowRegistry, readFlowSetup } = await import('../project/index.js');
  return (await loadFlowRegistry(readFlowSetup())).require(name);
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
