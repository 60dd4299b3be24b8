import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BOTFRAMEWORK_PATH,
  botframeworkChannel,
  isLoopback,
  MAX_ACTIVITY_DEPTH,
  serviceUrlPolicy,
} from '../../../bots/botframework/index.js';
import { type Desk, HumanDesk, OutboxDelivery, silentLogger } from '../../../core/index.js';
import { buildServer, loadConfig } from '../../../server/index.js';
import { echoDesk, until } from '../telegram/helpers.js';
import { type FakeChannel, fakeChannel } from './fake-channel.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

interface Running {
  desk: Desk;
  app: FastifyInstance;
  url: string;
  channel: FakeChannel;
  dispatcher: OutboxDelivery;
}

async function running(
  options: { appId?: string; appPassword?: string; serviceUrlHosts?: string[] } = {},
): Promise<Running> {
  const desk = await echoDesk();
  const bf = botframeworkChannel(desk, options, silentLogger);
  const app = buildServer({
    config: loadConfig({}),
    desk,
    human: new HumanDesk(desk),
    logger: pino({ level: 'silent' }),
    plugins: [(a) => bf.routes(a)],
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const channel = await fakeChannel();
  const dispatcher = new OutboxDelivery(desk, bf.senders, { sendTimeoutMs: 2_000, baseDelayMs: 10 });
  dispatcher.start();
  cleanup.push(async () => {
    await dispatcher.stop();
    await app.close();
    await channel.close();
    await desk.store.close();
  });
  return { desk, app, url, channel, dispatcher };
}

let n = 0;
const activity = (serviceUrl: string, extra: Record<string, unknown> = {}) => ({
  type: 'message',
  id: `a${++n}`,
  channelId: 'webchat',
  serviceUrl,
  from: { id: 'user-1', name: 'Grace' },
  recipient: { id: 'bot', name: 'caredesk' },
  conversation: { id: 'conv-1' },
  text: 'hello',
  ...extra,
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${BOTFRAMEWORK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('a Bot Framework customer (real HTTP to /api/messages, replies to a channel on loopback)', () => {
  it('says hello and gets a reply with suggested actions; pressing one is an action', async () => {
    const r = await running();
    expect((await post(r.url, activity(r.channel.serviceUrl))).status).toBe(200);
    const reply = await until(() => r.channel.received[0]);
    expect(reply.path).toContain('/v3/conversations/conv-1/activities');
    expect(reply.activity.text).toBe('You said: hello');
    expect(reply.activity.suggestedActions?.actions.map((a) => a.value)).toEqual(['yes', 'no']);

    await post(r.url, activity(r.channel.serviceUrl, { text: undefined, value: { value: 'yes' } }));
    await until(() => r.channel.received.find((x) => x.activity.text === 'You said: pressed yes'));
    const customer = await r.desk.store.findCustomerByIdentity('botframework', 'user-1');
    expect(customer?.displayName).toBe('Grace');
  });

  it('a message with nothing readable is stored as such and answered with what caredesk can read', async () => {
    const r = await running();
    expect((await post(r.url, activity(r.channel.serviceUrl, { text: undefined, id: 'empty-1' }))).status).toBe(200);
    await until(() => r.channel.received.find((x) => /can only read/.test(x.activity.text ?? '')));
    const customer = await r.desk.store.findCustomerByIdentity('botframework', 'user-1');
    const [conversation] = await r.desk.store.listConversations({ customerId: customer?.id });
    const messages = await r.desk.store.listMessages(conversation?.id ?? '');
    expect(messages.find((m) => m.author === 'customer')?.text).toMatch(/unsupported Bot Framework message/);
  });

  it('a customer joining (conversationUpdate) lets the flow greet them', async () => {
    const r = await running();
    const join = activity(r.channel.serviceUrl, {
      type: 'conversationUpdate',
      membersAdded: [{ id: 'user-9' }],
      text: undefined,
    });
    expect((await post(r.url, join)).status).toBe(200);
    await until(() => r.channel.received.find((x) => x.activity.text === 'You said: pressed conversation.start'));
  });

  it('a reply sent later (proactively) still reaches the customer’s conversation', async () => {
    const r = await running();
    await post(r.url, activity(r.channel.serviceUrl));
    await until(() => r.channel.received[0]);
    const customer = await r.desk.store.findCustomerByIdentity('botframework', 'user-1');
    const conversation = await r.desk.store.findOpenConversation(customer?.id ?? '');
    const { draftOutbound } = await import('../../../core/index.js');
    const out = draftOutbound({
      conversation: conversation!,
      customer: customer!,
      author: 'agent',
      text: 'An agent here: your refund is on its way.',
      now: new Date(),
    });
    await r.desk.store.commit({ messages: [out.message], outbox: [out.outbox!], events: [out.event] });
    r.desk.outbox.kick();
    await until(() => r.channel.received.find((x) => x.activity.text?.startsWith('An agent here')));
  });

  it('a channel answering 500 or nothing is retried; 403 is not', async () => {
    const r = await running();
    r.channel.script = [500, 'hang'];
    await post(r.url, activity(r.channel.serviceUrl));
    const entry = await until(async () => (await r.desk.store.listOutbox({ status: 'delivered' }))[0], 15_000);
    // botbuilder retries a 500 by itself once; the hang then costs one of our attempts.
    expect(entry.attempts).toBeGreaterThanOrEqual(2);
    expect(r.channel.received).toHaveLength(1);

    r.channel.script = [403];
    await post(r.url, activity(r.channel.serviceUrl, { text: 'again' }));
    await until(async () => (await r.desk.store.listOutbox({ status: 'failed' }))[0]);
    expect(r.channel.received).toHaveLength(1);
  });

  it('without an app id, only this machine may post', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('10.0.0.7')).toBe(false);
    expect(isLoopback('::ffff:192.168.1.2')).toBe(false);
  });

  it('a request from another machine is refused when no app id is set', async () => {
    const r = await running();
    const res = await r.app.inject({
      method: 'POST',
      url: BOTFRAMEWORK_PATH,
      remoteAddress: '203.0.113.5',
      payload: activity(r.channel.serviceUrl),
    });
    expect(res.statusCode).toBe(403);
    expect(await r.desk.store.countMessages()).toBe(0);
  });

  it('a request relayed by a proxy on this machine is refused without an app id: 403 naming the header, nothing stored', async () => {
    const r = await running();
    const relayed: Array<Record<string, string>> = [
      { 'x-forwarded-for': '203.0.113.5' },
      { forwarded: 'for=203.0.113.5' },
      { 'x-real-ip': '203.0.113.5' },
    ];
    for (const headers of relayed) {
      const res = await post(r.url, activity(r.channel.serviceUrl), headers);
      expect(res.status).toBe(403);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('E_FORBIDDEN');
      expect(body.error.message).toContain(Object.keys(headers)[0]);
      expect(body.error.message).toContain('MICROSOFT_APP_ID');
    }
    expect(await r.desk.store.countMessages()).toBe(0);
  });

  it('a serviceUrl that is not http(s), or not on this machine without an app id, is 400: nothing stored, nothing sent', async () => {
    const r = await running();
    const refused = [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'ftp://127.0.0.1/',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.7:8080',
      'http://internal.example.com',
      'https://webchat.botframework.com',
      'http://user:secret@127.0.0.1:1',
    ];
    for (const serviceUrl of refused) {
      const res = await post(r.url, activity(serviceUrl));
      expect(res.status, serviceUrl).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('E_INVALID_INPUT');
      expect(body.error.message, serviceUrl).toContain('serviceUrl');
    }
    expect(await r.desk.store.countMessages()).toBe(0);
    // The same service on this machine under another loopback name is fine.
    const port = new URL(r.channel.serviceUrl).port;
    expect((await post(r.url, activity(`http://localhost:${port}`))).status).toBe(200);
    await until(() => r.channel.received[0]);
  });

  it('BOTFRAMEWORK_SERVICE_URL_HOSTS lets replies go to the hosts it names, and only those', async () => {
    const r = await running({ serviceUrlHosts: ['*.example.net', 'bot.example.org'] });
    for (const ok of ['https://chat.example.net/api', 'http://bot.example.org']) {
      expect((await post(r.url, activity(ok))).status, ok).toBe(200);
    }
    for (const no of ['https://example.net', 'https://chat.example.net.evil.com', 'https://x.bot.example.org']) {
      expect((await post(r.url, activity(no))).status, no).toBe(400);
    }
    expect(await r.desk.store.countMessages()).toBeGreaterThanOrEqual(2);
  });

  it('with an app id, replies go over https to Microsoft’s channel hosts and the listed ones only', () => {
    const refusal = serviceUrlPolicy({ withCredentials: true, extraHosts: ['bot.example.com'] });
    for (const ok of [
      'https://smba.trafficmanager.net/amer/',
      'https://webchat.botframework.com/',
      'https://europe.directline.botframework.com/',
      'https://smba.infra.gov.teams.microsoft.us/teams',
      'https://webchat.botframework.azure.us/',
      'https://bot.example.com/',
      'http://bot.example.com/',
    ]) {
      expect(refusal(ok), ok).toBeUndefined();
    }
    for (const no of [
      'http://smba.trafficmanager.net/amer/',
      'https://evil.trafficmanager.net/',
      'https://botframework.com.evil.com/',
      'https://evilbotframework.com/',
      'http://127.0.0.1:3978/',
      'http://169.254.169.254/',
      'http://2130706433/',
    ]) {
      expect(refusal(no), no).toMatch(/serviceUrl/);
    }
    const trial = serviceUrlPolicy({ withCredentials: false });
    for (const ok of ['http://127.0.0.1:1', 'http://localhost:2', 'http://[::1]:3', 'https://127.8.9.10']) {
      expect(trial(ok), ok).toBeUndefined();
    }
    for (const no of [
      'http://0x7f000001.evil.com',
      'http://[::2]/',
      'http://0.0.0.0:1',
      'https://webchat.botframework.com',
    ]) {
      expect(trial(no), no).toMatch(/serviceUrl/);
    }
  });

  it('a reply is not posted to a stored conversation reference whose serviceUrl is no longer allowed', async () => {
    const r = await running();
    await r.desk.receive({
      channel: 'botframework',
      externalUserId: 'user-legacy',
      channelMessageId: 'legacy-1',
      text: 'stored before serviceUrl was checked',
      replyContext: { channelId: 'webchat', serviceUrl: 'http://169.254.169.254', conversation: { id: 'c' } },
    });
    const failed = await until(async () => (await r.desk.store.listOutbox({ status: 'failed' }))[0]);
    expect(failed.attempts).toBeLessThanOrEqual(1);
    expect(failed.lastError).toContain('169.254.169.254');
  });

  it('an activity nested thousands of levels deep is 400, not a stack overflow: nothing stored', async () => {
    const r = await running();
    // Written as text: building it with JSON.stringify would overflow this test's own stack.
    const deepText = (levels: number, open: string, close: string) =>
      `${open.repeat(levels)}"yes"${close.repeat(levels)}`;
    const withValue = (valueText: string) =>
      JSON.stringify(activity(r.channel.serviceUrl, { text: undefined })).replace(/}$/, `,"value":${valueText}}`);
    for (const value of [deepText(5_000, '{"inner":', '}'), deepText(5_000, '[', ']')]) {
      const res = await post(r.url, withValue(value));
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toContain(`nested more than ${MAX_ACTIVITY_DEPTH} levels`);
    }
    expect(await r.desk.store.countMessages()).toBe(0);
    // A card submit a few levels deep is still an action.
    expect((await post(r.url, withValue(deepText(5, '{"inner":', '}')))).status).toBe(200);
  });

  it('with an app id, a missing, garbage or forged token is 401 at once, and nothing is stored', async () => {
    const r = await running({ appId: '00000000-0000-0000-0000-000000000001', appPassword: 'secret' });
    const forged = [
      Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k' })).toString('base64url'),
      Buffer.from(JSON.stringify({ iss: 'https://api.botframework.com', aud: 'x', exp: 4102444800 })).toString(
        'base64url',
      ),
      'c2lnbmF0dXJl',
    ].join('.');
    for (const headers of [{}, { authorization: 'Bearer garbage' }, { authorization: `Bearer ${forged}` }] as Array<
      Record<string, string>
    >) {
      const started = Date.now();
      const res = await post(r.url, activity(r.channel.serviceUrl), headers);
      expect(res.status).toBe(401);
      expect(Date.now() - started).toBeLessThan(10_000);
    }
    expect(await r.desk.store.countMessages()).toBe(0);
  });

  it('thousands of malformed activities get 4xx: never a 500, never a store entry', async () => {
    const r = await running();
    const shapes: unknown[] = ['not json{', '[]', 'null', '{}', { type: 'message' }];
    let seed = 11;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const junk = (): unknown => pick([null, 1, -1, '', 'x', true, [], {}, { id: 5 }, 'http://', 'x'.repeat(600)]);
    for (let i = 0; i < 1500; i++) {
      const a: Record<string, unknown> = activity(r.channel.serviceUrl);
      for (const key of ['type', 'id', 'channelId', 'serviceUrl', 'from', 'conversation', 'text', 'attachments']) {
        if (random() < 0.3) a[key] = junk();
      }
      if (random() < 0.5) a.type = pick(['message', 'conversationUpdate', 'typing', 'event', 7]);
      // Half are broken for sure: no conversation at all.
      if (i % 2 === 0) delete a.conversation;
      shapes.push(a);
    }
    const statuses = new Set<number>();
    for (let i = 0; i < shapes.length; i += 50) {
      const answers = await Promise.all(shapes.slice(i, i + 50).map((s) => post(r.url, s)));
      for (const a of answers) statuses.add(a.status);
    }
    expect([...statuses].every((s) => s < 500)).toBe(true);
    expect(statuses.has(400)).toBe(true);
    const stored = await r.desk.store.countMessages();
    // Only well-formed activities may be stored, each with a valid customer.
    const conversations = await r.desk.store.listConversations();
    for (const c of conversations) expect(c.channel).toMatch(/botframework|devchat/);
    expect(stored).toBeLessThan(shapes.length / 2);
  });
});
