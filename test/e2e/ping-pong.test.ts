/**
 * A case whose only fitting agent stays silent, through the real server (its
 * own clockwork, real time, 1 s targets) and the Telegram emulator: the case
 * is taken from her, not handed straight back, given back after the cooldown,
 * and at the second silence escalated to the supervisors while the customer
 * reads, in their chat, that a supervisor has it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type ServerHandle, startServer } from '../../server/index.js';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';

const token = '6363:PING-PONG';
const COOLDOWN_MS = 1_000;

let emulator: Emulator | undefined;
let server: ServerHandle | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.close();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  server = emulator = dir = undefined;
});

describe('a customer whose only fitting agent stays silent', () => {
  it('is not bounced straight back to her, and after her second silence reads that a supervisor has the case', async () => {
    emulator = await startEmulator();
    dir = mkdtempSync(join(tmpdir(), 'caredesk-e2e-ping-pong-'));
    const configFile = join(dir, 'caredesk.json');
    const desk = {
      reassign: { onSilence: true, silentCooldown: COOLDOWN_MS, escalateAfterSilent: 2 },
      routing: { teams: [{ name: 'care', autoAssign: true }] },
      sla: {
        policies: [
          {
            name: 'fast',
            firstResponse: '1s',
            nextResponse: '1s',
            resolution: '1d',
            escalateAfter: '1h',
            businessHoursOnly: false,
          },
        ],
      },
    };
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
    const { agent } = await server.human.createAgent({ name: 'Ann' });
    await server.human.setPresence(agent.id, 'online');

    const client = emulator.server.getClient(token, { userId: 7101, chatId: 7101, firstName: 'Nora' });
    await client.sendMessage(client.makeMessage('I want to talk to a person'));
    const running = emulator;
    const chat = () => running.botMessages().map((m) => m.message.text);
    await until(() => chat().find((t) => /passing you to another person/.test(t)), 10_000);
    const supervisor = await until(() => chat().find((t) => /passed your case to a supervisor/.test(t)), 10_000);
    expect(supervisor).toBe(
      'We are sorry you are still waiting for an answer. We have passed your case to a supervisor, who will make sure someone answers you here as soon as possible.',
    );

    const events = (await server.desk.store.listEvents(0, 1_000)).filter((e) =>
      ['conversation.assigned', 'conversation.reassigned', 'conversation.escalated'].includes(e.type),
    );
    expect(events.map((e) => `${e.type}${e.data.reason ? `:${String(e.data.reason)}` : ''}`)).toEqual([
      'conversation.assigned',
      'conversation.reassigned:silent',
      'conversation.assigned',
      'conversation.reassigned:silent',
      'conversation.escalated:silent',
    ]);
    // Given back only once her cooldown was over, not in the same round that took it from her.
    const [, takenAt, givenBackAt] = events.map((e) => Date.parse(e.at));
    expect(givenBackAt! - takenAt!).toBeGreaterThanOrEqual(COOLDOWN_MS);
    const c = await server.desk.store.getConversation(events[0]!.conversationId!);
    expect(c).toMatchObject({ mode: 'queued', priority: 'high' });
    // The customer was told "another person" once, then "a supervisor": never twice the same thing.
    expect(chat().filter((t) => /passing you to another person/.test(t))).toHaveLength(1);
  }, 20_000);
});
