/**
 * What a Telegram message with files becomes (normalize.ts), and how the
 * sender sends a stored file: sendPhoto for an image, sendDocument for the
 * rest, the text as its caption, through a stand-in Bot API on loopback.
 */
import { Telegram } from 'telegraf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeUpdate, TelegramSender } from '../../../bots/telegram/index.js';
import { SendLimiter, TELEGRAM_LIMITS } from '../../../bots/telegram/rate-limit.js';
import { MemoryStore, type OutboxEntry, storeFiles } from '../../../core/index.js';
import { FileBotApi } from './attachments-bot-api.js';
import { type Emulator, startEmulator } from './emulator.js';

const from = { id: 77, first_name: 'Bo' };
const chat = { id: 77, type: 'private' };
const update = (message: object) => ({ update_id: 9, message: { message_id: 9, date: 1, from, chat, ...message } });

describe('a Telegram message with files', () => {
  it('a photo is its largest size, a JPEG with its size, and the caption is the text', () => {
    const n = normalizeUpdate(
      update({
        caption: 'my router',
        photo: [
          { file_id: 'small', file_size: 900 },
          { file_id: 'large', file_size: 48_000 },
        ],
      }),
    );
    expect(n.kind === 'inbound' && n.inbound).toMatchObject({
      text: 'my router',
      attachments: [{ kind: 'image', ref: 'large', mimeType: 'image/jpeg', size: 48_000 }],
    });
  });

  it('a document keeps its name, type and size; without a caption the text says what came', () => {
    const n = normalizeUpdate(
      update({ document: { file_id: 'doc', file_name: 'bill.pdf', mime_type: 'application/pdf', file_size: 1234 } }),
    );
    expect(n.kind === 'inbound' && n.inbound).toMatchObject({
      text: '[the customer sent a document]',
      attachments: [{ kind: 'document', ref: 'doc', name: 'bill.pdf', mimeType: 'application/pdf', size: 1234 }],
    });
  });

  it('audio and video keep their file names, a sticker its emoji and size', () => {
    const n = normalizeUpdate(
      update({
        audio: { file_id: 'a', file_name: 'song.mp3', mime_type: 'audio/mpeg', file_size: 10 },
        video: { file_id: 'v', file_name: 'clip.mp4', mime_type: 'video/mp4', file_size: 20 },
        sticker: { file_id: 's', emoji: '👍', file_size: 30 },
      }),
    );
    expect(n.kind === 'inbound' && n.inbound.attachments).toEqual([
      { kind: 'audio', ref: 'a', name: 'song.mp3', mimeType: 'audio/mpeg', size: 10 },
      { kind: 'video', ref: 'v', name: 'clip.mp4', mimeType: 'video/mp4', size: 20 },
      { kind: 'sticker', ref: 's', name: '👍', size: 30 },
    ]);
  });
});

describe('the Telegram sender with a stored file', () => {
  let emulator: Emulator;
  let api: FileBotApi;
  beforeAll(async () => {
    emulator = await startEmulator();
    api = new FileBotApi(emulator);
    await api.start();
  });
  afterAll(async () => {
    await api.stop();
    await emulator.stop();
  });

  const entry = (text: string, attachments: OutboxEntry['attachments']): OutboxEntry => ({
    id: `out_${text.length}`,
    messageId: 'msg_1',
    conversationId: 'cnv_1',
    channel: 'telegram',
    recipient: '4242',
    text,
    quickReplies: [],
    attachments,
    status: 'pending',
    attempts: 0,
    notBefore: new Date(0).toISOString(),
    createdAt: new Date(0).toISOString(),
  });

  it('sends an image with sendPhoto and a document with sendDocument, the text as caption', async () => {
    const store = new MemoryStore();
    await store.open();
    const png = Buffer.from('\x89PNG fake image');
    const pdf = Buffer.from('%PDF fake');
    const [image] = await storeFiles(store, [{ name: 'shot.png', mimeType: 'image/png', bytes: png }]);
    const [doc] = await storeFiles(store, [{ name: 'terms.pdf', mimeType: 'application/pdf', bytes: pdf }]);
    const sender = new TelegramSender(
      new Telegram('77:FILES', { apiRoot: api.apiRoot }),
      new SendLimiter(TELEGRAM_LIMITS),
      store,
    );
    expect(await sender.send(entry('look', [image!]))).toMatchObject({ ok: true });
    expect(await sender.send(entry('', [doc!]))).toMatchObject({ ok: true });
    expect(api.sent.map(({ method, name, caption }) => ({ method, name, caption }))).toEqual([
      { method: 'sendPhoto', name: 'shot.png', caption: 'look' },
      { method: 'sendDocument', name: 'terms.pdf', caption: undefined },
    ]);
    expect(api.sent[0]?.bytes.equals(png)).toBe(true);
    expect(api.sent[1]?.bytes.equals(pdf)).toBe(true);
  });

  it('a file no longer stored fails for good instead of retrying for ever', async () => {
    const store = new MemoryStore();
    await store.open();
    const sender = new TelegramSender(
      new Telegram('77:FILES', { apiRoot: api.apiRoot }),
      new SendLimiter(TELEGRAM_LIMITS),
      store,
    );
    const outcome = await sender.send(entry('x', [{ kind: 'document', ref: 'stored:file_gone', name: 'gone.pdf' }]));
    expect(outcome).toMatchObject({ ok: false, retryable: false, error: expect.stringContaining('gone.pdf') });
  });
});
