/**
 * Defining a flow. A flow is an XState v5 machine built with `setup()`; the
 * kit gives it caredesk's types (`flowTypes<Context>()`) and effect helpers
 * (effects.ts), and `defineFlow` names it for the registry, the CLI and the
 * test kit.
 *
 *   const machine = setup({ types: flowTypes<Ctx>() }).createMachine({...});
 *   export const greeter = defineFlow({ name: 'greeter', description: '…', machine });
 */
import type { AnyStateMachine, MachineContext } from 'xstate';
import type { FlowEffect, FlowEvent, QuickReply } from '../../core/index.js';

/** What a flow's actor is created with. */
export interface FlowInput {
  readonly conversationId: string;
  readonly channel: string;
  readonly language?: string;
}

/** caredesk's types for `setup({ types })`: context, the events a flow hears, the effects it emits, its input. */
export function flowTypes<TContext extends MachineContext>() {
  return {
    context: {} as TContext,
    events: {} as FlowEvent,
    emitted: {} as FlowEffect,
    input: {} as FlowInput,
  };
}

/**
 * Sample inputs for walking every path of a flow (`testEveryPath`, `flows draw`):
 * what customers might type, which buttons they might press, which timers may fire.
 */
export interface FlowSamples {
  readonly texts: readonly string[];
  readonly actions?: readonly string[];
  readonly timers?: readonly string[];
  /**
   * What of the context tells two states apart when walking paths (default:
   * all of it). Keep it coarse (counters, flags), or the walk never ends.
   */
  readonly stateKey?: (context: never) => unknown;
}

export interface Flow<TMachine extends AnyStateMachine = AnyStateMachine> {
  readonly name: string;
  readonly description: string;
  readonly machine: TMachine;
  readonly samples: FlowSamples;
}

const NAME = /^[a-z][a-z0-9-]{0,63}$/;

/**
 * A conversation's stored XState snapshot as a migration sees it: `value` is
 * the state it was in (`'askingName'`, or `{ surveying: 'askingCsat' }`), `context` its data.
 */
export interface StoredSnapshot {
  readonly value: unknown;
  readonly context?: unknown;
  readonly [key: string]: unknown;
}

export function defineFlow<TMachine extends AnyStateMachine>(flow: {
  name: string;
  description: string;
  machine: TMachine;
  samples?: FlowSamples;
  /**
   * Rewrites a snapshot stored by an earlier version of the flow before it is
   * restored (a renamed state, a new context field): conversations started on
   * that version go on in this one. Return the snapshot unchanged when it fits.
   */
  migrate?: (snapshot: StoredSnapshot) => StoredSnapshot;
}): Flow<TMachine> {
  if (!NAME.test(flow.name)) {
    throw new Error(`Flow name "${flow.name}" is invalid: use lowercase letters, digits and dashes (e.g. "care").`);
  }
  const { migrate, ...rest } = flow;
  if (migrate) {
    // Every stored snapshot the engine rehydrates passes here (createActor with `snapshot`).
    const restore = flow.machine.restoreSnapshot.bind(flow.machine);
    flow.machine.restoreSnapshot = (snapshot, scope) =>
      restore(migrate(snapshot as unknown as StoredSnapshot) as never, scope);
  }
  return { ...rest, samples: flow.samples ?? { texts: ['hello'] } };
}

/**
 * The value of the `customer.action` a channel sends when a customer's client
 * connects (Bot Framework's "joined" activity, the dev chat): not something the
 * customer said, and sent again on every reconnect.
 */
export const CONVERSATION_START = 'conversation.start';

/**
 * A guard: the customer's client (re)connected. Put `{ guard: connected }`
 * first in a state that takes `customer.*`, or a connect is read as an answer.
 */
export const connected = ({ event }: { event: FlowEvent }): boolean =>
  event.type === 'customer.action' && event.value === CONVERSATION_START;

/** The text of a customer message or the value of a pressed button, whichever the event carries. */
export function said(event: FlowEvent): string {
  if (event.type === 'customer.message') return event.text;
  if (event.type === 'customer.action') return event.value;
  return '';
}

export type { FlowEffect, FlowEvent, QuickReply };
