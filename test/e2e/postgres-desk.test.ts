/**
 * The desk on PostgreSQL end to end: real `caredesk serve` processes with
 * CAREDESK_STORE=postgres on a test database of their own, a customer on
 * Telegram (the emulator), and an agent working through the admin API over
 * HTTP. A restart in the middle shows the case lives in the database.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { SCHEMA_VERSION } from '../../core/store/postgres/index.js';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { type CaredeskProcess, stopServe } from './helpers/caredesk-process.js';
import {
  addAgent,
  adminClient,
  caredeskOn,
  loggedErrors,
  servePostgres,
  telegramCustomer,
} from './helpers/postgres-desk.js';

const token = '7272:POSTGRES-DESK';
let db: TestDatabase;
let emulator: Emulator;
let serve: CaredeskProcess | undefined;
let url: string;
let ann: { id: string; token: string };

async function start(): Promise<string> {
  serve = servePostgres(db.url, { TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: emulator.apiRoot });
  url = await serve.listening();
  return url;
}

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  emulator = await startEmulator();
  ann = await addAgent(db.url, 'Ann', ['--role', 'agent', '--languages', 'en']);
  await start();
}, 60_000);
afterAll(async () => {
  await stopServe(serve);
  await emulator?.stop();
  await db?.drop();
});

describe('caredesk serve on PostgreSQL', () => {
  it('GET /healthz says the database is reachable, at the current schema version, and how its connections are used', async () => {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      status: 'ok',
      conversations: expect.any(Number),
      database: {
        reachable: true,
        schemaVersion: SCHEMA_VERSION,
        expectedSchemaVersion: SCHEMA_VERSION,
        pool: { max: 4, size: expect.any(Number), idle: expect.any(Number), waiting: 0 },
      },
    });
    expect(body.database.pool.size).toBeGreaterThanOrEqual(body.database.pool.idle);
    expect(body.database.pool.size).toBeLessThanOrEqual(4);
    // From this machine the store is named by its database, never with the password.
    expect(body.store).toContain(new URL(db.url).pathname.slice(1));
    expect(body.store).not.toContain(new URL(db.url).password);
  });

  it('the life of a case: handed off, claimed, answered in Telegram, resolved, surveyed, and in the KPIs after a restart', async () => {
    onTestFailed(() => console.error(`the server logged:\n${loggedErrors(serve)}`));
    const api = adminClient(url, ann.token);
    await api('PUT', '/me/presence', { presence: 'online' });
    const ada = telegramCustomer(emulator, token, 9101, 'Ada');

    // The customer asks for a person: the care flow queues the case and tells the expected wait.
    await ada.say('Hello, I would like to talk to a person please');
    expect(await ada.receives(/Expected wait: about \d+ min/)).toMatch(/passing you to a person/);
    const queued = await until(async () => {
      const { conversations } = await api('GET', '/conversations?mode=queued&channel=telegram');
      return conversations.find((c: { customer: { displayName?: string } }) => c.customer.displayName === 'Ada');
    });
    expect(queued).toMatchObject({ mode: 'queued', handoffReason: 'customer asked for a person' });
    const id: string = queued.id;

    // The agent claims it and answers; the answer reaches the customer in Telegram.
    const claimed = await api('POST', `/conversations/${id}/claim`);
    expect(claimed.conversation).toMatchObject({ mode: 'agent' });
    await api('POST', `/conversations/${id}/messages`, { text: 'Hi Ada, I am Ann from the team. How can I help?' });
    await ada.receives(/Hi Ada, I am Ann/);

    // The agent resolves it; the survey follows in Telegram and the customer answers it.
    const before = ada.inbox().length;
    const resolved = await api('POST', `/conversations/${id}/resolve`);
    expect(resolved.conversation).toMatchObject({ mode: 'resolved' });
    await ada.receives(/How satisfied are you/, before);
    await ada.say('5');
    await ada.receives(/How easy was it/, before);
    await ada.say('4');
    await ada.receives(/Thank you for your feedback/, before);

    // A new server on the same database sees the whole case: it is in PostgreSQL, not in the first process.
    await stopServe(serve);
    await start();
    const again = adminClient(url, ann.token);
    const detail = await again('GET', `/conversations/${id}`);
    expect(detail.conversation).toMatchObject({ mode: 'resolved', resolvedAt: expect.any(String) });
    expect(detail.messages.map((m: { author: string; text: string }) => `${m.author}: ${m.text}`)).toEqual(
      expect.arrayContaining([
        'customer: Hello, I would like to talk to a person please',
        'agent: Hi Ada, I am Ann from the team. How can I help?',
        'customer: 5',
        'customer: 4',
      ]),
    );
    const kpis = await again('GET', '/kpis?since=1h');
    expect(kpis.kpis.all).toMatchObject({
      conversations: 1,
      handoffRate: 1,
      resolved: 1,
      firstResponseMs: { count: 1 },
      csat: { average: 5, count: 1, distribution: { '5': 1 } },
      effortAverage: 4,
    });
    const byAgent = await again('GET', '/kpis?since=1h&by=agent');
    expect(byAgent.kpis[ann.id]).toMatchObject({ resolved: 1, csat: { average: 5, count: 1 } });

    // The operator's report, from the command line on the same database, says the same.
    const report = await caredeskOn(db.url, ['report', '--since', '1h', '--by', 'agent', '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toMatchObject({
      by: 'agent',
      groups: { [ann.id]: { resolved: 1, csat: { average: 5, count: 1 } } },
      agents: { [ann.id]: 'Ann' },
    });
  }, 90_000);
});
