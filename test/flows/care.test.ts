import { afterEach, describe, expect, it } from 'vitest';
import { careServices } from '../../flows/care/care-services.js';
import { careFlow, createCareFlow } from '../../flows/care/flow.js';
import type { CareServices } from '../../flows/care/services.js';
import { chatWith, type FlowChat } from '../../flows/kit/testing.js';

let chat: FlowChat | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

describe('care flow, in English', () => {
  it('acknowledges at once, answers from the knowledge base, resolves on yes and asks CSAT and effort', async () => {
    chat = await chatWith(careFlow);
    const replies = await chat.say('How do I pay my bill?');
    expect(replies[0]?.text).toMatch(/thanks for your message/i);
    await chat.expectReply(/pay your bill/i);
    await chat.press('Yes');
    await chat.expectResolved();
    await chat.expectReply(/glad it is solved/i);
    const csat = await chat.expectReply(/how satisfied/i);
    expect(csat.quickReplies.map((q) => q.label)).toEqual(['1', '2', '3', '4', '5']);
    await chat.say('5');
    await chat.expectReply(/how easy/i);
    await chat.say('4');
    await chat.expectReply(/thank you for your feedback/i);
    expect(chat.surveyAnswers()).toEqual({ csat: 5, effort: 4 });
    expect((await chat.conversation()).mode).toBe('resolved');
  });

  it('a customer who says no gets the next best article, and a second no hands off with topic and language', async () => {
    chat = await chatWith(careFlow);
    await chat.say('My bill is higher than usual, why?');
    const first = await chat.expectReply(/bill/i);
    await chat.press('No');
    const second = await chat.expectReply(/maybe this helps/i);
    expect(second.text).not.toEqual(first.text);
    await chat.say('no');
    const c = await chat.expectHandoff({ reason: /two answers/, topic: 'billing', language: 'en' });
    expect(c.mode).toBe('queued');
    await chat.expectReply(/about 4 min/);
  });

  it('a customer who asks for a human is queued at once and told the expected wait', async () => {
    chat = await chatWith(careFlow, { wait: { minutes: 12, queueLength: 3, open: true } });
    await chat.say('I want to talk to a human');
    await chat.expectHandoff({ reason: /asked for a person/ });
    await chat.expectReply(/about 12 min \(3 ahead/);
  });

  it('the first in line is told so, not "0 ahead of you", in their language', async () => {
    chat = await chatWith(careFlow, { wait: { minutes: 2, queueLength: 0, open: true } });
    await chat.say('I want to talk to a human');
    expect((await chat.expectReply(/about 2 min/)).text).toContain('(you are next)');
    await chat.close();
    chat = await chatWith(careFlow, { wait: { minutes: 2, queueLength: 0, open: true } });
    await chat.say('voglio parlare con un operatore');
    expect((await chat.expectReply(/circa 2 min/)).text).toContain('(sei il prossimo)');
  });

  it('outside business hours the handoff says when the team is back', async () => {
    chat = await chatWith(careFlow, {
      wait: { minutes: 3, queueLength: 0, open: false, reopensAt: '2026-01-06T08:00:00.000Z' },
    });
    await chat.say('agent please');
    await chat.expectReply(/closed now and back on 2026-01-06 08:00 UTC/);
  });

  it('a customer who writes during a handoff gets no bot reply, and the message is stored', async () => {
    chat = await chatWith(careFlow);
    await chat.say('operator');
    await chat.expectHandoff();
    await chat.expectReply(/passing you to a person/);
    const replies = await chat.say('hello? anyone there?');
    expect(replies).toEqual([]);
    await chat.expectSilence();
    const messages = await chat.desk.store.listMessages((await chat.conversation()).id);
    // The human side may tell the customer their place in line; the message itself is stored either way.
    expect(messages.filter((m) => m.direction === 'inbound').at(-1)?.text).toBe('hello? anyone there?');
  });

  it('when an agent hands back, the bot takes over again', async () => {
    chat = await chatWith(careFlow);
    await chat.say('human please');
    await chat.engine.handBack((await chat.conversation()).id, 'agt_1');
    expect((await chat.conversation()).mode).toBe('bot');
    await chat.expectReply(/anything else/i);
    await chat.say('how do I change my plan');
    await chat.expectReply(/change plan/i);
  });

  it('after a handback, a question in another language is answered in that language', async () => {
    chat = await chatWith(careFlow);
    await chat.say('human please');
    await chat.engine.handBack((await chat.conversation()).id, 'agt_1');
    await chat.expectReply(/anything else/i);
    await chat.say('Come pago la bolletta?');
    const answer = await chat.expectReply(/come pagare la bolletta/i);
    expect(answer.text).toMatch(/risolto il problema/i);
    expect(answer.quickReplies.map((q) => q.label)).toEqual(['Sì', 'No']);
  });

  it('a customer writing in a language no article covers is handed off with that language', async () => {
    chat = await chatWith(careFlow);
    await chat.say('Guten Tag, meine Rechnung ist viel zu hoch und ich verstehe nicht warum');
    await chat.expectHandoff({ reason: 'language not covered', language: 'de' });
  });
});

describe('care flow, in Italian', () => {
  it('answers in Italian, resolves on "Sì" and stores the survey answers', async () => {
    chat = await chatWith(careFlow);
    const replies = await chat.say('Come pago la bolletta?');
    expect(replies[0]?.text).toMatch(/grazie per il messaggio/i);
    await chat.expectReply(/come pagare la bolletta/i);
    await chat.press('Sì');
    await chat.expectResolved();
    await chat.expectReply(/quanto sei soddisfatto/i);
    await chat.say('3');
    await chat.expectReply(/quanto è stato facile/i);
    await chat.say('2');
    await chat.expectReply(/grazie per il tuo parere/i);
    expect(chat.surveyAnswers()).toEqual({ csat: 3, effort: 2 });
  });

  it('"voglio parlare con un operatore" hands off at once, in Italian', async () => {
    chat = await chatWith(careFlow);
    await chat.say('voglio parlare con un operatore');
    await chat.expectHandoff({ language: 'it' });
    await chat.expectReply(/ti passo a una persona/i);
  });

  it('a customer may answer the quick replies by typing their number', async () => {
    chat = await chatWith(careFlow);
    await chat.say('internet lento, non funziona');
    await chat.expectReply(/router/i);
    await chat.say('1');
    await chat.expectResolved();
  });
});

describe('care flow, reading the customer’s own words', () => {
  it.each(['yes please', 'yep', 'Yes, it worked, thanks', 'ok'])(
    'a customer who types "%s" after an English answer is taken as yes',
    async (answer) => {
      chat = await chatWith(careFlow);
      await chat.say('How do I pay my bill?');
      await chat.expectReply(/did this solve your problem/i);
      await chat.say(answer);
      await chat.expectResolved();
      await chat.expectReply(/glad it is solved/i);
    },
  );

  it.each(['sì', 'si', 'Sì, grazie', 'SI!', 'certo', 'sì sì, grazie mille'])(
    'a customer who types "%s" after an Italian answer is taken as yes',
    async (answer) => {
      chat = await chatWith(careFlow, { language: 'it-IT' });
      await chat.say('Come pago la bolletta?');
      await chat.expectReply(/ha risolto il problema/i);
      await chat.say(answer);
      await chat.expectResolved();
      await chat.expectReply(/felice che sia risolto/i);
    },
  );

  it.each([
    ['How do I pay my bill?', 'not really', /maybe this helps/i],
    ['How do I pay my bill?', 'nope', /maybe this helps/i],
    ['Come pago la bolletta?', 'no, non ancora', /forse questo aiuta/i],
    ['Come pago la bolletta?', 'No grazie', /forse questo aiuta/i],
  ])('after "%s", typing "%s" brings the next best article', async (question, answer, next) => {
    chat = await chatWith(careFlow);
    await chat.say(question);
    await chat.expectReply(/\?$/);
    await chat.say(answer);
    await chat.expectReply(next);
    expect((await chat.conversation()).resolvedAt).toBeUndefined();
  });

  it('a "yes" followed by a complaint is not taken as yes', async () => {
    chat = await chatWith(careFlow);
    await chat.say('How do I pay my bill?');
    await chat.say('yes but it still does not let me pay by card');
    expect((await chat.conversation()).resolvedAt).toBeUndefined();
  });
});

describe('care flow, the customer’s language', () => {
  it('"come scarico le fatture in pdf?" from an Italian locale is answered in Italian, not handed off', async () => {
    chat = await chatWith(careFlow, { language: 'it-IT' });
    const replies = await chat.say('come scarico le fatture in pdf?');
    expect(replies[0]?.text).toMatch(/grazie per il messaggio/i);
    const c = await chat.conversation();
    expect(c.handoffReason).not.toBe('language not covered');
    expect(c.mode).toBe('bot');
  });

  it('"come scarico le fatture in pdf?" is read as Italian even without a locale', async () => {
    chat = await chatWith(careFlow);
    const replies = await chat.say('come scarico le fatture in pdf?');
    expect(replies[0]?.text).toMatch(/grazie per il messaggio/i);
  });

  it('a question about roaming in Spain from an Italian locale gets the roaming article in Italian', async () => {
    chat = await chatWith(careFlow, { language: 'it-IT' });
    await chat.say('vado in Spagna la settimana prossima, come funziona il roaming?');
    await chat.expectReply(/roaming[\s\S]*ha risolto il problema/i);
  });

  it('a customer whose locale is covered is never handed off as "language not covered"', async () => {
    chat = await chatWith(careFlow, { language: 'it' });
    await chat.say('Guten Tag, meine Rechnung ist viel zu hoch und ich verstehe nicht warum');
    const handoff = chat.events.find((e) => e.type === 'handoff.requested');
    expect(handoff?.data.reason).not.toBe('language not covered');
  });

  it('an English customer on an English locale writing a short question is answered in English', async () => {
    chat = await chatWith(careFlow, { language: 'en-GB' });
    const replies = await chat.say('How do I pay my bill?');
    expect(replies[0]?.text).toMatch(/thanks for your message/i);
    await chat.expectReply(/pay your bill/i);
  });
});

describe('care flow, a Bot Framework client joining', () => {
  let joins = 0;
  const join = async () => {
    const c = await chat!.conversation();
    await chat!.desk.receive({
      channel: 'devchat',
      externalUserId: 'tester',
      channelMessageId: `join-${++joins}`,
      kind: 'action',
      text: '',
      actionValue: 'conversation.start',
    });
    await chat!.desk.idle();
    return c;
  };

  it('a client reconnecting while the bot waits for "did it help?" changes nothing', async () => {
    chat = await chatWith(careFlow);
    await chat.say('How do I pay my bill?');
    await chat.expectReply(/did this solve your problem/i);
    const before = await join();
    await chat.expectSilence();
    expect(await chat.conversation()).toMatchObject({ flowState: before.flowState, mode: 'bot' });
    await chat.press('Yes');
    await chat.expectResolved();
  });

  it('a client reconnecting during the survey changes nothing; the rating still counts', async () => {
    chat = await chatWith(careFlow, { language: 'it-IT' });
    await chat.say('Come pago la bolletta?');
    await chat.press('Sì');
    await chat.expectReply(/quanto sei soddisfatto/i);
    await join();
    await chat.expectSilence();
    await chat.say('4');
    await chat.expectReply(/quanto è stato facile/i);
    expect(chat.surveyAnswers()).toEqual({ csat: 4 });
  });
});

describe('care flow, its services', () => {
  it('a question is understood and its language detected once, however many guards and actions ask', async () => {
    const services = careServices();
    const calls = { understand: 0, search: 0, detect: 0 };
    const counted: CareServices = {
      ...services,
      understand: (...args) => {
        calls.understand += 1;
        return services.understand(...args);
      },
      search: (...args) => {
        calls.search += 1;
        return services.search(...args);
      },
      detectLanguage: (text) => {
        calls.detect += 1;
        return services.detectLanguage(text);
      },
    };
    chat = await chatWith(createCareFlow(counted));
    await chat.say('How do I pay my bill?');
    await chat.expectReply(/pay your bill/i);
    expect(calls).toEqual({ understand: 1, search: 0, detect: 1 });
    // "No": the same question again, leaving out the article tried: one search.
    await chat.press('No');
    await chat.expectReply(/maybe this helps/i);
    expect(calls.search).toBe(1);
  });
});
