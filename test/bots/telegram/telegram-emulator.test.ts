import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramChannel } from '../../../bots/telegram/index.js';
import { type Desk, OutboxDelivery, silentLogger } from '../../../core/index.js';
import { type Emulator, startEmulator } from './emulator.js';
import { echoDesk, until } from './helpers.js';

const token = '123456:TEST-TOKEN';
let emulator: Emulator;
let apiRoot: string;

beforeAll(async () => {
  emulator = await startEmulator();
  apiRoot = emulator.apiRoot;
});
afterAll(async () => {
  await emulator.stop();
});

const botMessages = () => emulator.botMessages();

async function running(): Promise<{ desk: Desk; stop: () => Promise<void> }> {
  const desk = await echoDesk();
  const channel = telegramChannel(desk, { botToken: token, apiRoot }, silentLogger);
  const dispatcher = new OutboxDelivery(desk, [channel.sender]);
  dispatcher.start();
  await channel.start();
  await channel.startDuties(); // polling is a duty: alone, this process does it
  return {
    desk,
    stop: async () => {
      await channel.stop();
      await dispatcher.stop();
      await desk.store.close();
    },
  };
}

describe('a customer on Telegram (telegraf against the Bot API emulator)', () => {
  it('gets an in-channel reply with buttons, and pressing one is answered too', async () => {
    const { desk, stop } = await running();
    try {
      const client = emulator.server.getClient(token, { userId: 501, chatId: 501, firstName: 'Ada' });
      await client.sendMessage(client.makeMessage('my internet is slow'));
      const reply = await until(() => botMessages().find((m) => m.message.text === 'You said: my internet is slow'));
      expect(String(reply.message.chat_id)).toBe('501');
      expect(JSON.stringify(reply.message.reply_markup)).toContain('"callback_data":"yes"');

      await client.sendCallback(client.makeCallbackQuery('yes', { message: { message_id: 1 } }));
      await until(() => botMessages().find((m) => m.message.text === 'You said: pressed yes'));

      const customer = await desk.store.findCustomerByIdentity('telegram', '501');
      expect(customer?.displayName).toBe('Ada');
      const conversation = await desk.store.findOpenConversation(customer?.id ?? '');
      const messages = await desk.store.listMessages(conversation?.id ?? '');
      expect(messages.map((m) => [m.author, m.text])).toEqual([
        ['customer', 'my internet is slow'],
        ['bot', 'You said: my internet is slow'],
        ['customer', 'yes'],
        ['bot', 'You said: pressed yes'],
      ]);
      await until(async () => (await desk.store.listOutbox({ status: 'delivered' })).length === 2);
    } finally {
      await stop();
    }
  });

  it('a photo reaches the flow as a description and is stored with its file id', async () => {
    const { desk, stop } = await running();
    try {
      const client = emulator.server.getClient(token, { userId: 502, chatId: 502 });
      await client.sendMessage(
        client.makeMessage(undefined as unknown as string, { photo: [{ file_id: 'small' }, { file_id: 'BIG-PHOTO' }] }),
      );
      await until(() => botMessages().find((m) => m.message.text === 'You said: [the customer sent an image]'));
      const customer = await desk.store.findCustomerByIdentity('telegram', '502');
      const conversation = await desk.store.findOpenConversation(customer?.id ?? '');
      const [first] = await desk.store.listMessages(conversation?.id ?? '');
      expect(first?.attachments).toEqual([{ kind: 'image', ref: 'BIG-PHOTO', mimeType: 'image/jpeg' }]);
    } finally {
      await stop();
    }
  });
});
