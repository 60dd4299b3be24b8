/**
 * The example flow docs/flows.md walks through: a shop's bot that tells its
 * opening hours, hands off to a person on request, resolves when the customer
 * is done, and nudges a customer who went quiet (a timer that survives restarts).
 */
import { assign, setup } from 'xstate';
import { connected, defineFlow, flowTypes, said } from '../kit/define.js';
import { cancelTimer, handoff, quickReplies, reply, resolveConversation, startTimer, timerIs } from '../kit/effects.js';

interface Context {
  reminded: boolean;
}

const MENU = quickReplies('Opening hours', 'Talk to a person');
const TEN_MINUTES = 10 * 60_000;

const machine = setup({
  types: flowTypes<Context>(),
  guards: {
    connected,
    wantsHours: ({ event }) => /hour|open/i.test(said(event)),
    wantsPerson: ({ event }) => /person|human|agent/i.test(said(event)),
    saysYes: ({ event }) => /^(yes|y)$/i.test(said(event).trim()),
    saysNo: ({ event }) => /^(no|n)$/i.test(said(event).trim()),
  },
}).createMachine({
  id: 'opening-hours',
  context: { reminded: false },
  initial: 'greeting',
  states: {
    greeting: {
      on: {
        'customer.message': {
          target: 'choosing',
          actions: reply('Hi! I am the shop bot. What can I do for you?', MENU),
        },
      },
    },
    choosing: {
      on: {
        'customer.*': [
          // A reconnect of the customer's client is not an answer.
          { guard: 'connected' },
          { guard: 'wantsHours', target: 'askingAnythingElse', actions: reply('We are open Mon-Sat, 9:00-19:00.') },
          { guard: 'wantsPerson', target: 'handedOff' },
          { actions: reply('Sorry, I can tell you our opening hours or find you a person.', MENU) },
        ],
      },
    },
    askingAnythingElse: {
      entry: [reply('Anything else?', quickReplies('Yes', 'No')), startTimer('nudge', TEN_MINUTES)],
      exit: cancelTimer('nudge'),
      on: {
        'customer.*': [
          { guard: 'connected' },
          { guard: 'saysNo', target: 'done', actions: [reply('Thanks, bye!'), resolveConversation()] },
          { guard: 'saysYes', target: 'choosing', actions: reply('Sure, what else?', MENU) },
          { target: 'choosing', reenter: true, actions: reply('Please pick one:', MENU) },
        ],
        'timer.fired': {
          guard: ({ context, event }) => !context.reminded && timerIs('nudge')({ event }),
          actions: [assign({ reminded: true }), reply('Are you still there? Tap Yes or No.')],
        },
      },
    },
    handedOff: {
      entry: [
        reply(({ event }) =>
          event.env.wait.open
            ? `A person will be with you in about ${event.env.wait.minutes} minutes.`
            : `Our team is back at ${event.env.wait.reopensAt}; a person will answer then.`,
        ),
        handoff({ reason: 'customer asked for a person', topic: 'shop' }),
      ],
      on: { 'agent.handback': { target: 'askingAnythingElse' } },
    },
    done: { type: 'final' },
  },
});

export const openingHoursFlow = defineFlow({
  name: 'opening-hours',
  description: 'Tells the opening hours, hands off on request (the docs/flows.md example).',
  machine,
  samples: { texts: ['hi', 'opening hours', 'a person please', 'yes', 'no', 'banana'], timers: ['nudge'] },
});
