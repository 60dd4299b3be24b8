import { afterEach, describe, expect, it } from 'vitest';
import { careFlow } from '../../../flows/care/flow.js';
import { chatWith, type FlowChat } from '../../../flows/kit/testing.js';

let chat: FlowChat | undefined;
afterEach(async () => {
  await chat?.close();
  chat = undefined;
});

const labels = (reply: { quickReplies: readonly { label: string }[] }) => reply.quickReplies.map((q) => q.label);
const handedOff = (c: FlowChat) => c.events.some((e) => e.type === 'handoff.requested');

describe('care flow, greetings and small talk', () => {
  it.each([
    ['hi', 'en', /virtual assistant/i, 'Bills and payments'],
    ['hello there', undefined, /virtual assistant/i, 'Bills and payments'],
    ['good morning', 'en', /virtual assistant/i, 'Bills and payments'],
    ['Good evening!', undefined, /virtual assistant/i, 'Bills and payments'],
    ['ciao', undefined, /assistente virtuale/i, 'Bollette e pagamenti'],
    ['buongiorno', undefined, /assistente virtuale/i, 'Bollette e pagamenti'],
  ])(
    '"%s" (locale %s) gets a greeting and topic buttons, never a handoff nor an article',
    async (text, language, greeting, topic) => {
      chat = await chatWith(careFlow, language ? { language } : {});
      const [reply, ...more] = await chat.say(text);
      expect(reply?.text).toMatch(greeting);
      expect(labels(reply!)).toContain(topic);
      expect(more).toEqual([]);
      expect(handedOff(chat)).toBe(false);
      expect((await chat.conversation()).mode).toBe('bot');
    },
  );

  it('a greeting followed by a question in the next message gets the question answered', async () => {
    chat = await chatWith(careFlow);
    await chat.say('hi');
    await chat.expectReply(/virtual assistant/i);
    await chat.say('How do I pay my bill?');
    await chat.expectReply(/how to pay your bill[\s\S]*did this solve your problem/i);
  });

  it('a greeting with a question in the same message is the question', async () => {
    chat = await chatWith(careFlow);
    await chat.say('Hello, my internet is really slow today');
    await chat.expectReply(/slow internet or no connection/i);
  });

  it('"buongiorno, ho un problema con la fattura" asks which billing matter, in Italian, with the articles as buttons', async () => {
    chat = await chatWith(careFlow);
    await chat.say('buongiorno, ho un problema con la fattura');
    const ask = await chat.expectReply(/si tratta di uno di questi/i);
    expect(labels(ask)).toEqual(expect.arrayContaining(['Scaricare le fatture', 'Parla con una persona']));
    await chat.press('Scaricare le fatture');
    await chat.expectReply(/fatture degli ultimi 24 mesi/i);
  });

  it.each([
    ['thanks', /you are welcome/i],
    ['bye', /goodbye/i],
    ['are you a bot?', /virtual assistant/i],
    ['who are you?', /virtual assistant/i],
    ['grazie mille', /prego/i],
    ['chi sei?', /assistente virtuale/i],
  ])('"%s" gets a fitting answer', async (text, answer) => {
    chat = await chatWith(careFlow);
    await chat.say(text);
    await chat.expectReply(answer);
    expect(handedOff(chat)).toBe(false);
  });
});

