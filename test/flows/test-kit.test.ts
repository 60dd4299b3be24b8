import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineFlow, flowTypes, reply, said, setup, startTimer, timerIs } from '../../flows/kit/index.js';
import { chatWith, type FlowChat } from '../../flows/kit/testing.js';
import { flowSource, makeProject } from '../helpers/flow-project.js';

/** Version 1 asks a name and reminds after a minute; version 2 renamed the state `askingName`. */
function namesFlow(version: 1 | 2, options: { migrate: boolean } = { migrate: true }) {
  const asking = version === 1 ? 'askingName' : 'waitingForName';
  const machine = setup({
    types: flowTypes<{ name?: string }>(),
    guards: { remindDue: timerIs('remind') },
  }).createMachine({
    id: 'names',
    context: {},
    initial: 'greeting',
    states: {
      greeting: {
        on: { 'customer.message': { target: asking, actions: reply(`v${version}: What is your name?`) } },
      },
      [asking]: {
        entry: startTimer('remind', 60_000),
        on: {
          'customer.message': { target: 'done', actions: reply(({ event }) => `v${version}: Hello ${said(event)}!`) },
          'timer.fired': { guard: 'remindDue', actions: reply(`v${version}: Still there? What is your name?`) },
        },
      },
      done: { on: { 'customer.message': { actions: reply(`v${version}: Bye.`) } } },
    },
  });
  return defineFlow({
    name: 'names',
    description: 'asks a name',
    machine,
    // Version 2 renamed askingName: conversations stored by version 1 go on in the renamed state.
    ...(version === 2 && options.migrate
      ? { migrate: (s) => (s.value === 'askingName' ? { ...s, value: 'waitingForName' } : s) }
      : {}),
  });
}

let chat: FlowChat | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

describe('the test kit restarts caredesk in the middle of a conversation', () => {
  it('the conversation goes on where it was, and a timer set before the restart still fires', async () => {
    chat = await chatWith(namesFlow(1));
    await chat.say('hi');
    await chat.expectReply('v1: What is your name?');
    await chat.restart();
    expect(await chat.advance(61_000)).toEqual([{ text: 'v1: Still there? What is your name?', quickReplies: [] }]);
    await chat.say('Ada');
    await chat.expectReply('v1: Hello Ada!');
  });

  it('into a new version of the flow whose migrate carries a renamed state over', async () => {
    chat = await chatWith(namesFlow(1));
    await chat.say('hi');
    await chat.restart({ flow: namesFlow(2) });
    await chat.say('Ada');
    await chat.expectReply('v2: Hello Ada!');
  });

  it('a new version without the migration cannot restore the conversation: a person gets it', async () => {
    chat = await chatWith(namesFlow(1));
    await chat.say('hi');
    await chat.restart({ flow: namesFlow(2, { migrate: false }) });
    await chat.say('Ada');
    await chat.expectReply(/something went wrong on our side/);
    await chat.expectHandoff({ reason: /flow failed: .*askingName/ });
  });
});

describe('the test kit finds a flow by name', () => {
  let dir: string | undefined;
  afterEach(() => {
    delete process.env.CAREDESK_CONFIG;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("a project's flow (caredesk.config.json), or a shipped one", async () => {
    dir = makeProject(
      {
        'flows/greeter.ts': flowSource(
          'greeter',
          'greeting',
          `{ greeting: { on: { 'customer.message': { actions: reply('Hello from the project') } } } }`,
        ),
      },
      { files: { greeter: 'flows/greeter.ts' } },
    );
    process.env.CAREDESK_CONFIG = join(dir, 'caredesk.config.json');
    chat = await chatWith('greeter');
    await chat.say('hi');
    await chat.expectReply('Hello from the project');
    await chat.close();
    chat = await chatWith('care');
    await chat.say('hello');
    await chat.expectReply(/hello|hi/i);
  });
});
