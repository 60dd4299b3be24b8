/**
 * The care bot as a new Telegram customer meets it, on a real `caredesk
 * serve` with the Telegram emulator: a "hi" is greeted with topic buttons,
 * pressing a topic and then an article answers it, a vague message gets a
 * clarifying question, and an angry repeat complaint is queued with a priority.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../core/index.js';
import { type BotMessage, type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { CaredeskProcess, stopServe } from './helpers/caredesk-process.js';

const token = '4545:CARE-FIRST-LINE';
let emulator: Emulator;
let dataDir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  dataDir = mkdtempSync(join(tmpdir(), 'caredesk-e2e-care-'));
});
afterAll(async () => {
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const buttonsOf = (m: BotMessage): Array<{ text: string; callback_data: string }> =>
  (
    (m.message.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data: string }>> } | undefined)
      ?.inline_keyboard ?? []
  ).flat();

describe('the care bot on Telegram, first line', () => {
  it('greets a "hi" with topic buttons, answers a topic and article picked, asks a vague message to clarify, queues an angry repeat complaint with a priority', async () => {
    const serve = new CaredeskProcess(['serve', '--data-dir', dataDir], {
      PORT: '0',
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
    });
    try {
      await serve.listening();
      const to = (chat: number) => () =>
        emulator.botMessages().filter((m) => String(m.message.chat_id) === String(chat));

      const ada = emulator.server.getClient(token, { userId: 801, chatId: 801 });
      const toAda = to(801);
      await ada.sendMessage(ada.makeMessage('hi'));
      const greeting = await until(() => toAda().find((m) => /virtual assistant/i.test(m.message.text)));
      const topics = buttonsOf(greeting);
      expect(topics.map((b) => b.text)).toContain('Internet and signal');
      expect(
        toAda()
          .map((m) => m.message.text)
          .join('\n'),
      ).not.toMatch(/passing you to a person/i);

      const internet = topics.find((b) => b.text === 'Internet and signal')!;
      await ada.sendCallback(ada.makeCallbackQuery(internet.callback_data, { message: { message_id: 1 } }));
      const which = await until(() => toAda().find((m) => /one of these/i.test(m.message.text)));
      const slow = buttonsOf(which).find((b) => /slow internet/i.test(b.text))!;
      await ada.sendCallback(ada.makeCallbackQuery(slow.callback_data, { message: { message_id: 2 } }));
      await until(() => toAda().find((m) => /restart your router/i.test(m.message.text)));

      const bob = emulator.server.getClient(token, { userId: 802, chatId: 802 });
      await bob.sendMessage(bob.makeMessage("it doesn't work"));
      const ask = await until(() => to(802)().find((m) => /what is it about/i.test(m.message.text)));
      expect(buttonsOf(ask).map((b) => b.text)).toContain('Talk to a person');

      const carl = emulator.server.getClient(token, { userId: 803, chatId: 803 });
      await carl.sendMessage(carl.makeMessage('This is the third time I write about my internet, unacceptable!'));
      await until(() => to(803)().find((m) => /passing you to a person/i.test(m.message.text)));
    } finally {
      await stopServe(serve);
    }

    const store = new EmbeddedStore(dataDir);
    await store.open();
    try {
      const carl = await store.findCustomerByIdentity('telegram', '803');
      const [conversation] = (await store.listConversations({ modes: ['queued'] })).filter(
        (c) => c.customerId === carl?.id,
      );
      expect(conversation).toMatchObject({ mode: 'queued', priority: 'high' });
      expect(conversation?.tags).toContain('repeat-contact');
    } finally {
      await store.close();
    }
  });
});
