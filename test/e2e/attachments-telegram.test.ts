/**
 * Files both ways over Telegram, with the real server, the real Telegram
 * adapter and the emulator (telegram-test-api). The emulator has no file
 * endpoints (getFile, the file URL, sendPhoto/sendDocument), so a small
 * stand-in that behaves like the Bot API for those serves them in front of it
 * (test/bots/telegram/attachments-bot-api.ts); every other call reaches the emulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ServerHandle, startServer } from '../../server/index.js';
import { FileBotApi } from '../bots/telegram/attachments-bot-api.js';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';

const token = '4343:E2E-FILES';
let emulator: Emulator;
let files: FileBotApi;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  files = new FileBotApi(emulator);
  await files.start();
  dir = mkdtempSync(join(tmpdir(), 'caredesk-e2e-files-'));
});
afterAll(async () => {
  await files.stop();
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

function serve(dataDir: string, apiRoot: string): Promise<ServerHandle> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    CAREDESK_DATA_DIR: dataDir,
    CAREDESK_FSYNC: 'false',
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_API_ROOT: apiRoot,
    CAREDESK_REPLY_TIMEOUT: '2s',
  });
  return startServer(config, { handleSignals: false, logger: pino({ level: 'silent' }) });
}

async function agentOf(server: ServerHandle): Promise<string> {
  const { agent, token: agentToken } = await server.human.createAgent({ name: 'Ann', role: 'agent' });
  await server.human.setPresence(agent.id, 'online');
  return agentToken;
}

const call = (server: ServerHandle, agentToken: string, method: string, path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${agentToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A JPEG-looking file of some size, different each time. */
const photoBytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) % 256));

describe('attachments over Telegram', () => {
  it('an agent sees the photo a customer sent, with its size, and gets the very bytes through the admin API', async () => {
    const server = await serve(join(dir, 'seen'), files.apiRoot);
    try {
      const agentToken = await agentOf(server);
      const customer = emulator.server.getClient(token, { userId: 5150, chatId: 5150 });
      await customer.sendMessage(customer.makeMessage('I want to talk to a human please'));
      const queued = await until(async () => {
        const res = await call(server, agentToken, 'GET', '/admin/v1/conversations?mode=queued');
        const list = (await res.json()) as { conversations: Array<{ id: string }> };
        return list.conversations[0]?.id;
      });

      const bytes = photoBytes(50_000);
      const sizes = [
        { ...files.addFile(bytes.subarray(0, 900), 'photos/file_0_small.jpg'), width: 90, height: 90 },
        { ...files.addFile(bytes, 'photos/file_1.jpg'), width: 800, height: 600 },
      ];
      const photo = customer.makeMessage('', { photo: sizes, caption: 'the lights on my router' }) as Record<
        string,
        unknown
      >;
      delete photo.text;
      await customer.sendMessage(photo as never);

      const detail = await until(async () => {
        const res = await call(server, agentToken, 'GET', `/admin/v1/conversations/${queued}`);
        const body = (await res.json()) as {
          messages: Array<{ id: string; text: string; attachments: Array<Record<string, unknown>> }>;
        };
        return body.messages.find((m) => m.attachments.length > 0) ? body : undefined;
      });
      const withPhoto = detail.messages.find((m) => m.attachments.length > 0)!;
      expect(withPhoto.text).toBe('the lights on my router');
      expect(withPhoto.attachments).toEqual([
        expect.objectContaining({ kind: 'image', mimeType: 'image/jpeg', size: bytes.length }),
      ]);

      const file = await call(
        server,
        agentToken,
        'GET',
        `/admin/v1/conversations/${queued}/messages/${withPhoto.id}/attachments/0`,
      );
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('image/jpeg');
      expect(file.headers.get('content-disposition')).toContain('filename="file_1.jpg"');
      expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('a document an agent sends is stored first, survives a restart before delivery, and reaches the customer with its name', async () => {
    const dataDir = join(dir, 'sent');
    // First run: Telegram cannot be reached (nothing listens there), so the reply stays pending.
    const first = await serve(dataDir, 'http://127.0.0.1:9');
    const agentToken = await agentOf(first);
    const arrived = await first.desk.receive({
      channel: 'telegram',
      externalUserId: '6160',
      channelMessageId: 'msg:6160:1',
      text: 'I want to talk to a human please',
      displayName: 'Dee',
    });
    await first.desk.idle();
    if (arrived.status !== 'stored') throw new Error(`not stored: ${arrived.status}`);
    const id = arrived.conversation.id;
    expect((await call(first, agentToken, 'POST', `/admin/v1/conversations/${id}/claim`)).status).toBe(200);

    const pdf = Buffer.from('%PDF-1.4\n% caredesk invoice\n'.repeat(200));
    const sent = await call(first, agentToken, 'POST', `/admin/v1/conversations/${id}/messages`, {
      text: 'Your invoice for March',
      attachments: [{ name: 'invoice-march.pdf', mimeType: 'application/pdf', contentBase64: pdf.toString('base64') }],
    });
    expect(sent.status).toBe(201);
    const { message } = (await sent.json()) as { message: { id: string; attachments: unknown[] } };
    expect(message.attachments).toEqual([
      expect.objectContaining({ kind: 'document', name: 'invoice-march.pdf', size: pdf.length }),
    ]);
    const pending = await first.desk.store.listOutbox({ conversationId: id });
    expect(pending.find((e) => e.messageId === message.id)?.status).toBe('pending');
    await first.close();

    // Second run on the same data directory, Telegram reachable: the stored file goes out.
    const second = await serve(dataDir, files.apiRoot);
    try {
      const toDee = await until(() =>
        emulator.botMessages().find((m) => String(m.message.chat_id) === '6160' && 'document' in m.message),
      );
      expect((toDee.message as unknown as { document: { file_name: string } }).document.file_name).toBe(
        'invoice-march.pdf',
      );
      const received = files.sent.find((f) => f.chatId === '6160');
      expect(received).toMatchObject({
        method: 'sendDocument',
        name: 'invoice-march.pdf',
        caption: 'Your invoice for March',
      });
      expect(received?.bytes.equals(pdf)).toBe(true);
      await until(async () => {
        const entries = await second.desk.store.listOutbox({ conversationId: id });
        return entries.find((e) => e.messageId === message.id)?.status === 'delivered';
      });
      // The agent can open what they sent, too.
      const again = await call(
        second,
        agentToken,
        'GET',
        `/admin/v1/conversations/${id}/messages/${message.id}/attachments/0`,
      );
      expect(again.headers.get('content-type')).toBe('application/pdf');
      expect(Buffer.from(await again.arrayBuffer()).equals(pdf)).toBe(true);
    } finally {
      await second.close();
    }
  });
});
