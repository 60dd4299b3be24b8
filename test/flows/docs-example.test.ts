/**
 * docs/flows.md runs as shown: the files it shows are the ones `caredesk init`
 * writes, and its example flow, loaded from a project as caredesk loads one,
 * behaves as the page says. (test/e2e/flow-package.test.ts runs every file
 * the page shows in a project with caredesk installed from its package.)
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectConfig, sampleFlow, sampleTest } from '../../cli/project/templates.js';
import type { Flow } from '../../flows/kit/define.js';
import { defineFlow, flowTypes, reply, said, setup } from '../../flows/kit/index.js';
import { chatWith, type FlowChat, testEveryPath } from '../../flows/kit/testing.js';
import { loadFlowFile } from '../../flows/project/index.js';
import { docFiles } from '../helpers/doc-snippets.js';
import { KIT, makeProject } from '../helpers/flow-project.js';

const shown = docFiles('docs/flows.md');

describe('docs/flows.md shows what caredesk init writes', () => {
  it('the config, the flow and its test, character for character', () => {
    expect(Object.keys(shown)).toEqual(
      expect.arrayContaining(['caredesk.config.json', 'flows/opening-hours.ts', 'flows/opening-hours.test.ts']),
    );
    expect(shown['caredesk.config.json']).toBe(projectConfig('opening-hours'));
    expect(shown['flows/opening-hours.ts']).toBe(sampleFlow('opening-hours'));
    expect(shown['flows/opening-hours.test.ts']).toBe(sampleTest('opening-hours'));
  });
});

let openingHoursFlow: Flow;
let dir: string | undefined;
beforeAll(async () => {
  // The page's flow file, in a project, importing this checkout's kit instead of the installed package.
  const source = shown['flows/opening-hours.ts']!.replace("from 'caredesk/flows'", `from ${JSON.stringify(KIT)}`);
  dir = makeProject({ 'flows/opening-hours.ts': source }, { files: { 'opening-hours': 'flows/opening-hours.ts' } });
  openingHoursFlow = await loadFlowFile('opening-hours', join(dir, 'flows', 'opening-hours.ts'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let chat: FlowChat | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
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
