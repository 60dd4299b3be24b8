/**
 * The admin API's attachment routes against bad input and unfriendly
 * channels, on a real server: sizes over the limit, what does not exist, a
 * Bot Framework content URL on a host caredesk does not call, a channel that
 * is not there. Files served by a small HTTP server on loopback stand in for
 * a Bot Framework channel's content URLs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Attachment, STORED_FILES } from '../../core/index.js';
import { type AdminTestServer, startAdminServer, type TestAgent } from './admin/helpers.js';

let server: AdminTestServer;
let ann: TestAgent;
let files: Server;
let filesUrl: string;
const picture = Buffer.from(Array.from({ length: 600 }, (_, i) => i % 256));
let sequence = 0;

beforeAll(async () => {
  server = await startAdminServer({ CAREDESK_ATTACHMENT_MAX_SIZE: '1KB' });
  ann = await server.agent({ name: 'Ann' });
  files = createServer((req, res) => {
    if (req.url === '/picture.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': picture.length });
      res.end(picture);
    } else if (req.url === '/huge.bin') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 5000 });
      res.end(Buffer.alloc(5000));
    } else if (req.url === '/unsized.bin') {
      // No Content-Length: the size shows only as it streams.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 5; i++) res.write(Buffer.alloc(1000, i));
      res.end();
    } else if (req.url === '/away') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => files.close(resolve));
});

/** A customer message with attachments, as a channel adapter hands it in; its conversation and message ids. */
async function sent(
  attachments: Attachment[],
  channel: 'botframework' | 'telegram' = 'botframework',
): Promise<{ id: string; messageId: string }> {
  const r = await server.handle.desk.receive({
    channel,
    externalUserId: `files-${++sequence}`,
    channelMessageId: `files-${sequence}`,
    text: 'see the attachment',
    attachments,
  });
  await server.handle.desk.idle();
  if (r.status !== 'stored') throw new Error(`not stored: ${r.status}`);
  const messages = await server.handle.desk.store.listMessages(r.conversation.id);
  const withFiles = messages.find((m) => m.attachments.length > 0)!;
  return { id: r.conversation.id, messageId: withFiles.id };
}

const fetchAttachment = (id: string, messageId: string, index: string | number) =>
  server.call('GET', `/admin/v1/conversations/${id}/messages/${messageId}/attachments/${index}`, {
    token: ann.token,
  });

const raw = (id: string, messageId: string, index: number) =>
  fetch(`${server.url}/admin/v1/conversations/${id}/messages/${messageId}/attachments/${index}`, {
    headers: { authorization: `Bearer ${ann.token}` },
  });

