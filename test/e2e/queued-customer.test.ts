/**
 * A customer waiting in the queue on a real server with Telegram (the
 * emulator): "hello? anyone there?" is answered with their place and wait;
 * writing again at once brings nothing new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../server/index.js';
import type { Emulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { type TelegramDesk, telegramDesk } from './helpers/telegram-desk.js';

const token = '7272:QUEUED-CUSTOMER';
let emulator: Emulator;
let server: ServerHandle;
let desk: TelegramDesk | undefined;

beforeAll(async () => {
  desk = await telegramDesk(token);
  ({ emulator, server } = desk);
});
afterAll(async () => {
  await desk?.stop();
});

describe('a customer waiting in the queue', () => {
  it('who writes "hello? anyone there?" is told their place and wait, and is not told again at once', async () => {
    const chat = 9301;
    const client = emulator.server.getClient(token, { userId: chat, chatId: chat, firstName: 'Bea' });
    const say = (text: string) => client.sendMessage(client.makeMessage(text));
    const inbox = () =>
      emulator
        .botMessages()
        .filter((m) => String(m.message.chat_id) === String(chat))
        .map((m) => m.message.text);
    const receives = (pattern: RegExp) => until(() => inbox().find((t) => pattern.test(t)), 20_000);

    await say('Hello, I would like to talk to a person please');
    // First in line: the handoff says so, and the queue row shows place 1.
    expect(await receives(/passing you to a person/)).toMatch(/you are next/);
    const [queued] = await server.human.listConversations({ channel: 'telegram' });
    expect(await server.human.placeInLine(queued!.id)).toEqual({ place: 1, of: 1 });

    await say('hello? anyone there?');
    expect(await receives(/You are number \d+ in line/)).toMatch(
      /^You are number 1 in line; the expected wait is about \d+ min\.$/,
    );
    const told = inbox().length;

    await say('hello???');
    // Stored with its handling in one write: once it is stored, any reply would be in the outbox already.
    await until(async () => {
      const messages = await server.desk.store.listMessages(queued!.id);
      return messages.some((m) => m.text === 'hello???') ? true : undefined;
    }, 20_000);
    await server.desk.idle();
    const outbox = await server.desk.store.listOutbox({ conversationId: queued!.id });
    expect(outbox.filter((o) => o.status !== 'delivered')).toEqual([]);
    expect(inbox()).toHaveLength(told);
    expect(inbox().filter((t) => /You are number/.test(t))).toHaveLength(1);
  });
});
