/**
 * Several `caredesk serve` processes on one PostgreSQL database as one desk
 * (issue 17): three real processes behind the test's round-robin proxy,
 * Telegram in webhook mode (updates posted to the proxy as Telegram does;
 * replies to the emulator behind the proxy that records each send and which
 * process made it) and Bot Framework customers on a fake channel. 50
 * customers talk at once; then the ownership races, each forced across two
 * processes.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed, onTestFinished } from 'vitest';
import type { FakeChannel } from '../bots/botframework/fake-channel.js';
import type { Emulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { clusterSurroundings, DeskCluster, type DeskProxy, settled } from './helpers/cluster.js';
import {
  BotFrameworkCustomer,
  EventStreamClient,
  queryDatabase,
  storedFor,
  WebhookCustomer,
} from './helpers/cluster-channels.js';
import { addAgent, adminClient } from './helpers/postgres-desk.js';
import type { TelegramFaultProxy } from './helpers/telegram-proxy.js';

const token = '9191:CLUSTER-DESK';
const secret = 'cluster-webhook-secret';
const SIZE = 3;
/** TELEGRAM_RATE_LIMIT of the desk: messages per second, all processes together. */
const RATE_LIMIT = 15;
let db: TestDatabase;
let emulator: Emulator;
let telegram: TelegramFaultProxy;
let channel: FakeChannel;
let cluster: DeskCluster | undefined;
let proxy: DeskProxy;
let sue: { id: string; token: string };
let ann: { id: string; token: string };
let bob: { id: string; token: string };
const startedAt = new Date();

beforeAll(async () => {
  ({ db, emulator, telegram, channel, proxy } = await clusterSurroundings(() => cluster));
  sue = await addAgent(db.url, 'Sue', ['--role', 'supervisor']);
  ann = await addAgent(db.url, 'Ann', ['--role', 'agent', '--languages', 'en']);
  bob = await addAgent(db.url, 'Bob', ['--role', 'agent', '--languages', 'en']);
  cluster = await DeskCluster.start({
    databaseUrl: db.url,
    size: SIZE,
    env: {
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_WEBHOOK_URL: `${proxy.url}/telegram/webhook`,
      TELEGRAM_WEBHOOK_SECRET: secret,
      // Below Telegram's 30/s, so that the 50 customers' burst needs more than the desk may send in a second.
      TELEGRAM_RATE_LIMIT: String(RATE_LIMIT),
    },
    envOf: ({ name }) => ({ TELEGRAM_API_ROOT: telegram.apiRootFor(name) }),
  });
  for (const agent of [sue, ann, bob])
    await adminClient(proxy.url, agent.token)('PUT', '/me/presence', { presence: 'online' });
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  await proxy?.stop();
  await channel?.close();
  await telegram?.stop();
  await emulator?.stop();
  await db?.drop();
}, 60_000);

/** The hand-off tells each customer their own place in the queue: the rest of the text is the same for all. */
const samePlace = (text: string): string =>
  text
    .replace(/Expected wait: .*/s, 'Expected wait: …')
    .replace(/You are number \d+ in line; .*/s, 'You are number … in line; …');

/** The admin API of one process, directly (not through the proxy). */
const direct = (name: string, agentToken: string) => adminClient(cluster?.member(name).url ?? '', agentToken);

/** The admin API through the proxy, pinned to one process. */
function on(name: string, agentToken: string) {
  return async (
    method: string,
    path: string,
  ): Promise<{ status: number; body: { error?: { code?: string } } & Record<string, unknown> }> => {
    const res = await fetch(`${proxy.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${agentToken}`, 'x-cluster-backend': name },
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  };
}

const lines = ['my internet is very slow', 'no', 'are you still there?'];