describe('care flow, confidence before answering', () => {
  it('a vague complaint gets a clarifying question with topics; a topic, then an article, gets the answer', async () => {
    chat = await chatWith(careFlow);
    await chat.say("it doesn't work");
    const ask = await chat.expectReply(/what is it about/i);
    expect(labels(ask)).toContain('Internet and signal');
    await chat.press('Internet and signal');
    const which = await chat.expectReply(/is it about one of these/i);
    expect(labels(which)).toContain('Slow internet or no connection');
    await chat.press('Slow internet or no connection');
    await chat.expectReply(/restart your router/i);
    await chat.press('Yes');
    await chat.expectResolved();
  });

  it('a message that names a subject several articles share gets the likeliest two or three as buttons', async () => {
    chat = await chatWith(careFlow);
    await chat.say('problem with my bill');
    const ask = await chat.expectReply(/is it about one of these/i);
    const articles = labels(ask).filter((l) => l !== 'Talk to a person');
    expect(articles.length).toBeGreaterThanOrEqual(2);
    expect(articles.length).toBeLessThanOrEqual(3);
    expect(handedOff(chat)).toBe(false);
  });

  it('a message not understood gets "say it another way" once, then a person', async () => {
    chat = await chatWith(careFlow);
    await chat.say('qwxz zzkj');
    await chat.expectReply(/did not understand, can you say it another way/i);
    expect(handedOff(chat)).toBe(false);
    await chat.say('blorp fnarg');
    await chat.expectHandoff({ reason: /did not understand/ });
  });

  it('after "say it another way", a clearer question is answered', async () => {
    chat = await chatWith(careFlow);
    await chat.say('qwxz zzkj');
    await chat.expectReply(/say it another way/i);
    await chat.say('I forgot my PUK code');
    await chat.expectReply(/PIN and PUK/);
  });

  it('a customer who asks for a person while being asked to clarify is handed off at once', async () => {
    chat = await chatWith(careFlow);
    await chat.say('I have a problem');
    await chat.expectReply(/what is it about/i);
    await chat.press('Talk to a person');
    await chat.expectHandoff({ reason: /asked for a person/ });
  });

  it('picking topics is no miss, but clarifying questions that lead nowhere end with a person', async () => {
    chat = await chatWith(careFlow);
    await chat.say('hi');
    await chat.press('Bills and payments');
    await chat.expectReply(/is it about one of these/i);
    await chat.say('problem with my bill');
    await chat.say('my bill again');
    expect(handedOff(chat)).toBe(false);
    await chat.say('the bill');
    await chat.expectHandoff({ reason: /could not tell what the customer needs/ });
  });

  it('"operator" inside a question about switching is not a request for a person', async () => {
    chat = await chatWith(careFlow);
    await chat.say("I'd like to move to you from another operator and keep my number");
    await chat.expectReply(/bring your number to telco nova/i);
    expect(handedOff(chat)).toBe(false);
  });

  it.each(['the shop assistant was rude', 'do you sell the new Pixel?', 'vendete l’iPhone 16?'])(
    'an out-of-scope message ("%s") gets no article',
    async (text) => {
      chat = await chatWith(careFlow);
      await chat.say(text);
      expect((await chat.conversation()).flowState).not.toMatch(/confirmingResolution/);
    },
  );
});

describe('care flow, emotion and risk', () => {
  it.each([
    ['This is the third time I write about this, nobody fixes it!', 'repeat-contact', 'high'],
    ['Your service is a disgrace, I am furious', 'angry', 'high'],
    ['I will take legal action if you do not refund me', 'legal-threat', 'urgent'],
    ['if this is not fixed today I will cancel and go to another provider', 'churn-risk', 'high'],
    ['è la terza volta che scrivo, vergogna!', 'repeat-contact', 'high'],
    ['mi rivolgerò a un avvocato', 'legal-threat', 'urgent'],
  ])('"%s" goes to a person tagged %s with priority %s, not to troubleshooting', async (text, tag, priority) => {
    chat = await chatWith(careFlow);
    await chat.say(text);
    const c = await chat.expectHandoff();
    expect(c.tags).toContain(tag);
    expect(c.priority).toBe(priority);
    expect(String(c.flowState)).not.toMatch(/confirmingResolution/);
  });

  it('an angry customer after an answer that did not help is handed over with a priority too', async () => {
    chat = await chatWith(careFlow);
    await chat.say('my internet is very slow');
    await chat.expectReply(/did this solve your problem/i);
    await chat.say('I have called 5 times already, this is ridiculous');
    const c = await chat.expectHandoff();
    expect(c.priority).toBe('high');
  });
});

describe('care flow, the language of a customer without a locale', () => {
  it('Italian text is answered in Italian, and the language is kept for the conversation', async () => {
    chat = await chatWith(careFlow);
    await chat.say('ciao');
    await chat.expectReply(/come posso aiutarti/i);
    await chat.say('internet lentissimo');
    const answer = await chat.expectReply(/internet lento o assente/i);
    expect(labels(answer)).toEqual(['Sì', 'No']);
  });

  it('an English question without a locale is answered in English', async () => {
    chat = await chatWith(careFlow);
    await chat.say('need to add credit to my pay as you go phone');
    await chat.expectReply(/top up a prepaid line/i);
  });

  it('a handoff after a greeting speaks the customer’s language', async () => {
    chat = await chatWith(careFlow);
    await chat.say('buongiorno');
    await chat.say('voglio parlare con un operatore');
    await chat.expectHandoff({ language: 'it' });
    await chat.expectReply(/ti passo a una persona/i);
  });
});
