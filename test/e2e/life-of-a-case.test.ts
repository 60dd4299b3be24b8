/**
 * The life of a case through the real server: a customer on Telegram (the
 * emulator), the care flow, the queue, and agents working through the admin
 * API over HTTP, watched on the live event stream as the TUI would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../server/index.js';
import type { Emulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { SseClient } from '../server/admin/helpers.js';
import { type TelegramDesk, telegramDesk } from './helpers/telegram-desk.js';

const token = '6161:LIFE-OF-A-CASE';
let emulator: Emulator;
let server: ServerHandle;
let desk: TelegramDesk | undefined;
let ann: string;
let sue: string;

beforeAll(async () => {
  desk = await telegramDesk(token);
  ({ emulator, server } = desk);
  // The team, as `caredesk agents add` makes it: each token is shown once.
  ann = (await server.human.createAgent({ name: 'Ann', skills: ['billing'], languages: ['en'] })).token;
  sue = (await server.human.createAgent({ name: 'Sue', role: 'supervisor' })).token;
});
afterAll(async () => {
  await desk?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read loosely here
async function api(agentToken: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}/admin/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${agentToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return json;
}

function telegramCustomer(userId: number, firstName: string) {
  const client = emulator.server.getClient(token, { userId, chatId: userId, firstName });
  const inbox = () =>
    emulator
      .botMessages()
      .filter((m) => String(m.message.chat_id) === String(userId))
      .map((m) => m.message.text);
  return {
    say: (text: string) => client.sendMessage(client.makeMessage(text)),
    press: (value: string) => client.sendCallback(client.makeCallbackQuery(value, { message: { message_id: 1 } })),
    inbox,
    /** Waits for a message to this customer matching `pattern`, after the first `skip` messages. */
    receives: (pattern: RegExp, skip = 0) =>
      until(
        () =>
          inbox()
            .slice(skip)
            .find((t) => pattern.test(t)),
        20_000,
      ),
  };
}

