import Fastify, { type FastifyInstance } from 'fastify';
import { Telegram } from 'telegraf';
import { afterEach, describe, expect, it } from 'vitest';
import { TELEGRAM_WEBHOOK_PATH } from '../../../bots/telegram/index.js';
import { telegramWebhookRoute } from '../../../bots/telegram/webhook.js';
import { type Desk, silentLogger } from '../../../core/index.js';
import { errorHandler } from '../../../server/http-errors.js';
import { echoDesk, message } from './helpers.js';

const secret = 's3cret-token_value';
let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function webhook(): Promise<{ desk: Desk; post: (body: unknown, token?: string) => Promise<Response> }> {
  const desk = await echoDesk();
  // No Bot API behind it: answering callback queries fails quietly, which is what a real outage looks like.
  const telegram = new Telegram('1:x', { apiRoot: 'http://127.0.0.1:9' });
  app = Fastify();
  // As in caredesk serve: the server's error handler words what a route throws.
  app.setErrorHandler(errorHandler);
  telegramWebhookRoute(app, { desk, telegram, logger: silentLogger, secret });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    desk,
    post: (body, token = secret) =>
      fetch(`${url}${TELEGRAM_WEBHOOK_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { 'x-telegram-bot-api-secret-token': token } : {}) },
        body: JSON.stringify(body),
      }),
  };
}

describe('the Telegram webhook', () => {
  it('refuses a wrong or missing secret with 401 and stores nothing', async () => {
    const { desk, post } = await webhook();
    expect((await post(message(1, 'hi'), 'wrong')).status).toBe(401);
    expect((await post(message(2, 'hi'), '')).status).toBe(401);
    expect(await desk.store.countMessages()).toBe(0);
  });

  it('stores an update once even when Telegram delivers it twice', async () => {
    const { desk, post } = await webhook();
    expect((await post(message(10, 'hello'))).status).toBe(200);
    expect((await post(message(10, 'hello'))).status).toBe(200);
    await desk.idle();
    const customer = await desk.store.findCustomerByIdentity('telegram', '77');
    const conversation = await desk.store.findOpenConversation(customer?.id ?? '');
    const texts = (await desk.store.listMessages(conversation?.id ?? '')).map((m) => m.text);
    expect(texts).toEqual(['hello', 'You said: hello']);
  });

  it('keeps an edit as a correction of the original message, without a second answer', async () => {
    const { desk, post } = await webhook();
    await post(message(20, 'my numbr is 123'));
    await post({ update_id: 21, edited_message: message(20, 'my number is 123').message });
    await desk.idle();
    const customer = await desk.store.findCustomerByIdentity('telegram', '77');
    const conversation = await desk.store.findOpenConversation(customer?.id ?? '');
    const messages = await desk.store.listMessages(conversation?.id ?? '');
    const [original, , edit] = messages;
    expect(messages).toHaveLength(3);
    expect(edit).toMatchObject({ text: 'my number is 123', editOf: original?.id });
  });

  it('content caredesk cannot read is stored and answered politely', async () => {
    const { desk, post } = await webhook();
    const poll = { update_id: 30, poll_answer: { poll_id: 'p', from: { id: 77 }, option_ids: [0] } };
    expect((await post(poll)).status).toBe(200);
    await post(message(31, undefined as unknown as string, { dice: { emoji: '🎲', value: 3 } }));
    await desk.idle();
    const customer = await desk.store.findCustomerByIdentity('telegram', '77');
    const conversation = await desk.store.findOpenConversation(customer?.id ?? '');
    const messages = await desk.store.listMessages(conversation?.id ?? '');
    expect(messages.filter((m) => m.author === 'system').map((m) => m.text)).toEqual([
      expect.stringMatching(/I can only read text/),
      expect.stringMatching(/I can only read text/),
    ]);
    expect(messages.some((m) => m.author === 'bot')).toBe(false);
  });

  it('thousands of malformed updates get 4xx or are ignored: never a 500, never a store entry', async () => {
    const { desk, post } = await webhook();
    const shapes: unknown[] = [
      null,
      42,
      'update',
      [],
      {},
      { update_id: -1 },
      { update_id: 'x', message: {} },
      { update_id: 1, message: { text: 'no sender' } },
      { update_id: 1, message: { message_id: 1, from: { id: 'abc' }, chat: { id: 1 }, text: 'hi' } },
      { update_id: 1, callback_query: { id: 5, from: { id: 1 } } },
      { update_id: 1, message: { message_id: 1, from: { id: 1 }, chat: { id: 1, type: 'group' }, text: 'hi' } },
      { update_id: 1, message: { message_id: 1, from: { id: 1 }, chat: { id: 1 }, text: 'x'.repeat(5000) } },
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const junk = (depth: number): unknown => {
      const r = random();
      if (depth > 2 || r < 0.3) return [null, true, -1, 1.5, 'x', '', 2 ** 60][Math.floor(random() * 7)];
      if (r < 0.5) return [junk(depth + 1), junk(depth + 1)];
      const keys = ['update_id', 'message', 'from', 'chat', 'id', 'text', 'photo', 'callback_query', 'data'];
      return Object.fromEntries(keys.filter(() => random() < 0.4).map((k) => [k, junk(depth + 1)]));
    };
    for (let i = 0; i < 2000; i++) shapes.push(junk(0));
    const statuses = new Set<number>();
    for (let i = 0; i < shapes.length; i += 50) {
      const answers = await Promise.all(shapes.slice(i, i + 50).map((s) => post(s)));
      for (const a of answers) statuses.add(a.status);
    }
    expect([...statuses].every((s) => s === 200 || (s >= 400 && s < 500))).toBe(true);
    expect(statuses.has(400)).toBe(true);
    await desk.idle();
    expect(await desk.store.countMessages()).toBe(0);
    expect(await desk.store.countConversations()).toBe(0);
  });
});
