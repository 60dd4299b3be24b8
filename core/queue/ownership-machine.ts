/**
 * Who owns a conversation: the bot, the queue, an agent, or nobody (resolved).
 * This machine is separate from the flows: flows decide what the bot says,
 * this decides whether the bot (or which human) may speak at all.
 *
 * The desk actions do not keep an actor alive per conversation: the stored
 * mode is rebuilt into a snapshot (`ownershipSnapshot`) and the action's event
 * is checked and applied with XState's pure `transition` (`decideOwnership`),
 * under the customer's lock. So the races are settled here, in one place:
 *
 * - the bot stays silent while a human owns it: `BOT_REPLIED` is accepted in `bot` only;
 * - a resolve during a bot turn wins; what the turn still wants to say is refused;
 * - a customer writing while an agent hands back waits in `bot.handingBack`
 *   until the flow has received `agent.handback`;
 * - of two claims, the first moves the conversation to `agent`; the second
 *   is no longer accepted (E_CLAIM_CONFLICT);
 * - a customer coming back to a resolved conversation within the reopen window
 *   goes back to the same agent if online, else to the queue (to the bot when
 *   the bot had resolved it alone).
 */
import { assign, type SnapshotFrom, setup, transition } from 'xstate';
import type { Mode } from '../domain.js';

export interface OwnershipContext {
  readonly assignee: string | undefined;
  /** Who owned it last: a reopen goes back to them when they are online. */
  readonly lastAssignee: string | undefined;
}

export type OwnershipEvent =
  | { type: 'HANDOFF' }
  | { type: 'CLAIM'; agentId: string }
  /** Auto-assignment by the router. */
  | { type: 'ASSIGN'; agentId: string }
  /** A supervisor or skilled agent takes a conversation the bot is handling. */
  | { type: 'TAKEOVER'; agentId: string }
  | { type: 'TRANSFER_TO_AGENT'; agentId: string }
  | { type: 'TRANSFER_TO_SKILL'; skill: string }
  /** Auto-reassign: the agent went silent or offline. */
  | { type: 'REASSIGN' }
  | { type: 'ESCALATE' }
  | { type: 'RELEASE' }
  | { type: 'HANDBACK_DONE' }
  | { type: 'RESOLVE' }
  | { type: 'REOPEN'; withinWindow: boolean; lastAssigneeOnline: boolean }
  | { type: 'CUSTOMER_WROTE' }
  | { type: 'BOT_TURN_STARTED' }
  | { type: 'BOT_TURN_ENDED' }
  | { type: 'BOT_REPLIED' }
  | { type: 'AGENT_REPLIED'; agentId: string };

