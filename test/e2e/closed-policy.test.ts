/**
 * "We are closed now" follows the SLA policy of the customer's channel, not
 * only the desk's business hours: a channel whose policy runs around the
 * clock is never closed. Through the real server and the Telegram emulator;
 * today is a holiday in the business hours, so it holds at any hour.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type ServerHandle, startServer } from '../../server/index.js';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';

const token = '6464:CLOSED-POLICY';
const allDay = [['00:00', '24:00']];
const everyDay = { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay };
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const targets = { firstResponse: '1h', nextResponse: '4h', resolution: '3d' };

let emulator: Emulator | undefined;
let server: ServerHandle | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.close();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = emulator = dir = undefined;
});

/** What a Telegram customer asking for a person is told, the desk closed today by its business hours. */
async function askOnTelegram(aroundTheClockChannel: 'telegram' | 'botframework'): Promise<string> {
  const now = Date.now();
  // A minute ahead too: should midnight (UTC) pass during the test, the next day is a holiday as well.
  const holidays = [...new Set([isoDay(now), isoDay(now + 60_000)])];
  const desk = {
    sla: {
      businessHours: { week: everyDay, holidays },
      policies: [
        { name: 'office', ...targets, businessHoursOnly: true },
        { name: '24/7', channel: aroundTheClockChannel, ...targets, businessHoursOnly: false },
      ],
    },
  };
  emulator = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), 'caredesk-e2e-closed-policy-'));
  const configFile = join(dir, 'caredesk.json');
  writeFileSync(configFile, JSON.stringify({ desk }));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    CAREDESK_DATA_DIR: join(dir, 'data'),
    CAREDESK_FSYNC: 'false',
    CAREDESK_CONFIG: configFile,
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_API_ROOT: emulator.apiRoot,
  });
  server = await startServer(config, { handleSignals: false, logger: pino({ level: 'silent' }) });
  const client = emulator.server.getClient(token, { userId: 7201, chatId: 7201, firstName: 'Olga' });
  await client.sendMessage(client.makeMessage('I want to talk to a person'));
  const running = emulator;
  return until(
    () =>
      running
        .botMessages()
        .map((m) => m.message.text)
        .find((t) => /passing you to a person/.test(t)),
    20_000,
  );
}

describe('a customer who asks for a person outside the desk’s business hours', () => {
  it('on a channel whose policy runs 24/7 is handed off with the expected wait, never "we are closed"', async () => {
    const answer = await askOnTelegram('telegram');
    expect(answer).not.toMatch(/closed/i);
    expect(answer).toMatch(/Expected wait: about \d+ min/);
    const [c] = await server!.desk.store.listConversations({ modes: ['queued'] });
    expect(c?.mode).toBe('queued');
  });

  it('on a channel that follows the business hours is told the team is closed', async () => {
    const answer = await askOnTelegram('botframework');
    expect(answer).toContain('We are closed now');
  });
});
