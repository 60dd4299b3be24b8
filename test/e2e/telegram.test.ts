import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { CaredeskProcess } from './helpers/caredesk-process.js';

const token = '4242:E2E-TOKEN';
let emulator: Emulator;
let dataDir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  dataDir = mkdtempSync(join(tmpdir(), 'caredesk-e2e-telegram-'));
});
afterAll(async () => {
  await emulator.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('caredesk serve with Telegram enabled', () => {
  it('stores what a Telegram customer writes and answers them in Telegram with the care flow', async () => {
    const serve = new CaredeskProcess(['serve', '--data-dir', dataDir], {
      PORT: '0',
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_API_ROOT: emulator.apiRoot,
    });
    try {
      const url = await serve.listening();
      const client = emulator.server.getClient(token, { userId: 31337, chatId: 31337 });
      await client.sendMessage(client.makeMessage('/link'));
      const reply = await until(() => emulator.botMessages().find((m) => String(m.message.chat_id) === '31337'));
      expect(reply.message.text).toMatch(/Your link code is [A-Z0-9]{8}/);
      const health = (await (await fetch(`${url}/healthz`)).json()) as { conversations: number };
      expect(health.conversations).toBe(1);

      // The care flow answers a question in Telegram, with buttons, and a press of "Yes" resolves it.
      const ada = emulator.server.getClient(token, { userId: 777, chatId: 777 });
      await ada.sendMessage(ada.makeMessage('my internet is very slow'));
      const toAda = () => emulator.botMessages().filter((m) => String(m.message.chat_id) === '777');
      const question = await until(() => toAda().find((m) => /solve/i.test(m.message.text)));
      expect(toAda()[0]?.message.text).toMatch(/Thanks for your message/);
      expect(
        toAda()
          .map((m) => m.message.text)
          .join('\n'),
      ).toMatch(/router/i);
      expect(JSON.stringify(question.message.reply_markup)).toContain('"callback_data":"yes"');
      await ada.sendCallback(ada.makeCallbackQuery('yes', { message: { message_id: 1 } }));
      const csat = await until(() => toAda().find((m) => /satisfied/i.test(m.message.text)));
      expect(JSON.stringify(csat.message.reply_markup)).toContain('"callback_data":"5"');
    } finally {
      serve.child.kill('SIGTERM');
      expect((await serve.exitedWithin()).code).toBe(0);
    }
  });
});
