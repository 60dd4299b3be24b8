import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Telegram } from 'telegraf';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramSender } from '../../../bots/telegram/index.js';
import { SendLimiter } from '../../../bots/telegram/rate-limit.js';
import { Desk, draftOutbound, ManualClock, MemoryStore, OutboxDelivery, type PassResult } from '../../../core/index.js';

type Answer = 'ok' | '429' | '500' | 'bare500' | 'timeout' | '403';

/** A Bot API that answers sendMessage from a script, and counts what it accepted. */
async function fakeBotApi(script: Answer[]): Promise<{ apiRoot: string; accepted: string[]; close(): void }> {
  const accepted: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const answer = script.shift() ?? 'ok';
      const json = (status: number, payload: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      if (answer === 'timeout') return; // never answers
      if (answer === 'bare500') {
        res.writeHead(500);
        return res.end();
      }
      if (answer === '429')
        return json(429, {
          ok: false,
          error_code: 429,
          description: 'Too Many Requests',
          parameters: { retry_after: 3 },
        });
      if (answer === '500') return json(500, { ok: false, error_code: 500, description: 'Internal Server Error' });
      if (answer === '403')
        return json(403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
      const text = String(JSON.parse(body || '{}').text ?? '');
      accepted.push(text);
      json(200, { ok: true, result: { message_id: accepted.length, date: 1, chat: { id: 1, type: 'private' }, text } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    accepted,
    close: () => server.closeAllConnections?.() ?? server.close(),
  };
}

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

async function setup(script: Answer[]): Promise<{
  desk: Desk;
  clock: ManualClock;
  accepted: string[];
  pass: () => Promise<PassResult>;
}> {
  const api = await fakeBotApi(script);
  cleanup.push(api.close);
  const clock = new ManualClock();
  const store = new MemoryStore();
  await store.open();
  const desk = new Desk({ store, clock });
  const sender = new TelegramSender(
    new Telegram('1:x', { apiRoot: api.apiRoot }),
    new SendLimiter({ globalPerSecond: 1000, perChatPerSecond: 1000, perChatBurst: 1000 }, () => clock.now().getTime()),
  );
  const dispatcher = new OutboxDelivery(desk, [sender], { sendTimeoutMs: 300, baseDelayMs: 1000, random: () => 0 });
  const r = await desk.receive({ channel: 'telegram', externalUserId: '9', channelMessageId: 'u1', text: 'hi' });
  if (r.status !== 'stored') throw new Error('not stored');
  for (const text of ['first', 'second']) {
    const out = draftOutbound({
      conversation: r.conversation,
      customer: r.customer,
      author: 'bot',
      text,
      now: clock.now(),
    });
    await store.commit({ messages: [out.message], outbox: out.outbox ? [out.outbox] : [], events: [out.event] });
  }
  return { desk, clock, accepted: api.accepted, pass: () => dispatcher.runOnce() };
}

/** Runs passes, moving the clock a minute between them, until nothing is pending. */
async function drain(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  for (let i = 0; i < 10 && (await s.desk.store.listOutbox({ status: 'pending' })).length > 0; i++) {
    await s.pass();
    s.clock.advance(60_000);
  }
}

describe('Telegram delivery when the Bot API misbehaves', () => {
  it.each<[string, Answer[]]>([
    ['429 with retry_after', ['429']],
    ['500 with a JSON body', ['500', '500']],
    ['a bare 500', ['bare500']],
    ['a timeout', ['timeout']],
  ])('%s: every reply arrives exactly once, in order', async (_name, script) => {
    const s = await setup(script);
    await drain(s);
    expect(s.accepted).toEqual(['first', 'second']);
    expect((await s.desk.store.listOutbox()).map((e) => e.status)).toEqual(['delivered', 'delivered']);
  });

  it('429 waits as long as Telegram asks before trying again', async () => {
    const s = await setup(['429']);
    await s.pass();
    s.clock.advance(2_999);
    await s.pass();
    expect(s.accepted).toEqual([]);
    s.clock.advance(1);
    await s.pass();
    expect(s.accepted).toEqual(['first', 'second']);
  });

  it('403 (the customer blocked the bot) marks them unreachable and is not retried', async () => {
    const s = await setup(['403', '403']);
    await drain(s);
    expect(s.accepted).toEqual([]);
    expect((await s.desk.store.listOutbox()).map((e) => e.status)).toEqual(['failed', 'failed']);
    const customer = await s.desk.store.findCustomerByIdentity('telegram', '9');
    expect(customer?.identities[0]?.unreachableSince).toBeDefined();
  });
});
