/**
 * Typed effect helpers: what a flow asks the world to do. Each is an XState
 * `emit` action; the engine collects the emitted effects of a step and commits
 * them with the flow's snapshot. A flow never calls a channel or the store.
 */
import { emit, type MachineContext, type ParameterizedObject } from 'xstate';
import type { FlowEffect, FlowEvent, QuickReply, SurveyQuestion } from '../../core/index.js';

export interface ActionArgs<TContext> {
  readonly context: TContext;
  readonly event: FlowEvent;
}
type Value<TContext, T> = T | ((args: ActionArgs<TContext>) => T);

function resolve<TContext, T>(v: Value<TContext, T>, args: ActionArgs<TContext>): T {
  return typeof v === 'function' ? (v as (a: ActionArgs<TContext>) => T)(args) : v;
}

const effect = <TContext extends MachineContext>(make: (args: ActionArgs<TContext>) => FlowEffect) =>
  emit<TContext, FlowEvent, ParameterizedObject['params'] | undefined, FlowEvent, FlowEffect>((args) => make(args));

/** Quick-reply buttons from labels (the value is the label) or {label, value} pairs. */
export function quickReplies(...options: Array<string | QuickReply>): QuickReply[] {
  return options.map((o) => (typeof o === 'string' ? { label: o, value: o } : o));
}

/** Says something to the customer, optionally with quick-reply buttons. */
export function reply<TContext extends MachineContext>(
  text: Value<TContext, string>,
  buttons?: Value<TContext, readonly QuickReply[]>,
) {
  return effect<TContext>((args) => {
    const qr = buttons === undefined ? undefined : resolve(buttons, args);
    return { type: 'reply', text: resolve(text, args), ...(qr && qr.length > 0 ? { quickReplies: qr } : {}) };
  });
}

export interface HandoffSpec {
  readonly reason: string;
  readonly topic?: string;
  readonly language?: string;
  readonly skill?: string;
}

/** Hands the conversation to a human: it joins the queue with the reason, topic and language for routing. */
export function handoff<TContext extends MachineContext>(spec: Value<TContext, HandoffSpec>) {
  return effect<TContext>((args) => ({ type: 'handoff', ...resolve(spec, args) }));
}

/**
 * Resolves the conversation at once (mode `resolved`). The flow may go on
 * with a survey: `openSurvey` lets the customer's answers reach it.
 */
export function resolveConversation<TContext extends MachineContext>() {
  return effect<TContext>(() => ({ type: 'resolve' }));
}

/**
 * Opens the survey window of a resolved conversation for `windowMs`: the
 * customer's messages that the flow's current state takes (has a transition
 * for) reach the flow and stay in the resolved case; a message no transition
 * takes opens a new conversation, a reopen. The window closes when the flow
 * finishes or the time is up.
 */
export function openSurvey<TContext extends MachineContext>(windowMs: number) {
  return effect<TContext>(() => ({ type: 'survey.open', windowMs }));
}

export function tag<TContext extends MachineContext>(name: Value<TContext, string>) {
  return effect<TContext>((args) => ({ type: 'tag', tag: resolve(name, args) }));
}

export function setPriority<TContext extends MachineContext>(priority: 'low' | 'normal' | 'high' | 'urgent') {
  return effect<TContext>(() => ({ type: 'setPriority', priority }));
}

/** Records a survey answer (a `survey.answered` event for the KPIs). */
export function recordSurvey<TContext extends MachineContext>(
  question: SurveyQuestion,
  score: Value<TContext, number>,
) {
  return effect<TContext>((args) => ({ type: 'survey', question, score: resolve(score, args) }));
}

/**
 * Starts (or restarts) a named timer; the flow receives `timer.fired` with
 * that name when it is due, even across a server restart. Use this instead of
 * XState's `after`, which a restored actor forgets.
 */
export function startTimer<TContext extends MachineContext>(name: string, delayMs: number) {
  return effect<TContext>(() => ({ type: 'timer.set', name, delayMs }));
}

export function cancelTimer<TContext extends MachineContext>(name: string) {
  return effect<TContext>(() => ({ type: 'timer.cancel', name }));
}

/** A guard for `timer.fired` of one timer: `on: { 'timer.fired': { guard: timerIs('remind'), … } }`. */
export const timerIs =
  (name: string) =>
  ({ event }: { event: FlowEvent }): boolean =>
    event.type === 'timer.fired' && event.name === name;

/**
 * How late a `timer.fired` came, in ms (0 for any other event): a timer that
 * fell due while the server was down fires when it starts again, and a flow
 * may not want to say then what it meant to say on time.
 */
export const lateBy = (event: FlowEvent): number =>
  event.type === 'timer.fired' ? Math.max(0, Date.parse(event.env.now) - Date.parse(event.dueAt)) : 0;
