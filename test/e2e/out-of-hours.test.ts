/**
 * What a customer who asks for a person is told follows the desk's business
 * hours from the config file (`desk.sla.businessHours`), through the real
 * server and the Telegram emulator. The hours are built around the moment
 * the test runs, so it holds at any hour of any day.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type ServerHandle, startServer } from '../../server/index.js';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';

const token = '6262:OUT-OF-HOURS';
const allDay = [['00:00', '24:00']];
const everyDay = { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay };
const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

let emulator: Emulator | undefined;
let server: ServerHandle | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.close();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = emulator = dir = undefined;
});

async function askForAPerson(businessHours: unknown): Promise<string> {
  emulator = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), 'caredesk-e2e-hours-'));
  const configFile = join(dir, 'caredesk.json');
  writeFileSync(configFile, JSON.stringify({ desk: { sla: { businessHours } } }));
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    CAREDESK_DATA_DIR: join(dir, 'data'),
    CAREDESK_FSYNC: 'false',
    CAREDESK_CONFIG: configFile,
    TELEGRAM_BOT_TOKEN: token,
    TELEGRAM_API_ROOT: emulator.apiRoot,
  });
  server = await startServer(config, { handleSignals: false, logger: pino({ level: 'silent' }) });
  const client = emulator.server.getClient(token, { userId: 7001, chatId: 7001, firstName: 'Nora' });
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

describe('a customer who asks for a person', () => {
  it('is told when the team is back while the desk is closed (today is a holiday)', async () => {
    const now = Date.now();
    // A minute ahead too: should midnight (UTC) pass during the test, the next day is a holiday as well.
    const holidays = [...new Set([isoDay(now), isoDay(now + 60_000)])];
    const answer = await askForAPerson({ week: everyDay, holidays });
    expect(answer).toContain(`closed now and back on ${isoDay(now + 60_000 + 86_400_000)} 00:00 UTC`);
  });

  it('is told the expected wait while the desk is open', async () => {
    const answer = await askForAPerson({ week: everyDay });
    expect(answer).toMatch(/Expected wait: about \d+ min/);
  });
});
