/**
 * The flow docs/flows.md section 2 shows, as it shows it (test/flows/docs-example.test.ts
 * checks that the two read the same, import paths aside): the docs' example runs.
 */
import { setup } from 'xstate';
import { connected, defineFlow, flowTypes, said } from '../../../flows/kit/define.js';
import { handoff, quickReplies, reply } from '../../../flows/kit/effects.js';

const MENU = quickReplies('Opening hours', 'Talk to a person');

const machine = setup({
  types: flowTypes<Record<string, never>>(),
  guards: {
    connected,
    wantsHours: ({ event }) => /hour|open/i.test(said(event)),
    wantsPerson: ({ event }) => /person|human/i.test(said(event)),
  },
}).createMachine({
  id: 'opening-hours',
  context: {},
  initial: 'greeting',
  states: {
    greeting: {
      on: {
        'customer.*': [
          // The customer's chat connecting (`conversation.start`) is not their first words: wait for them.
          { guard: 'connected' },
          { target: 'choosing', actions: reply('Hi! What can I do for you?', MENU) },
        ],
      },
    },
    choosing: {
      on: {
        'customer.*': [
          { guard: 'connected' },
          { guard: 'wantsHours', actions: reply('We are open Mon-Sat, 9:00-19:00.', MENU) },
          { guard: 'wantsPerson', target: 'handedOff' },
          { actions: reply('Sorry, I can tell you our opening hours or find you a person.', MENU) },
        ],
      },
    },
    handedOff: {
      entry: [
        reply(({ event }) => `A person will be with you in about ${event.env.wait.minutes} minutes.`),
        handoff({ reason: 'customer asked for a person', topic: 'shop' }),
      ],
      on: { 'agent.handback': { target: 'choosing', actions: reply('I am back. Anything else?', MENU) } },
    },
  },
});

export const openingHoursFlow = defineFlow({
  name: 'opening-hours',
  description: 'Tells the opening hours, hands off on request.',
  machine,
  // Sample inputs: the every-path test tries each of them in every state.
  samples: { texts: ['hi', 'opening hours', 'a person please', 'banana'], actions: ['conversation.start'] },
});