export const ownershipMachine = setup({
  types: {
    context: {} as OwnershipContext,
    events: {} as OwnershipEvent,
    input: {} as Partial<OwnershipContext> | undefined,
  },
  actions: {
    toAgent: assign(({ event, context }) => {
      const agentId = 'agentId' in event ? event.agentId : context.lastAssignee;
      return { assignee: agentId, lastAssignee: agentId };
    }),
    toNobody: assign({ assignee: undefined }),
  },
  guards: {
    isAssignee: ({ context, event }) => event.type === 'AGENT_REPLIED' && event.agentId === context.assignee,
    isAnotherAgent: ({ context, event }) => event.type === 'TRANSFER_TO_AGENT' && event.agentId !== context.assignee,
    backToSameAgent: ({ context, event }) =>
      event.type === 'REOPEN' && event.withinWindow && event.lastAssigneeOnline && context.lastAssignee !== undefined,
    humanCaseWithinWindow: ({ context, event }) =>
      event.type === 'REOPEN' && event.withinWindow && context.lastAssignee !== undefined,
    withinReopenWindow: ({ event }) => event.type === 'REOPEN' && event.withinWindow,
  },
}).createMachine({
  id: 'ownership',
  context: ({ input }) => ({ assignee: input?.assignee, lastAssignee: input?.lastAssignee }),
  initial: 'bot',
  states: {
    bot: {
      initial: 'idle',
      states: {
        idle: { on: { CUSTOMER_WROTE: 'turn', BOT_TURN_STARTED: 'turn' } },
        turn: { on: { BOT_REPLIED: 'turn', BOT_TURN_ENDED: 'idle', CUSTOMER_WROTE: 'turn' } },
        // The flow has not yet received `agent.handback`: a customer message waits for it.
        handingBack: { on: { HANDBACK_DONE: 'idle' } },
      },
      on: {
        HANDOFF: { target: 'queued', actions: 'toNobody' },
        TAKEOVER: { target: 'agent', actions: 'toAgent' },
        RESOLVE: { target: 'resolved', actions: 'toNobody' },
      },
    },
    queued: {
      on: {
        CLAIM: { target: 'agent', actions: 'toAgent' },
        ASSIGN: { target: 'agent', actions: 'toAgent' },
        ESCALATE: 'queued',
        TRANSFER_TO_SKILL: 'queued',
        CUSTOMER_WROTE: 'queued',
        RELEASE: { target: 'bot.handingBack', actions: 'toNobody' },
        RESOLVE: { target: 'resolved', actions: 'toNobody' },
      },
    },
    agent: {
      on: {
        AGENT_REPLIED: { guard: 'isAssignee', target: 'agent' },
        CUSTOMER_WROTE: 'agent',
        TRANSFER_TO_AGENT: { guard: 'isAnotherAgent', target: 'agent', actions: 'toAgent' },
        TRANSFER_TO_SKILL: { target: 'queued', actions: 'toNobody' },
        REASSIGN: { target: 'queued', actions: 'toNobody' },
        RELEASE: { target: 'bot.handingBack', actions: 'toNobody' },
        RESOLVE: { target: 'resolved', actions: 'toNobody' },
      },
    },
    resolved: {
      on: {
        REOPEN: [
          { guard: 'backToSameAgent', target: 'agent', actions: 'toAgent' },
          { guard: 'humanCaseWithinWindow', target: 'queued' },
          // The bot resolved it alone: the bot takes the customer back (still recorded as a reopen).
          { guard: 'withinReopenWindow', target: 'bot' },
        ],
      },
    },
  },
});

export type OwnershipSnapshot = SnapshotFrom<typeof ownershipMachine>;

/** The machine's snapshot for a stored conversation. */
export function ownershipSnapshot(
  mode: Mode,
  context: Partial<OwnershipContext> = {},
  options: { handingBack?: boolean } = {},
): OwnershipSnapshot {
  const value = mode === 'bot' ? { bot: options.handingBack ? 'handingBack' : 'idle' } : mode;
  return ownershipMachine.resolveState({
    value,
    context: { assignee: context.assignee, lastAssignee: context.lastAssignee },
  });
}

export type OwnershipDecision =
  | { readonly accepted: false; readonly mode: Mode }
  | {
      readonly accepted: true;
      readonly mode: Mode;
      readonly snapshot: OwnershipSnapshot;
      readonly context: OwnershipContext;
    };

/** The mode a snapshot stands for (`bot.*` is `bot`). */
export function modeOf(snapshot: OwnershipSnapshot): Mode {
  const v = snapshot.value;
  return (typeof v === 'string' ? v : 'bot') as Mode;
}

/** Applies one event to a snapshot; `accepted: false` when the machine refuses it in this state. */
export function decideOwnership(snapshot: OwnershipSnapshot, event: OwnershipEvent): OwnershipDecision {
  if (!snapshot.can(event)) return { accepted: false, mode: modeOf(snapshot) };
  const [next] = transition(ownershipMachine, snapshot, event);
  return { accepted: true, mode: modeOf(next), snapshot: next, context: next.context };
}

/** Whether the bot may send anything in a conversation of this mode. */
export function botMaySpeak(mode: Mode): boolean {
  const turn = decideOwnership(ownershipSnapshot(mode), { type: 'BOT_TURN_STARTED' });
  return turn.accepted && turn.snapshot.can({ type: 'BOT_REPLIED' });
}
