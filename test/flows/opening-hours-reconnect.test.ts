import { afterEach, expect, it } from 'vitest';
import { openingHoursFlow } from '../../flows/examples/opening-hours.js';
import { chatWith, type FlowChat } from '../../flows/kit/testing.js';

let chat: FlowChat | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

it('a customer whose client reconnects mid-chat is not told off: the bot waits for what they write', async () => {
  chat = await chatWith(openingHoursFlow);
  await chat.say('hi');
  // Choosing: a reconnect is not an unclear answer.
  expect(await chat.connect()).toEqual([]);
  await chat.press('Opening hours');
  await chat.expectReply(/open Mon-Sat/);
  // Asked "Anything else?": a reconnect is not an answer either.
  expect(await chat.connect()).toEqual([]);
  await chat.press('No');
  await chat.expectReply(/bye/i);
});
