import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { defineFlow, flowTypes, said } from '../../flows/kit/define.js';
import { reply } from '../../flows/kit/effects.js';
import { chatWith, type FlowChat, testEveryPath } from '../../flows/kit/testing.js';
import { openingHoursFlow } from './docs/first-flow.js';

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');

/** The first TypeScript block after `heading` in docs/flows.md. */
function snippet(heading: string): string {
  const docs = read('../../docs/flows.md');
  const at = docs.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`docs/flows.md has no heading "${heading}".`);
  const start = docs.indexOf('```ts\n', at) + '```ts\n'.length;
  return docs.slice(start, docs.indexOf('\n```', start) + 1);
}

let chat: FlowChat | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

describe('docs/flows.md runs as shown', () => {
  it('the flow of "Write the machine" is test/flows/docs/first-flow.ts, import paths aside', () => {
    const fixture = read('./docs/first-flow.ts');
    const code = fixture.slice(fixture.indexOf('\nimport ') + 1);
    expect(snippet('## 2. Write the machine').replaceAll("'../kit/", "'../../../flows/kit/")).toBe(code);
  });

  it('the test of "Test it" is test/flows/opening-hours.test.ts', () => {
    expect(snippet('## 6. Test it')).toBe(read('./opening-hours.test.ts'));
  });
});

describe('the docs’ example flow, when the customer’s chat connects', () => {
  it('a connect says nothing; "hi" is greeted, and the next message is the first answer', async () => {
    chat = await chatWith(openingHoursFlow);
    expect(await chat.connect()).toEqual([]);
    await chat.say('hi');
    await chat.expectReply(/what can I do for you/i);
    await chat.say('when are you open?');
    await chat.expectReply(/open Mon-Sat/);
  });

  it('a chat reconnecting in the middle of a conversation changes nothing', async () => {
    chat = await chatWith(openingHoursFlow);
    await chat.say('hi');
    await chat.expectReply(/what can I do for you/i);
    const before = (await chat.conversation()).flowState;
    expect(await chat.connect()).toEqual([]);
    expect((await chat.conversation()).flowState).toBe(before);
    await chat.press('Talk to a person');
    await chat.expectHandoff({ topic: 'shop' });
  });

  it('without the connected guard, a flow taking customer.* greets on connect and reads "hi" as an answer', async () => {
    const careless = defineFlow({
      name: 'careless',
      description: 'takes every customer event as words',
      machine: setup({ types: flowTypes<Record<string, never>>() }).createMachine({
        context: {},
        initial: 'greeting',
        states: {
          greeting: { on: { 'customer.*': { target: 'choosing', actions: reply('Hi! What can I do for you?') } } },
          choosing: {
            on: { 'customer.*': { actions: reply(({ event }) => `Sorry, I do not know "${said(event)}".`) } },
          },
        },
      }),
    });
    chat = await chatWith(careless);
    await chat.connect();
    await chat.expectReply(/what can I do for you/i);
    await chat.say('hi');
    await chat.expectReply('Sorry, I do not know "hi".');
  });

  it('a person takes over and hands back: the bot is back with the menu', async () => {
    chat = await chatWith(openingHoursFlow);
    await chat.say('hi');
    await chat.press('Talk to a person');
    await chat.personTakesOver();
    const [back] = await chat.handBack();
    expect(back?.text).toBe('I am back. Anything else?');
    expect(back?.quickReplies.map((q) => q.label)).toEqual(['Opening hours', 'Talk to a person']);
  });

  it('every path ends in a reply, a handoff or a resolution', () => {
    expect(testEveryPath(openingHoursFlow).paths).toBeGreaterThan(3);
  });
});
