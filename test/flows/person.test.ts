import { afterEach, describe, expect, it } from 'vitest';
import { careFlow } from '../../flows/care/flow.js';
import { chatWith, type FlowChat } from '../../flows/kit/testing.js';

let chat: FlowChat | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

describe('the test kit plays a person, through the human side', () => {
  it('a person takes a handed-off customer from the queue, resolves the case, and the care survey runs', async () => {
    chat = await chatWith(careFlow);
    await chat.say('I want to talk to a human');
    await chat.expectHandoff({ reason: /asked for a person/ });
    const taken = await chat.personTakesOver();
    expect(taken).toMatchObject({ mode: 'agent' });
    expect(taken.assignee).toMatch(/^agt_/);
    const replies = await chat.resolveAsPerson();
    await chat.expectResolved();
    expect(replies.map((r) => r.text)).toEqual([expect.stringMatching(/how satisfied/i)]);
    const csat = await chat.expectReply(/how satisfied/i);
    expect(csat.quickReplies.map((q) => q.label)).toEqual(['1', '2', '3', '4', '5']);
    await chat.press('4');
    await chat.expectReply(/how easy/i);
    await chat.say('5');
    await chat.expectReply(/thank you for your feedback/i);
    expect(chat.surveyAnswers()).toEqual({ csat: 4, effort: 5 });
    expect(await chat.conversation()).toMatchObject({ mode: 'resolved', flowState: 'closed' });
  });

  it('the conversation a person resolves is recorded as theirs: the resolution event names the person', async () => {
    chat = await chatWith(careFlow);
    await chat.say('operator please');
    const { assignee } = await chat.personTakesOver();
    await chat.resolveAsPerson();
    const resolved = chat.events.find((e) => e.type === 'conversation.resolved');
    expect(resolved?.data).toMatchObject({ from: 'agent', assignee, humanHandled: true });
  });

  it('a person hands the customer back and the bot answers the next question', async () => {
    chat = await chatWith(careFlow);
    await chat.say('human please');
    await chat.personTakesOver();
    const replies = await chat.handBack();
    expect((await chat.conversation()).mode).toBe('bot');
    expect(replies.map((r) => r.text)).toEqual([expect.stringMatching(/anything else/i)]);
    await chat.say('how do I change my plan');
    await chat.expectReply(/change plan/i);
  });

  it('while a person has the conversation the bot stays quiet; a person who took over from the bot can resolve it', async () => {
    chat = await chatWith(careFlow);
    await chat.say('How do I pay my bill?');
    await chat.expectReply(/did this solve your problem/i);
    expect((await chat.personTakesOver()).mode).toBe('agent');
    expect(await chat.say('are you still there?')).toEqual([]);
    await chat.expectSilence();
    await chat.resolveAsPerson();
    await chat.expectReply(/how satisfied/i);
    await chat.say('5');
    expect(chat.surveyAnswers()).toEqual({ csat: 5 });
  });

  it('the test kit’s own example (flows/kit/testing.ts) plays as written', async () => {
    chat = await chatWith(careFlow);
    await chat.connect();
    await chat.say('How do I pay my bill?');
    await chat.expectReply(/pay your bill/i);
    await chat.advance(10 * 60_000);
    await chat.expectReply(/still there/i);
    await chat.say('I want to talk to a human');
    await chat.expectHandoff({ reason: /asked for a person/ });
    await chat.personTakesOver();
    await chat.resolveAsPerson();
    await chat.expectReply(/how satisfied/i);
    await chat.restart();
    // After the restart the survey goes on where it was: the rating is taken, the next question asked.
    await chat.say('5');
    expect(chat.surveyAnswers()).toEqual({ csat: 5 });
    await chat.expectReply(/how easy/i);
  });

  it('the person is asked to act only once the customer is there', async () => {
    chat = await chatWith(careFlow);
    await expect(chat.personTakesOver()).rejects.toThrow(/call say\(\) or connect\(\) first/);
  });
});
