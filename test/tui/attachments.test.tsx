/**
 * Files in the conversation screen, driven with keys through
 * ink-testing-library against a real server over HTTP (HttpAdminClient): the
 * transcript lists what the customer sent (kind, name, size), `o` saves it to
 * a temporary file through the admin API and prints the path, and
 * `:attach <path> <caption>` sends a file to the customer. A small HTTP
 * server on loopback stands in for a Bot Framework channel's content URL.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { App } from '../../tui/app.js';
import { HttpAdminClient } from '../../tui/client.js';
import { LiveFeed } from '../../tui/state/live-feed.js';
import { type AdminTestServer, startAdminServer, type TestAgent } from '../server/admin/helpers.js';
import { KEYS, keyboardReady } from './helpers/render-app.js';

let server: AdminTestServer;
let ann: TestAgent;
let files: Server;
let dir: string;
/** Activities caredesk posted to the customer's service URL. */
const posted: Array<{ text?: string; attachments?: Array<{ contentType: string; contentUrl: string; name: string }> }> =
  [];
const picture = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 13) % 256));

beforeAll(async () => {
  server = await startAdminServer();
  ann = await server.agent({ name: 'Ann' });
  files = createServer((req, res) => {
    // Replies posted to the customer (the service URL) are taken; anything fetched is the picture.
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        posted.push(JSON.parse(Buffer.concat(chunks).toString() || '{}'));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `activity-${posted.length}` }));
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': picture.length });
    res.end(picture);
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  dir = mkdtempSync(join(tmpdir(), 'caredesk-tui-files-'));
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => files.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the conversation screen: files', () => {
  it('lists what the customer sent, saves it to a temp file with o, and sends a file with :attach', async () => {
    // The dev chat speaks Bot Framework: its files are content URLs, here on this machine (allowed without an app id).
    const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    const customer = {
      channel: 'devchat' as const,
      externalUserId: 'tui-files',
      displayName: 'Fay',
      replyContext: {
        channelId: 'devchat',
        serviceUrl: base,
        conversation: { id: 'conv-fay' },
        user: { id: 'tui-files', name: 'Fay' },
        bot: { id: 'caredesk', name: 'caredesk' },
      },
    };
    const first = await server.handle.desk.receive({
      ...customer,
      channelMessageId: 'tui-files-1',
      text: 'I want to talk to a human please',
    });
    await server.handle.desk.idle();
    if (first.status !== 'stored') throw new Error(`not stored: ${first.status}`);
    const id = first.conversation.id;
    await server.handle.desk.receive({
      ...customer,
      channelMessageId: 'tui-files-2',
      text: 'this is what the lights do',
      attachments: [
        { kind: 'image', ref: `${base}/router.png`, name: 'router.png', mimeType: 'image/png', size: picture.length },
      ],
    });
    await server.handle.desk.idle();
    expect((await server.handle.desk.store.getConversation(id))?.mode).toBe('queued');

    const client = new HttpAdminClient({ server: server.url, token: ann.token });
    const me = await client.me();
    const feed = new LiveFeed().start(client);
    const ui = render(<App client={client} feed={feed} me={me} bell={false} />);
    Object.defineProperty(ui.stdout, 'columns', { value: 120, configurable: true });
    Object.defineProperty(ui.stdout, 'rows', { value: 30, configurable: true });
    ui.stdout.emit('resize');
    try {
      await keyboardReady(ui.stdin);
      const frame = (): string => ui.lastFrame() ?? '';
      const see = async (text: string | RegExp): Promise<string> => {
        let seen = '';
        await vi.waitFor(
          () => {
            seen = frame();
            if (typeof text === 'string') expect(seen).toContain(text);
            else expect(seen).toMatch(text);
          },
          { timeout: 5000, interval: 10 },
        );
        return seen;
      };
      const press = async (...keys: string[]) => {
        for (const k of keys) {
          ui.stdin.write(k);
          await nextTurn();
        }
      };

      await see('this is what the lights do');
      await press(KEYS.enter);
      await see('Fay (customer)');
      await see('[#1 image · router.png · 600 B]');

      await press('o');
      const saved = await see(/File #1 \(600 B\) saved to (\S+)/);
      const path = /saved to (\S+)/.exec(saved)![1]!;
      expect(path.endsWith('router.png')).toBe(true);
      expect(readFileSync(path).equals(picture)).toBe(true);
      rmSync(join(path, '..'), { recursive: true, force: true });

      await press('c');
      await see(/Claimed \S+: it is yours now\./);
      const manual = join(dir, 'manual.pdf');
      writeFileSync(manual, Buffer.from('%PDF-1.4 the manual'));
      await press(':', ...`attach ${manual} here is the manual`, KEYS.enter);
      await see('Sent manual.pdf (19 B) to the customer.');
      await see('[#2 document · manual.pdf · 19 B]');
      const outbox = await server.handle.desk.store.listOutbox({ conversationId: id });
      expect(outbox.at(-1)).toMatchObject({
        text: 'here is the manual',
        attachments: [expect.objectContaining({ kind: 'document', name: 'manual.pdf', mimeType: 'application/pdf' })],
      });

      // Delivered over Bot Framework as an inline attachment (a data URL) with its name, the caption as the text.
      await vi.waitFor(() => expect(posted.some((a) => a.attachments?.length)).toBe(true), { timeout: 5000 });
      const activity = posted.find((a) => a.attachments?.length)!;
      expect(activity.text).toBe('here is the manual');
      expect(activity.attachments?.[0]).toEqual({
        contentType: 'application/pdf',
        name: 'manual.pdf',
        contentUrl: `data:application/pdf;base64,${Buffer.from('%PDF-1.4 the manual').toString('base64')}`,
      });

      // A path that is not there is said so, and nothing is sent.
      await press('A');
      await see('attach (path, then caption) ›');
      await press(...join(dir, 'nothing.pdf'), KEYS.enter);
      await see(`There is no file at ${join(dir, 'nothing.pdf')}.`);
    } finally {
      ui.unmount();
      feed.close();
    }
  });
});
