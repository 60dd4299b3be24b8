/**
 * The database pulled away mid-load: a real `caredesk serve` on PostgreSQL,
 * customers writing on the Telegram emulator (behind the proxy that keeps
 * updates until the bot confirms them, as Telegram does), and the PostgreSQL
 * server stopped for 10 s and started again. Its own server: stopping the
 * run's shared one would pull it from under the other test files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../core/store/postgres/index.js';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { type Cluster, createTestDatabase, startCluster, type TestDatabase } from '../helpers/postgres.js';
import { type CaredeskProcess, stopServe } from './helpers/caredesk-process.js';
import { addAgent, adminClient, openDatabase, servePostgres } from './helpers/postgres-desk.js';
import { TelegramFaultProxy } from './helpers/telegram-proxy.js';

const token = '8484:POSTGRES-OUTAGE';
const OUTAGE_MS = 10_000;
let cluster: Cluster;
let db: TestDatabase;
let emulator: Emulator;
let proxy: TelegramFaultProxy;
let serve: CaredeskProcess | undefined;

beforeAll(async () => {
  cluster = await startCluster();
  db = await createTestDatabase({ serverUrl: cluster.url });
  emulator = await startEmulator();
  proxy = new TelegramFaultProxy(emulator.apiRoot);
  await proxy.start();
}, 60_000);
afterAll(async () => {
  await stopServe(serve);
  await proxy?.stop();
  await emulator?.stop();
  await cluster?.destroy();
});

const deliveredTo = (id: number): string[] => proxy.deliveredTo(id);

function customerWrites(id: number, line: string): Promise<unknown> {
  const client = emulator.server.getClient(token, { userId: id, chatId: id });
  return client.sendMessage(client.makeMessage(line));
}

describe('the database goes away for 10 s mid-load', () => {
  it('no acknowledged message is lost, no reply is sent twice, the log says it once, and caredesk goes on by itself', async () => {
    const supervisor = await addAgent(db.url, 'Sue', ['--role', 'supervisor']);
    serve = servePostgres(db.url, { TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_ROOT: proxy.apiRoot });
    const url = await serve.listening();
    const admin = adminClient(url, supervisor.token);

    // Customers write one line each, one customer every 100 ms, before, during and after the outage.
    const ids = Array.from({ length: 60 }, (_, i) => 70_000 + i);
    const line = 'my internet is very slow';
    const writing = (async () => {
      for (const id of ids) {
        await customerWrites(id, line);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await until(() => (proxy.delivered.length >= 5 ? true : undefined), 20_000).catch((err) => {
      throw new Error(`no replies: ${JSON.stringify(serve?.logs().slice(-10))}`, { cause: err });
    });
    await cluster.stop();
    const awayFrom = proxy.delivered.length;
    const writtenBefore = emulator.server.storage.userMessages.length;

    // While it is away: /healthz and the admin API say so, with a clear error.
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect((await health.json()).database).toMatchObject({ reachable: false });
    const listing = await fetch(`${url}/admin/v1/conversations`, {
      headers: { authorization: `Bearer ${supervisor.token}` },
    });
    expect(listing.status).toBe(503);
    expect((await listing.json()).error.code).toBe('E_STORE_UNAVAILABLE');
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const writtenDuring = emulator.server.storage.userMessages.length - writtenBefore;
    const sentDuring = proxy.delivered.length - awayFrom;
    await cluster.start();

    await writing;
    await until(() => (ids.every((id) => deliveredTo(id).length >= 2) ? true : undefined), 40_000);
    // One more second: a reply sent twice would show by now.
    await new Promise((r) => setTimeout(r, 1_000));

    // Customers wrote while the database was away, and nothing could be stored or sent meanwhile.
    expect(writtenDuring).toBeGreaterThan(20);
    expect(sentDuring).toBeLessThanOrEqual(2);
    const store = await openDatabase(db.url);
    const customerOf: string[] = [];
    try {
      for (const id of ids) {
        const customer = await store.findCustomerByIdentity('telegram', String(id));
        if (customer) customerOf.push(customer.id);
        const conversations = customer ? await store.listConversations({ customerId: customer.id }) : [];
        const wrote = (await Promise.all(conversations.map((c) => store.listMessages(c.id))))
          .flat()
          .filter((m) => m.author === 'customer')
          .map((m) => m.text);
        // Every line stored once: none lost, none taken twice from a redelivery.
        expect(wrote, `customer ${id}`).toEqual([line]);
        const replies = (await store.listOutbox()).filter((e) => e.recipient === String(id));
        // Every reply stored was sent, once, in order.
        expect(deliveredTo(id), `customer ${id}`).toEqual(replies.map((e) => e.text));
        expect(replies.every((e) => e.status === 'delivered')).toBe(true);
      }
    } finally {
      await store.close();
    }

    // The log says it once when it goes, once when it is back; not once per message.
    const logs = serve.logs().map((l) => String(l.msg));
    expect(logs.filter((m) => m.startsWith('the database cannot be reached'))).toHaveLength(1);
    expect(logs.filter((m) => m.startsWith('the database answers again'))).toHaveLength(1);
    // Nothing else is logged as an error: not each refused request, nor each background task that waited.
    const errors = serve.logs().filter((l) => Number(l.level) >= 50);
    expect(
      errors.map((l) => String(l.msg).slice(0, 30)),
      JSON.stringify(errors).slice(0, 2000),
    ).toEqual(['the database cannot be reached']);
    const after = await fetch(`${url}/healthz`);
    expect(after.status).toBe(200);
    expect((await after.json()).database).toMatchObject({ reachable: true, schemaVersion: SCHEMA_VERSION });
    expect((await admin('GET', `/customers/${customerOf[0]}/links`)).links).toEqual([]);
    console.info(
      `outage: ${writtenDuring} customer messages written while the database was away, ${sentDuring} replies sent meanwhile`,
    );
  }, 120_000);
});