/** A Bot Framework customer whose conversation waits in the queue (asked for a person, on p0). */
async function queuedCustomer(tag: string): Promise<{ customer: BotFrameworkCustomer; id: string }> {
  const customer = new BotFrameworkCustomer(proxy.url, channel, `conv-${tag}`, tag, `Race ${tag}`);
  await customer.say('I would like to talk to a person please', 'p0');
  const id = await conversationOf(customer, 'queued');
  return { customer, id };
}

/** A customer the bot is talking to (mode bot): asked a question, got an answer. */
async function botCustomer(tag: string): Promise<{ customer: BotFrameworkCustomer; id: string }> {
  const customer = new BotFrameworkCustomer(proxy.url, channel, `conv-${tag}`, tag, `Race ${tag}`);
  await customer.say('my internet is very slow', 'p0');
  await until(() => (customer.replies().some((t) => /Did this solve/.test(t)) ? true : undefined), 20_000);
  const id = await conversationOf(customer, 'bot');
  return { customer, id };
}

async function conversationOf(customer: BotFrameworkCustomer, mode: string): Promise<string> {
  return until(async () => {
    const stored = await storedFor(db.url, 'botframework', customer.userId);
    return stored.conversations.find((c) => c.mode === mode)?.id;
  }, 20_000);
}

async function eventsOf(
  conversationId: string,
): Promise<Array<{ seq: string; type: string; agent_id: string | null }>> {
  return queryDatabase(db.url, 'SELECT seq, type, agent_id FROM events WHERE conversation_id = $1 ORDER BY seq', [
    conversationId,
  ]);
}

async function lastSeqOf(conversationId: string, type: string): Promise<number> {
  const [row] = await queryDatabase<{ seq: string | null }>(
    db.url,
    'SELECT max(seq) AS seq FROM events WHERE conversation_id = $1 AND type = $2',
    [conversationId, type],
  );
  return Number(row?.seq ?? 0);
}

async function conversation(conversationId: string): Promise<{ mode: string; assignee: string | null }> {
  const [row] = await queryDatabase<{ mode: string; assignee: string | null }>(
    db.url,
    'SELECT mode, assignee FROM conversations WHERE id = $1',
    [conversationId],
  );
  if (!row) throw new Error(`no conversation ${conversationId}`);
  return row;
}

