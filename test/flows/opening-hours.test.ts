import { afterEach, expect, it } from 'vitest';
import { openingHoursFlow } from '../../flows/examples/opening-hours.js';
import { chatWith, type FlowChat, testEveryPath } from '../../flows/kit/testing.js';

let chat: FlowChat | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

it('a customer who asks for a person is handed off with the expected wait', async () => {
  chat = await chatWith(openingHoursFlow);
  await chat.say('hi');
  await chat.press('Talk to a person');
  await chat.expectHandoff({ topic: 'shop' });
  await chat.expectReply(/about 4 minutes/);
});

it('a customer whose chat connects is greeted when they write, not before', async () => {
  chat = await chatWith(openingHoursFlow);
  await chat.connect();
  await chat.expectSilence();
  await chat.say('hi');
  await chat.expectReply(/what can I do for you/i);
  await chat.press('Opening hours');
  await chat.expectReply(/open Mon-Sat/);
});

it('a person takes over and hands back; the bot asks whether there is anything else', async () => {
  chat = await chatWith(openingHoursFlow);
  await chat.say('hi');
  await chat.press('Talk to a person');
  await chat.personTakesOver();
  await chat.handBack();
  await chat.expectReply(/anything else/i);
  await chat.press('No');
  await chat.expectResolved();
});

it('every path ends in a reply, a handoff or a resolution', () => {
  expect(testEveryPath(openingHoursFlow).paths).toBeGreaterThan(3);
});