describe('admin API: fetching what a customer sent', () => {
  it('streams a Bot Framework attachment from an allowed host with its type and name', async () => {
    const { id, messageId } = await sent([
      { kind: 'image', ref: `${filesUrl}/picture.png`, name: 'router lights.png', mimeType: 'image/png' },
    ]);
    const res = await raw(id, messageId, 0);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="router lights.png"; filename*=UTF-8''router%20lights.png`,
    );
    expect(Buffer.from(await res.arrayBuffer()).equals(picture)).toBe(true);
  });

  it('refuses a content URL on a host the service-URL rules do not allow, even behind a redirect', async () => {
    const { id, messageId } = await sent([
      { kind: 'document', ref: 'http://169.254.169.254/latest/meta-data', mimeType: 'text/plain' },
      { kind: 'document', ref: `${filesUrl}/away`, mimeType: 'text/plain' },
    ]);
    for (const index of [0, 1]) {
      const res = await fetchAttachment(id, messageId, index);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('E_FORBIDDEN');
      expect(res.body.error.message).toMatch(/169\.254\.169\.254.*BOTFRAMEWORK_SERVICE_URL_HOSTS/);
    }
  });

  it('refuses a file over CAREDESK_ATTACHMENT_MAX_SIZE with 413', async () => {
    const { id, messageId } = await sent([{ kind: 'document', ref: `${filesUrl}/huge.bin` }]);
    const res = await fetchAttachment(id, messageId, 0);
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/5000 bytes, over the limit of 1024 bytes \(CAREDESK_ATTACHMENT_MAX_SIZE\)/);
  });

  it('cuts a file that did not announce its size once it passes the limit', async () => {
    const { id, messageId } = await sent([{ kind: 'document', ref: `${filesUrl}/unsized.bin` }]);
    const received = await raw(id, messageId, 0)
      .then(
        async (res) => (await res.arrayBuffer()).byteLength,
        () => 0,
      )
      .catch(() => 0);
    expect(received).toBeLessThanOrEqual(1024);
  });

  it('answers 404 for an unknown conversation, message or index, and 400 for an index that is not one', async () => {
    const { id, messageId } = await sent([{ kind: 'image', ref: `${filesUrl}/picture.png` }]);
    expect((await fetchAttachment(id, messageId, 1)).status).toBe(404);
    const noMessage = await fetchAttachment(id, 'msg_nope', 0);
    expect(noMessage.status).toBe(404);
    expect(noMessage.body.error).toMatchObject({ code: 'E_NOT_FOUND', message: expect.stringContaining('msg_nope') });
    expect((await fetchAttachment('cnv_nope', messageId, 0)).status).toBe(404);
    const badIndex = await fetchAttachment(id, messageId, 'first');
    expect(badIndex.status).toBe(400);
    expect(badIndex.body.error.code).toBe('E_INVALID_INPUT');
  });

  it('answers 404 for a location (no file) and 502 when the channel is not there', async () => {
    const location = await sent([{ kind: 'location', ref: 'geo:45.46,9.19' }]);
    expect((await fetchAttachment(location.id, location.messageId, 0)).status).toBe(404);
    const gone = await sent([{ kind: 'image', ref: 'AgACAgIAAxkBAAIB' }], 'telegram');
    const res = await fetchAttachment(gone.id, gone.messageId, 0);
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({
      code: 'E_CHANNEL_DOWN',
      message: expect.stringMatching(/TELEGRAM_BOT_TOKEN/),
    });
  });
});

describe('admin API: sending a file to a customer', () => {
  async function claimed(): Promise<string> {
    const id = await server.queued(`send-${++sequence}`);
    await server.call('POST', `/admin/v1/conversations/${id}/claim`, { token: ann.token });
    return id;
  }
  const upload = (bytes: Buffer, extra: object = {}) => ({
    name: 'note.txt',
    mimeType: 'text/plain',
    contentBase64: bytes.toString('base64'),
    ...extra,
  });

  it('stores the file, then the reply naming it, with an empty caption allowed', async () => {
    const id = await claimed();
    const res = await server.call('POST', `/admin/v1/conversations/${id}/messages`, {
      token: ann.token,
      body: { text: '', attachments: [upload(Buffer.from('hello'))] },
    });
    expect(res.status).toBe(201);
    expect(res.body.message.attachments).toEqual([
      {
        kind: 'document',
        ref: expect.stringMatching(/^stored:file_/),
        name: 'note.txt',
        mimeType: 'text/plain',
        size: 5,
      },
    ]);
    const entry = (await server.handle.desk.store.listOutbox({ conversationId: id })).find(
      (e) => e.messageId === res.body.message.id,
    );
    expect(entry?.attachments).toEqual(res.body.message.attachments);
    const back = await raw(id, res.body.message.id, 0);
    expect(back.headers.get('content-type')).toBe('text/plain');
    expect(await back.text()).toBe('hello');
  });

  it('refuses a file over the limit (413), bad base64, two files, a long caption and no text without a file', async () => {
    const id = await claimed();
    const post = (body: unknown) =>
      server.call('POST', `/admin/v1/conversations/${id}/messages`, { token: ann.token, body });
    const tooLarge = await post({ text: 'x', attachments: [upload(Buffer.alloc(2000))] });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.message).toMatch(/note\.txt is 2000 bytes, over the limit of 1024 bytes/);
    // Far over the limit: refused by the body limit, before it is read.
    const farTooLarge = await post({ text: 'x', attachments: [upload(Buffer.alloc(10_000_000))] });
    expect(farTooLarge.status).toBe(413);
    const notBase64 = await post({ text: 'x', attachments: [{ name: 'a.txt', contentBase64: 'not base64!' }] });
    expect(notBase64.status).toBe(400);
    expect(notBase64.body.error.message).toMatch(/attachments\.0\.contentBase64/);
    const two = await post({ text: 'x', attachments: [upload(Buffer.from('a')), upload(Buffer.from('b'))] });
    expect(two.status).toBe(400);
    const longCaption = await post({ text: 'y'.repeat(1025), attachments: [upload(Buffer.from('a'))] });
    expect(longCaption.body.error.code).toBe('E_TEXT_TOO_LONG');
    expect((await post({ text: '' })).status).toBe(400);
    const folder = await post({ text: 'x', attachments: [upload(Buffer.from('a'), { name: '../etc/passwd' })] });
    expect(folder.status).toBe(400);
    // A file for a reply that is refused (not the owner) does not stay in the store.
    const bob = await server.agent({ name: 'Bob' });
    const before = (await server.handle.desk.store.listRecords(STORED_FILES)).length;
    const notOwner = await server.call('POST', `/admin/v1/conversations/${id}/messages`, {
      token: bob.token,
      body: { text: 'x', attachments: [upload(Buffer.from('a'))] },
    });
    expect(notOwner.status).toBe(403);
    expect(await server.handle.desk.store.listRecords(STORED_FILES)).toHaveLength(before);
    // Nothing of the refused ones was written as a message.
    const messages = await server.handle.desk.store.listMessages(id);
    expect(messages.filter((m) => m.author === 'agent')).toEqual([]);
  });
});