describe('the life of a case', () => {
  it('asks for a person, waits in the queue, is answered by an agent in Telegram, handed back to the bot, resolved, and the survey shows in the KPIs', async () => {
    const stream = await SseClient.open(`${server.url}/admin/v1/events`, ann, {});
    try {
      await api(ann, 'PUT', '/me/presence', { presence: 'online' });
      const ada = telegramCustomer(9001, 'Ada');

      // The customer asks for a person: the care flow queues the case and tells the expected wait.
      await ada.say('Hello, I would like to talk to a person please');
      expect(await ada.receives(/Expected wait: about \d+ min/)).toMatch(/passing you to a person/);
      const handoff = await stream.until(
        () => stream.events.find((f) => f.event === 'handoff.requested'),
        'handoff.requested on the stream',
      );
      const id: string = handoff.data.conversationId;
      const { conversations } = await api(ann, 'GET', '/conversations?mode=queued&channel=telegram');
      expect(conversations.find((c: { id: string }) => c.id === id)).toMatchObject({
        mode: 'queued',
        customer: { displayName: 'Ada' },
        handoffReason: 'customer asked for a person',
        placeInLine: { place: 1, of: 1 },
        slaDueAt: expect.any(String),
      });

      // An agent claims it and answers; the answer reaches the customer in Telegram.
      const claimed = await api(ann, 'POST', `/conversations/${id}/claim`);
      expect(claimed.conversation).toMatchObject({ mode: 'agent' });
      await api(ann, 'POST', `/conversations/${id}/messages`, {
        text: 'Hi Ada, I am Ann from the team. How can I help?',
      });
      await ada.receives(/Hi Ada, I am Ann/);
      await api(ann, 'POST', `/conversations/${id}/messages`, { text: 'Ada is a long-time customer', internal: true });

      // Handed back: the bot greets the customer again and answers the next question itself.
      const released = await api(ann, 'POST', `/conversations/${id}/release`);
      expect(released.conversation.mode).toBe('bot');
      await ada.receives(/I am back/);
      const beforeQuestion = ada.inbox().length;
      await ada.say('How do I pay my bill?');
      await ada.receives(/Did this solve your problem\?/, beforeQuestion);

      // "Yes" resolves it; the survey follows and the customer answers it.
      await ada.press('yes');
      await ada.receives(/How satisfied are you/);
      // Resolved from the "yes" on, while the survey runs: the TUI lists it with the resolved cases.
      const duringSurvey = await api(ann, 'GET', '/conversations?mode=resolved&channel=telegram');
      expect(duringSurvey.conversations.find((c: { id: string }) => c.id === id)).toMatchObject({
        mode: 'resolved',
        resolvedAt: expect.any(String),
      });
      await ada.say('5');
      await ada.receives(/How easy was it/);
      await ada.say('4');
      await ada.receives(/Thank you for your feedback/);

      const detail = await until(async () => {
        const d = await api(ann, 'GET', `/conversations/${id}`);
        return d.conversation.mode === 'resolved' ? d : undefined;
      });
      expect(detail.conversation.lastAssignee).toBeDefined();
      const transcript = detail.messages.map((m: { author: string; internal: boolean; text: string }) =>
        m.internal ? `note: ${m.text}` : `${m.author}: ${m.text.split('\n')[0]}`,
      );
      expect(transcript).toEqual(
        expect.arrayContaining([
          'customer: Hello, I would like to talk to a person please',
          'agent: Hi Ada, I am Ann from the team. How can I help?',
          'note: Ada is a long-time customer',
          'customer: How do I pay my bill?',
          'customer: 5',
          'customer: 4',
        ]),
      );

      const kpis = await api(ann, 'GET', '/kpis?since=1h');
      expect(kpis.kpis.all).toMatchObject({
        conversations: 1,
        handoffRate: 1,
        resolved: 1,
        firstResponseMs: { count: 1 },
        csat: { average: 5, count: 1, distribution: { '5': 1 } },
        effortAverage: 4,
      });
      expect(kpis.volume.at(-1).inbound).toBeGreaterThanOrEqual(5);

      // The TUI saw the whole case go by, in order.
      const seen = stream.events.filter((f) => f.data.conversationId === id).map((f) => f.event);
      for (const type of ['conversation.assigned', 'message.sent', 'note.added', 'conversation.released']) {
        expect(seen).toContain(type);
      }
      await stream.until(
        () => stream.events.filter((f) => f.event === 'survey.answered' && f.data.conversationId === id).length === 2,
        'both survey answers',
      );
      expect(stream.seqs).toEqual(Array.from({ length: stream.seqs.length }, (_, i) => stream.seqs[0]! + i));
    } finally {
      stream.close();
    }
  });

  it('a supervisor takes over a conversation the bot is in the middle of, and the bot stops answering it', async () => {
    const bob = telegramCustomer(9002, 'Bob');
    await bob.say('my internet is very slow');
    await bob.receives(/Did this solve your problem\?/);
    const { conversations } = await api(sue, 'GET', '/conversations?mode=bot&channel=telegram&q=Bob');
    expect(conversations).toHaveLength(1);
    const id: string = conversations[0].id;

    const taken = await api(sue, 'POST', `/conversations/${id}/takeover`);
    expect(taken.conversation).toMatchObject({ mode: 'agent', flowState: 'confirmingResolution' });
    const botReplies = async () =>
      (await server.desk.store.listMessages(id)).filter((m) => m.author === 'bot').map((m) => m.text);
    const before = await botReplies();

    // "No" would make the bot try another answer; now it must stay silent.
    await bob.say('no');
    await until(async () =>
      (await server.desk.store.listMessages(id)).some((m) => m.author === 'customer' && m.text === 'no'),
    );
    await server.desk.idle();
    expect(await botReplies()).toEqual(before);

    await api(sue, 'POST', `/conversations/${id}/messages`, { text: 'Sue here: I am checking your line now.' });
    await bob.receives(/Sue here/);
    expect(await botReplies()).toEqual(before);
    const detail = await api(sue, 'GET', `/conversations/${id}`);
    expect(detail.conversation).toMatchObject({ mode: 'agent', flowState: 'confirmingResolution' });
  });
});
