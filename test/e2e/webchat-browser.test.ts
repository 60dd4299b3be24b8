/**
 * The real Web Chat widget (botframework-webchat's bundle, served by caredesk
 * at /webchat/) in headless Chromium, talking to a real caredesk server over
 * its own Direct Line: the visitor greets the care bot, presses a suggested
 * action, asks a question and then for a person; an agent answers through the
 * admin API (the widget shows the bot typing while they write) and the answer
 * appears in the widget; after a reload the whole transcript is still there.
 * A screenshot goes to test-artifacts/webchat.png.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type ServerHandle, startServer } from '../../server/index.js';
import { until } from '../bots/telegram/helpers.js';

const CHROMIUM = process.env.CAREDESK_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

let server: ServerHandle;
let browser: Browser | undefined;
let dataDir: string;

const MISSING = `Chromium is not at ${CHROMIUM}: the Web Chat browser test needs it. .ci/run installs it (apt-get install -y chromium); or set CAREDESK_CHROMIUM to a Chromium executable.`;

beforeAll(async () => {
  // Without Chromium the test itself fails with MISSING (a failed hook would only mark it skipped).
  if (!existsSync(CHROMIUM)) return;
  dataDir = mkdtempSync(join(tmpdir(), 'caredesk-webchat-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    CAREDESK_DATA_DIR: join(dataDir, 'data'),
    CAREDESK_FSYNC: 'false',
  });
  server = await startServer(config, { handleSignals: false, logger: pino({ level: 'silent' }) });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root in a container: no sandbox, no /dev/shm of size, no GPU.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--window-size=900,860'],
    defaultViewport: { width: 900, height: 860 },
  });
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read loosely here
async function api(token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}/admin/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const SENDBOX = '[data-id="webchat-sendbox-input"]';

async function say(page: Page, text: string): Promise<void> {
  await page.waitForSelector(SENDBOX, { visible: true });
  await page.type(SENDBOX, text);
  await page.keyboard.press('Enter');
}

/** Waits until the transcript shows `text` (Web Chat renders each activity as it arrives). */
async function sees(page: Page, text: string): Promise<void> {
  await page.waitForFunction(
    (t) => document.querySelector('#webchat')?.textContent?.includes(t),
    { timeout: 15_000 },
    text,
  );
}

const suggestedActions = (page: Page): Promise<string[]> =>
  page.$$eval('button.webchat__suggested-action', (buttons) => buttons.map((b) => b.textContent?.trim() ?? ''));

describe('Microsoft Web Chat in a browser, talking to caredesk', () => {
  it('a visitor talks to the care bot, is answered by an agent, and keeps the transcript after a reload', async () => {
    if (!browser) throw new Error(MISSING);
    const page = await browser.newPage();
    await page.goto(`${server.url}/webchat/`, { waitUntil: 'load' });

    await say(page, 'hi');
    await sees(page, 'virtual assistant of the customer care team');
    await until(async () => ((await suggestedActions(page)).includes('Internet and signal') ? true : undefined));

    // Pressing a suggested action: the flow gets its value, the transcript shows its label.
    await page.$$eval('button.webchat__suggested-action', (buttons) =>
      (buttons.find((b) => b.textContent?.trim() === 'Internet and signal') as HTMLButtonElement | undefined)?.click(),
    );
    await sees(page, 'one of these');

    await say(page, 'How do I pay my bill?');
    await sees(page, 'Did this solve your problem?');
    await until(async () => ((await suggestedActions(page)).length > 0 ? true : undefined));

    await say(page, 'I would like to talk to a person please');
    await sees(page, 'passing you to a person');

    // An agent takes the case in the admin API (as the TUI does) and answers; the widget shows it live.
    const { token } = await server.human.createAgent({ name: 'Ann' });
    await api(token, 'PUT', '/me/presence', { presence: 'online' });
    const queued = await until(async () => {
      const { conversations } = await api(token, 'GET', '/conversations?mode=queued&channel=webchat');
      return conversations[0] as { id: string } | undefined;
    });
    await api(token, 'POST', `/conversations/${queued.id}/claim`);
    // Ann writing in the TUI's reply box (what it reports to the admin API): the widget shows the bot typing.
    await api(token, 'POST', `/conversations/${queued.id}/viewers`, { activity: 'typing' });
    await page.waitForSelector('.webchat__typing-indicator', { visible: true, timeout: 15_000 });
    await api(token, 'POST', `/conversations/${queued.id}/viewers`, { activity: 'viewing' });
    await api(token, 'POST', `/conversations/${queued.id}/messages`, {
      text: 'Hi, I am Ann from the care team. I will look at your bill with you.',
    });
    await sees(page, 'I am Ann from the care team');

    // A reload continues the same conversation: the transcript comes back from the store by watermark.
    await page.reload({ waitUntil: 'load' });
    await sees(page, 'I am Ann from the care team');
    const transcript = (await page.$eval('#webchat', (el) => el.textContent ?? '')) as string;
    expect(transcript).toContain('virtual assistant of the customer care team');
    expect(transcript).toContain('How do I pay my bill?');
    expect(transcript).toContain('passing you to a person');

    await say(page, 'Thank you Ann!');
    const detail = await until(async () => {
      const d = await api(token, 'GET', `/conversations/${queued.id}`);
      return d.messages.some((m: { text: string }) => m.text === 'Thank you Ann!') ? d : undefined;
    });
    expect(detail.conversation.channel).toBe('webchat');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'webchat.png') });
  }, 60_000);
});