describe('three caredesk processes on one database, behind a round-robin proxy', () => {
  // 40 on Telegram: 80 replies wanted in the first second, more than one bucket of 30 plus a second of 30/s.
  const tg = Array.from({ length: 40 }, (_, i) => 91_000 + i);
  const bf = Array.from({ length: 10 }, (_, i) => `bf-user-${i}`);
  const tgControl = 91_999;
  const bfControl = 'bf-control';
  let tgCustomers: WebhookCustomer[] = [];
  let bfCustomers: BotFrameworkCustomer[] = [];

  it('50 customers at once: every message stored once, every reply delivered once and in order per chat', async () => {
    onTestFailed(() => console.error(`the processes logged:\n${cluster?.errors()}`));
    // Two customers write to one process alone first: what one answer to these lines is.
    const tgOne = new WebhookCustomer(proxy.url, secret, tgControl, 'Control');
    const bfOne = new BotFrameworkCustomer(proxy.url, channel, `conv-${bfControl}`, bfControl, 'Control');
    for (const line of lines) {
      await tgOne.say(line, 'p0');
      await bfOne.say(line, 'p0');
    }
    await settled(
      () => telegram.delivered.length + channel.received.length,
      () => telegram.deliveredTo(tgControl).length >= 3 && bfOne.replies().length >= 3,
    );
    const tgWant = telegram.deliveredTo(tgControl).map(samePlace);
    const bfWant = bfOne.replies().map(samePlace);
    // The acknowledgement and the article with its question, the hand-off after "no", nothing the bot adds in the queue.
    expect(tgWant.length).toBeGreaterThanOrEqual(3);

    // 50 customers at once, each line acknowledged before the next; consecutive lines land on different processes.
    tgCustomers = tg.map((id) => new WebhookCustomer(proxy.url, secret, id, `Tg${id}`));
    bfCustomers = bf.map((u) => new BotFrameworkCustomer(proxy.url, channel, `conv-${u}`, u, `Bf ${u}`));
    const t0 = Date.now();
    await Promise.all([
      ...tgCustomers.map(async (c) => {
        for (const line of lines) await c.say(line);
      }),
      ...bfCustomers.map(async (c) => {
        for (const line of lines) await c.say(line);
      }),
    ]);
    const acknowledgedIn = Date.now() - t0;
    await settled(
      () => telegram.delivered.length + channel.received.length,
      () =>
        tg.every((id) => telegram.deliveredTo(id).length >= tgWant.length) &&
        bfCustomers.every((c) => c.replies().length >= bfWant.length),
    ).catch(() => undefined);
    const answeredIn = Date.now() - t0;
    console.info(
      `cluster: ${tg.length + bf.length} customers × ${lines.length} lines acknowledged in ${acknowledgedIn} ms, answered in ${answeredIn} ms; ` +
        `by process: ${JSON.stringify(
          countBy(
            proxy
              .acknowledged('/telegram/webhook')
              .concat(proxy.acknowledged('/api/messages'))
              .map((r) => r.backend ?? '?'),
          ),
        )}; ` +
        `Telegram sends by process: ${JSON.stringify(countBy(telegram.delivered.map((d) => d.by ?? '?')))}`,
    );

    // The lines were spread: every process acknowledged some (otherwise this proves nothing about several processes).
    const backends = new Set(proxy.acknowledged('/telegram/webhook').map((r) => r.backend));
    expect([...backends].sort()).toEqual(['p0', 'p1', 'p2']);

    for (const c of tgCustomers) {
      const stored = await storedFor(db.url, 'telegram', String(c.chatId));
      const got = telegram.deliveredTo(c.chatId);
      const sends = telegram.delivered
        .filter((d) => d.chatId === String(c.chatId))
        .map((d) => `${d.by}: ${d.text.slice(0, 24)}`);
      const context = `Telegram chat ${c.chatId}: stored ${JSON.stringify(stored)}; delivered ${JSON.stringify(sends)}`;
      // Every acknowledged line stored once, in the order written.
      expect(stored.wrote, context).toEqual(lines);
      // Answered as one process answers the same lines: each line once, in order.
      expect(
        stored.replies.map((r) => samePlace(r.text)),
        context,
      ).toEqual(tgWant);
      // Every stored reply delivered, once, in the stored order.
      expect(got, context).toEqual(stored.replies.map((r) => r.text));
      expect(
        stored.replies.every((r) => r.status === 'delivered'),
        context,
      ).toBe(true);
    }
    for (const c of bfCustomers) {
      const stored = await storedFor(db.url, 'botframework', c.userId);
      const got = c.replies();
      const context = `Bot Framework ${c.userId}: stored ${JSON.stringify(stored)}; delivered ${JSON.stringify(got)}`;
      expect(stored.wrote, context).toEqual(lines);
      expect(
        stored.replies.map((r) => samePlace(r.text)),
        context,
      ).toEqual(bfWant);
      expect(got, context).toEqual(stored.replies.map((r) => r.text));
    }
  }, 120_000);

  it('two messages of one customer posted at once to two processes: each stored once, stepped one after the other, each answered once', async () => {
    // The answers to the first two lines, from the control customer of the test above.
    const want = telegram.deliveredTo(91_999).map(samePlace).slice(0, 3);
    expect(want).toHaveLength(3);
    for (let round = 0; round < 3; round++) {
      const id = 91_900 + round;
      const c = new WebhookCustomer(proxy.url, secret, id, `Twice${round}`);
      // message_id and update_id follow the order written: the second line is the later one.
      await Promise.all([c.say(lines[0] as string, 'p1'), c.say(lines[1] as string, 'p2')]);
      await until(() => (telegram.deliveredTo(id).length >= 2 ? true : undefined), 20_000).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1_500));
      const stored = await storedFor(db.url, 'telegram', String(id));
      const context = `round ${round}: stored ${JSON.stringify(stored)}; delivered ${JSON.stringify(telegram.deliveredTo(id))}`;
      // Arriving at the same moment on two processes, they are taken in the order they reach the
      // customer's lock (as on one process taking two webhook calls at once): each once, one after the other.
      expect([...stored.wrote].sort(), context).toEqual(lines.slice(0, 2).sort());
      // In Telegram's order, the answers are exactly those one process gives the same two lines.
      if (stored.wrote[0] === lines[0]) {
        expect(
          stored.replies.map((r) => samePlace(r.text)),
          context,
        ).toEqual(want);
      } else {
        expect(stored.replies.length, context).toBeGreaterThanOrEqual(2);
      }
      expect(telegram.deliveredTo(id), context).toEqual(stored.replies.map((r) => r.text));
    }
  }, 90_000);

  it(`TELEGRAM_RATE_LIMIT (${RATE_LIMIT}/s) holds for the desk, not per process: a bucket of ${RATE_LIMIT} refilled ${RATE_LIMIT}/s, at most ${2 * RATE_LIMIT} in any second`, () => {
    // When each send left its process (reached the proxy in front of the emulator): what the limit governs.
    const at = telegram.delivered.map((d) => d.requestedAt ?? d.at).sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; j < at.length; j++) {
      while ((at[j] as number) - (at[i] as number) >= 1_000) i++;
      most = Math.max(most, j - i + 1);
    }
    console.info(`cluster: at most ${most} Telegram sends in one second, over ${at.length} sends`);
    // The burst above needed more than that: otherwise the bound proves nothing.
    expect(at.length).toBeGreaterThan(4 * RATE_LIMIT);
    // Two over, for the moment between a process taking its turn and its request reaching the proxy.
    expect(most).toBeLessThanOrEqual(2 * RATE_LIMIT + 2);
  });

  it('a 429 Telegram answers one process holds back every process for its retry_after', async () => {
    const retryAfterS = 2;
    telegram.floodRetryAfter = retryAfterS;
    telegram.floodNext = 1;
    const floodsBefore = telegram.floods.length;
    // The first reply p0 tries gets the 429.
    const first = new WebhookCustomer(proxy.url, secret, 92_000, 'Flooded');
    await first.say(lines[0] as string, 'p0');
    await until(() => telegram.floods[floodsBefore], 20_000);
    const flood = telegram.floods[floodsBefore] as { at: number; by?: string };
    expect(flood.by).toBe('p0');
    // Soon after (time for p0's word to reach the others), customers of p1 and p2 write: their
    // answers, which would go out at once, wait out p0's retry_after too.
    await new Promise((r) => setTimeout(r, 300));
    const others = [
      new WebhookCustomer(proxy.url, secret, 92_001, 'Held1'),
      new WebhookCustomer(proxy.url, secret, 92_002, 'Held2'),
    ];
    await Promise.all([others[0]?.say(lines[0] as string, 'p1'), others[1]?.say(lines[0] as string, 'p2')]);
    for (const c of [first, ...others])
      await until(() => (telegram.deliveredTo(c.chatId).length >= 2 ? true : undefined), 20_000);
    const sends = [first, ...others].flatMap((c) =>
      telegram.delivered
        .filter((d) => d.chatId === String(c.chatId))
        .map((d) => ({ by: d.by, at: d.requestedAt ?? d.at })),
    );
    const context = `429 to p0 at ${flood.at}; sends ${JSON.stringify(sends.map((x) => ({ by: x.by, after: x.at - flood.at })))}`;
    expect(new Set(sends.map((x) => x.by)), context).toEqual(new Set(['p0', 'p1', 'p2']));
    // Less a little: the signal reaches the others a moment after the 429 reached p0.
    for (const x of sends) expect(x.at - flood.at, context).toBeGreaterThanOrEqual(retryAfterS * 1000 - 150);
    // Each reply went out once, the one refused included.
    for (const c of [first, ...others]) {
      const stored = await storedFor(db.url, 'telegram', String(c.chatId));
      expect(telegram.deliveredTo(c.chatId), context).toEqual(stored.replies.map((r) => r.text));
    }
  }, 60_000);

  it('the queue, the KPIs and /healthz are the same from every process', async () => {
    const since = startedAt.toISOString();
    const views = await Promise.all(
      (cluster?.members ?? []).map(async (m) => {
        const api = direct(m.name, sue.token);
        const queued = await api('GET', '/conversations?mode=queued&limit=1000');
        const kpis = await api('GET', `/kpis?since=${encodeURIComponent(since)}`);
        const byChannel = await api('GET', `/kpis?since=${encodeURIComponent(since)}&by=channel`);
        const health = await cluster?.healthz(m.name);
        return {
          queue: queued.conversations.map((c: Record<string, unknown>) => ({
            id: c.id,
            mode: c.mode,
            channel: c.channel,
            assignee: c.assignee ?? null,
            priority: c.priority,
          })),
          kpis: kpis.kpis,
          byChannel: byChannel.kpis,
          conversations: health?.body?.conversations,
        };
      }),
    );
    // Every case the database has in the queue, from every process: the desk's queue, not one process's view.
    const [{ queued } = { queued: '0' }] = await queryDatabase<{ queued: string }>(
      db.url,
      "SELECT count(*) AS queued FROM conversations WHERE mode = 'queued'",
    );
    expect(Number(queued)).toBeGreaterThanOrEqual(tg.length + bf.length);
    expect(views.map((v) => v.queue.length)).toEqual(views.map(() => Number(queued)));
    for (const v of views.slice(1)) expect(v).toEqual(views[0]);
  });

  it('/healthz says which process answered, and which one holds the duties (exactly one)', async () => {
    const health = await Promise.all((cluster?.members ?? []).map((m) => cluster?.healthz(m.name)));
    const processes = health.map((h) => h?.body?.process);
    expect(processes.map((p) => p?.name)).toEqual(['p0', 'p1', 'p2']);
    expect(processes.filter((p) => p?.duties === true)).toHaveLength(1);
  });

  describe('live events cross processes', () => {
    it('a stream on p0 sees, within 2 s, a message ingested by p1, a claim made on p2, and who views a case on p1', async () => {
      const stream = new EventStreamClient(proxy.url, sue.token, 'p0');
      stream.start();
      try {
        await until(() => (stream.connections.length ? true : undefined), 10_000);
        await new Promise((r) => setTimeout(r, 500));
        const { customer, id } = await queuedCustomer('live-0');
        const latency = async (action: () => Promise<unknown>, type: string): Promise<number> => {
          const before = await lastSeqOf(id, type);
          await action();
          const done = Date.now();
          const seq = await until(async () => {
            const s = await lastSeqOf(id, type);
            return s > before ? s : undefined;
          }, 10_000);
          await until(() => (stream.events.some((e) => e.seq === seq) ? true : undefined), 10_000).catch(
            () => undefined,
          );
          const seen = stream.events.find((e) => e.seq === seq);
          return seen ? seen.at - done : Number.POSITIVE_INFINITY;
        };
        // Quiet first: nothing else happens on p0 that could make it look at the database by chance.
        await new Promise((r) => setTimeout(r, 1_000));
        const message = await latency(() => customer.say('are you there?', 'p1'), 'message.received');
        const claim = await latency(
          () => on('p2', ann.token)('POST', `/conversations/${id}/claim`),
          'conversation.assigned',
        );
        const viewedAt = Date.now();
        const viewing = await fetch(`${proxy.url}/admin/v1/conversations/${id}/viewers`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${ann.token}`,
            'content-type': 'application/json',
            'x-cluster-backend': 'p1',
          },
          body: JSON.stringify({ activity: 'viewing' }),
        });
        expect(viewing.status).toBe(200);
        await until(() => (stream.viewerChanges.some((v) => v.conversationId === id) ? true : undefined), 5_000).catch(
          () => undefined,
        );
        const seenViewer = stream.viewerChanges.find((v) => v.conversationId === id);
        const viewer = seenViewer ? seenViewer.at - viewedAt : Number.POSITIVE_INFINITY;
        console.info(
          `live events to a stream on p0: message on p1 ${message} ms, claim on p2 ${claim} ms, viewer on p1 ${viewer} ms`,
        );
        expect(message).toBeLessThanOrEqual(2_000);
        expect(claim).toBeLessThanOrEqual(2_000);
        expect(viewer).toBeLessThanOrEqual(2_000);
        // Every stored event, in order, no gap: what the stream shows is the desk's, not p0's.
        const seqs = stream.events.map((e) => e.seq);
        expect(seqs.slice(1).filter((q, i) => q !== (seqs[i] as number) + 1)).toEqual([]);
      } finally {
        await stream.stop();
      }
    }, 60_000);
  });

  describe('ownership races, each forced across two processes: exactly one winner', () => {
    it('two claims of one queued conversation on two processes: one 200, one 409 E_CLAIM_CONFLICT, one assignee', async () => {
      for (let round = 0; round < 5; round++) {
        const { id } = await queuedCustomer(`claims-${round}`);
        const [a, b] = await Promise.all([
          on('p1', ann.token)('POST', `/conversations/${id}/claim`),
          on('p2', bob.token)('POST', `/conversations/${id}/claim`),
        ]);
        const context = `round ${round}: ${JSON.stringify([a, b])}`;
        expect([a.status, b.status].sort(), context).toEqual([200, 409]);
        const loser = a.status === 409 ? a : b;
        expect(loser.body.error?.code, context).toBe('E_CLAIM_CONFLICT');
        const winner = a.status === 200 ? ann : bob;
        expect(await conversation(id), context).toMatchObject({ mode: 'agent', assignee: winner.id });
        const assigned = (await eventsOf(id)).filter((e) => e.type === 'conversation.assigned');
        expect(
          assigned.map((e) => e.agent_id),
          context,
        ).toEqual([winner.id]);
      }
    }, 90_000);

    it('a claim and a takeover at once on two processes (queued, and with the bot): one winner, who owns it', async () => {
      const cases = [
        ...(await Promise.all([0, 1, 2].map((r) => queuedCustomer(`claim-takeover-q${r}`)))),
        ...(await Promise.all([0, 1, 2].map((r) => botCustomer(`claim-takeover-b${r}`)))),
      ];
      for (const [round, { id }] of cases.entries()) {
        const [claim, takeover] = await Promise.all([
          on('p1', ann.token)('POST', `/conversations/${id}/claim`),
          on('p2', sue.token)('POST', `/conversations/${id}/takeover`),
        ]);
        const context = `case ${round}: claim ${JSON.stringify(claim)}, takeover ${JSON.stringify(takeover)}`;
        const wins = [claim, takeover].filter((r) => r.status === 200);
        expect(wins, context).toHaveLength(1);
        const loser = claim.status === 200 ? takeover : claim;
        expect(loser.status, context).toBe(409);
        expect(['E_CLAIM_CONFLICT', 'E_INVALID_STATE'], context).toContain(loser.body.error?.code);
        const winner = claim.status === 200 ? ann : sue;
        expect(await conversation(id), context).toMatchObject({ mode: 'agent', assignee: winner.id });
        const assigned = (await eventsOf(id)).filter((e) => e.type === 'conversation.assigned');
        expect(
          assigned.map((e) => e.agent_id),
          context,
        ).toEqual([winner.id]);
      }
    }, 90_000);

    it('a claim and a takeover while the bot hands the case off on a third process: at most one winner, who owns it', async () => {
      for (let round = 0; round < 4; round++) {
        const { customer, id } = await botCustomer(`handoff-race-${round}`);
        const [, takeover, claim] = await Promise.all([
          customer.say('I would like to talk to a person please', 'p0'),
          on('p1', sue.token)('POST', `/conversations/${id}/takeover`),
          // A little later: a claim of what the hand-off may just have queued.
          new Promise((r) => setTimeout(r, 30)).then(() => on('p2', ann.token)('POST', `/conversations/${id}/claim`)),
        ]);
        await new Promise((r) => setTimeout(r, 1_000));
        const context = `round ${round}: takeover ${JSON.stringify(takeover)}, claim ${JSON.stringify(claim)}`;
        const wins = [takeover, claim].filter((r) => r.status === 200);
        expect(wins.length, context).toBeLessThanOrEqual(1);
        for (const r of [takeover, claim]) expect([200, 409], context).toContain(r.status);
        const assigned = (await eventsOf(id)).filter((e) => e.type === 'conversation.assigned');
        const now = await conversation(id);
        if (wins.length === 1) {
          const winner = takeover.status === 200 ? sue : ann;
          expect(now, context).toMatchObject({ mode: 'agent', assignee: winner.id });
          expect(
            assigned.map((e) => e.agent_id),
            context,
          ).toEqual([winner.id]);
        } else {
          // Nobody won: the hand-off queued it after the takeover was refused and before the claim... or the other way.
          expect(now, context).toMatchObject({ mode: 'queued', assignee: null });
          expect(assigned, context).toEqual([]);
        }
      }
    }, 90_000);

    it('a customer message and a hand-back at once on two processes: the bot says it is back once, and answers the message if it came after', async () => {
      const orders: string[] = [];
      onTestFinished(() => console.info(`hand-back race, rounds: ${orders.join(', ')}`));
      for (let round = 0; round < 4; round++) {
        const { customer, id } = await queuedCustomer(`handback-${round}`);
        expect((await on('p1', ann.token)('POST', `/conversations/${id}/claim`)).status).toBe(200);
        const before = customer.replies().length;
        const [, release] = await Promise.all([
          customer.say('my internet is very slow', 'p0'),
          on('p2', ann.token)('POST', `/conversations/${id}/release`),
        ]);
        const context = (): string =>
          `round ${round}: release ${JSON.stringify(release)}; replies ${JSON.stringify(customer.replies().slice(before))}`;
        expect(release.status, context()).toBe(200);
        const back = /I am back/;
        await until(
          () =>
            customer
              .replies()
              .slice(before)
              .some((t) => back.test(t))
              ? true
              : undefined,
          20_000,
        );
        const stored = await storedFor(db.url, 'botframework', customer.userId);
        expect(
          stored.wrote.filter((t) => t === 'my internet is very slow'),
          context(),
        ).toHaveLength(1);
        const events = await eventsOf(id);
        const released = events.find((e) => e.type === 'conversation.released');
        const received = events.filter((e) => e.type === 'message.received').at(-1);
        const after = Number(received?.seq) > Number(released?.seq);
        orders.push(after ? 'message after the hand-back' : 'message before');
        if (after) {
          // The message came after the hand-back: the bot, back in charge, answers it (after saying it is back).
          await until(
            () =>
              customer
                .replies()
                .slice(before)
                .some((t) => /Did this solve/.test(t))
                ? true
                : undefined,
            15_000,
          ).catch(async () => {
            const types = (await eventsOf(id)).map((e) => e.type);
            throw new Error(
              `the bot did not answer the message after the hand-back: ${context()}; events ${JSON.stringify(types)}`,
            );
          });
        } else {
          await new Promise((r) => setTimeout(r, 1_000));
        }
        const replies = customer.replies().slice(before);
        expect(
          replies.filter((t) => back.test(t)),
          context(),
        ).toHaveLength(1);
        const solved = replies.findIndex((t) => /Did this solve/.test(t));
        if (after) expect(solved, context()).toBeGreaterThan(replies.findIndex((t) => back.test(t)));
        // Before the hand-back, the message was the agent's to answer: the bot did not.
        else expect(solved, context()).toBe(-1);
        expect((await conversation(id)).mode, context()).toBe('bot');
      }
    }, 120_000);

    it('a resolve during a bot turn on another process: resolved once, the survey asked once, and the flow is not rolled back', async () => {
      const orders: string[] = [];
      onTestFinished(() => console.info(`resolve during a bot turn, rounds: ${orders.join(', ')}`));
      for (let round = 0; round < 4; round++) {
        const customer = new BotFrameworkCustomer(proxy.url, channel, `conv-resolve-${round}`, `resolve-${round}`, 'R');
        await customer.say('hello', 'p0');
        const id = await conversationOf(customer, 'bot');
        const before = customer.replies().length;
        const [, resolve] = await Promise.all([
          customer.say('my internet is very slow', 'p0'),
          on('p1', sue.token)('POST', `/conversations/${id}/resolve`),
        ]);
        const context = (): string =>
          `round ${round}: resolve ${JSON.stringify(resolve)}; replies ${JSON.stringify(customer.replies().slice(before))}`;
        expect(resolve.status, context()).toBe(200);
        const csat = /How satisfied are you/;
        await until(
          () =>
            customer
              .replies()
              .slice(before)
              .some((t) => csat.test(t))
              ? true
              : undefined,
          20_000,
        );
        await new Promise((r) => setTimeout(r, 1_000));
        const events = await eventsOf(id);
        expect(
          events.filter((e) => e.type === 'conversation.resolved'),
          context(),
        ).toHaveLength(1);
        expect(
          customer
            .replies()
            .slice(before)
            .filter((t) => csat.test(t)),
          context(),
        ).toHaveLength(1);
        const replies = customer.replies().slice(before);
        const received = events.filter((e) => e.type === 'message.received').map((e) => Number(e.seq));
        const resolvedSeq = Number(events.find((e) => e.type === 'conversation.resolved')?.seq);
        const types = events.map((e) => e.type);
        const detail = `${context()}; events ${JSON.stringify(types)}`;
        // The raced message is in this case, before the resolve: the bot's turn came first.
        const turnFirst = received.length >= 2 && (received[1] as number) < resolvedSeq;
        orders.push(turnFirst ? 'turn first' : 'resolve first');
        if (turnFirst) {
          // The bot's turn came first: the survey follows it, nothing of
          // the turn comes after the survey, and the flow is in the survey (a turn that wrote its stale
          // snapshot over the resolve would have lost it).
          expect(replies.at(-1), detail).toMatch(csat);
          expect((await conversation(id)).mode, detail).toBe('resolved');
          await customer.say('5', 'p2');
          await until(
            () => (customer.replies().some((t) => /How easy was it/.test(t)) ? true : undefined),
            15_000,
          ).catch(async () => {
            const after = (await eventsOf(id)).map((e) => e.type);
            throw new Error(
              `the survey did not go on after "5": ${detail}; then ${JSON.stringify(customer.replies().slice(before))}; events ${JSON.stringify(after)}`,
            );
          });
        } else {
          // The resolve came first: the bot may answer the message only in a new case, or as a new turn of
          // this case reopened, never as the old turn on the snapshot from before the resolve.
          const stored = await storedFor(db.url, 'botframework', customer.userId);
          const newCase = stored.conversations.length > 1 && stored.conversations.at(-1)?.id !== id;
          const reopened = types.slice(types.indexOf('conversation.resolved')).includes('conversation.reopened');
          expect(newCase || reopened, `${detail}; conversations ${JSON.stringify(stored.conversations)}`).toBe(true);
        }
      }
    }, 120_000);
  });
});

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
