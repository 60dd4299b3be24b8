/**
 * Direct Line 3.0 as Web Chat speaks it, against a real caredesk server (care
 * flow, outbox) over real HTTP and WebSockets: tokens, conversations, the
 * visitor's messages and the desk's replies by watermark and live, the
 * transcript after a reload, identified visitors, and every refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUserId, TokenMinter } from '../../../bots/directline/index.js';
import type { ServerHandle } from '../../../server/index.js';
import { until } from '../telegram/helpers.js';
import { type Activity, call, SECRET, SHOP, Stream, startVisitor, webchatServer } from './helpers.js';

let server: ServerHandle;
let base: string;
const streams: Stream[] = [];
let address = 0;
/** A fresh visitor address per use (X-Forwarded-For through TRUST_PROXY). */
const nextAddress = () => `203.0.113.${++address}`;

beforeAll(async () => {
  server = await webchatServer();
  base = server.url;
});
afterAll(async () => {
  for (const s of streams) s.close();
  await server?.close();
});

const open = async (url: string) => {
  const s = await Stream.open(url);
  streams.push(s);
  return s;
};
const fromBot = (pattern: RegExp) => (a: Activity) => a.from.role === 'bot' && pattern.test(a.text ?? '');

describe('a Web Chat visitor over Direct Line', () => {
  it('says hi and gets the care bot’s greeting with its topics as suggested actions, live and by watermark', async () => {
    const visitor = await startVisitor(base, nextAddress());
    expect(visitor.streamUrl).toMatch(
      new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/directline/conversations/${visitor.conversationId}/stream\\?t=`),
    );
    const stream = await open(visitor.streamUrl);

    const posted = await visitor.say('hi');
    expect(posted.status).toBe(200);
    expect(posted.body.id).toMatch(new RegExp(`^${visitor.conversationId}\\|\\d{7}$`));

    // Web Chat matches the echo of its own message by clientActivityID.
    const echo = await stream.next((a) => a.from.role === 'user');
    expect(echo).toMatchObject({
      id: posted.body.id,
      text: 'hi',
      channelData: { clientActivityID: expect.any(String) },
    });
    const greeting = await stream.next(fromBot(/virtual assistant/));
    const topics = greeting.suggestedActions?.actions ?? [];
    expect(topics.map((a) => a.title)).toContain('Internet and signal');
    expect(topics[0]).toMatchObject({ type: 'messageBack', displayText: topics[0]?.title });

    const page = await call(base, 'GET', `/conversations/${visitor.conversationId}/activities?watermark=0`, {
      token: visitor.token,
    });
    expect(page.status).toBe(200);
    expect(page.body.activities.map((a: Activity) => a.id)).toEqual(stream.activities.map((a) => a.id));
    expect(page.body.watermark).toBe(String(stream.activities.length));
    const after = await call(
      base,
      'GET',
      `/conversations/${visitor.conversationId}/activities?watermark=${page.body.watermark}`,
      {
        token: visitor.token,
      },
    );
    expect(after.body).toEqual({ activities: [], watermark: page.body.watermark });

    // A post Web Chat retries (same clientActivityID) is the same activity, stored once.
    const again = await call(base, 'POST', `/conversations/${visitor.conversationId}/activities`, {
      token: visitor.token,
      body: { type: 'message', text: 'hi', channelData: echo.channelData },
    });
    expect(again.body.id).toBe(posted.body.id);
    const customerMessages = async () => {
      const c = await server.desk.store.findCustomerByIdentity('webchat', echo.from.id);
      const open = await server.desk.store.findOpenConversation(c!.id);
      return (await server.desk.store.listMessages(open!.id)).filter((m) => m.author === 'customer');
    };
    expect((await customerMessages()).map((m) => m.text)).toEqual(['hi']);

    // Pressing a suggested action: Web Chat posts its label as text and its value; the flow gets the choice.
    const internet = topics.find((a) => a.title === 'Internet and signal')!;
    const seen = stream.activities.length;
    expect((await visitor.say(internet.title, { value: internet.value })).status).toBe(200);
    await stream.next(fromBot(/one of these/i), seen);

    const customer = await server.desk.store.findCustomerByIdentity('webchat', echo.from.id);
    expect(customer).toBeDefined();
    const conversation = await server.desk.store.findOpenConversation(customer!.id);
    expect(conversation?.channel).toBe('webchat');
  });

  it('after a page reload, a refreshed token reconnects and the whole transcript comes back', async () => {
    const visitor = await startVisitor(base, nextAddress());
    await visitor.say('hi');
    const first = await call(base, 'GET', `/conversations/${visitor.conversationId}/activities`, {
      token: visitor.token,
    });
    await until(async () => {
      const page = await call(base, 'GET', `/conversations/${visitor.conversationId}/activities?watermark=0`, {
        token: visitor.token,
      });
      return page.body.activities.some(fromBot(/virtual assistant/)) ? page : undefined;
    });
    expect(first.status).toBe(200);

    const refreshed = await call(base, 'POST', '/tokens/refresh', { token: visitor.token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ conversationId: visitor.conversationId, expires_in: 1800 });
    expect(refreshed.body.token).not.toBe(visitor.token);

    // What directlinejs does with a conversationId: GET the conversation for a new streamUrl, from watermark 0.
    const again = await call(base, 'GET', `/conversations/${visitor.conversationId}?watermark=0`, {
      token: refreshed.body.token,
    });
    expect(again.status).toBe(200);
    const stream = await open(again.body.streamUrl);
    await stream.next(fromBot(/virtual assistant/));
    expect(stream.activities[0]).toMatchObject({ from: { role: 'user' }, text: 'hi' });
    expect(stream.frames[0]?.activities.length).toBeGreaterThanOrEqual(2);
  });

  it('an identified visitor signed by the company’s backend is the same customer on every visit', async () => {
    const expires = Math.floor(Date.now() / 1000) + 600;
    const signed = {
      user: { id: 'u-42', name: 'Grace Hopper' },
      expires,
      signature: signUserId(SECRET, 'u-42', expires),
    };
    const first = await startVisitor(base, nextAddress(), signed);
    await first.say('hello');
    const customer = await until(() => server.desk.store.findCustomerByIdentity('webchat', 'user:u-42'));
    expect(customer.displayName).toBe('Grace Hopper');

    const second = await startVisitor(base, nextAddress(), signed);
    expect(second.conversationId).toBe(first.conversationId);

    // Your backend may instead ask for the token itself with WEBCHAT_SECRET as bearer (Azure's token API way).
    const byBackend = await call(base, 'POST', '/tokens/generate', { token: SECRET, body: { user: { id: 'u-42' } } });
    expect(byBackend.body.conversationId).toBe(first.conversationId);
    expect((await call(base, 'POST', '/tokens/generate', { token: 'x'.repeat(40), body: {} })).status).toBe(403);

    const forged = await call(base, 'POST', '/tokens/generate', {
      body: { ...signed, signature: signUserId('another-secret-another-secret-000', 'u-42', expires) },
      headers: { 'x-forwarded-for': nextAddress() },
    });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('E_FORBIDDEN');
    const otherUser = await call(base, 'POST', '/tokens/generate', {
      body: { ...signed, user: { id: 'u-1' } },
      headers: { 'x-forwarded-for': nextAddress() },
    });
    expect(otherUser.status).toBe(403);
    const unsigned = await call(base, 'POST', '/tokens/generate', {
      body: { user: { id: 'u-42' } },
      headers: { 'x-forwarded-for': nextAddress() },
    });
    expect(unsigned.status).toBe(403);
    expect(unsigned.body.error.message).toMatch(/signed by your backend/);
    const stale = Math.floor(Date.now() / 1000) - 1;
    const expired = await call(base, 'POST', '/tokens/generate', {
      body: { ...signed, expires: stale, signature: signUserId(SECRET, 'u-42', stale) },
      headers: { 'x-forwarded-for': nextAddress() },
    });
    expect(expired.status).toBe(403);
    expect(expired.body.error.message).toMatch(/expired/);
  });

  it('refuses a missing, foreign, tampered or expired token, and another conversation’s', async () => {
    const visitor = await startVisitor(base, nextAddress());
    const other = await startVisitor(base, nextAddress());
    const path = `/conversations/${visitor.conversationId}/activities`;
    const none = await call(base, 'GET', path);
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ code: 'E_UNAUTHORIZED', message: expect.stringMatching(/Bearer/) });
    expect((await call(base, 'GET', path, { token: 'not-a-token' })).status).toBe(401);
    const [prefix, payload, mac] = visitor.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, userId: 'user:admin' })).toString('base64url')}.${mac}`;
    expect((await call(base, 'GET', path, { token: tampered })).status).toBe(401);
    const foreign = await call(base, 'GET', path, { token: other.token });
    expect(foreign.status).toBe(403);

    const key = (await server.desk.store.getRecord('directline.keys', 'token')) as string;
    const expired = new TokenMinter(key).sign({ ...claims, expires: Math.floor(Date.now() / 1000) - 5 });
    const refused = await call(base, 'POST', '/tokens/refresh', { token: expired });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/expired/);

    // The stream: a bearer token in place of the stream token, or none, is refused before the upgrade.
    const url = new URL(visitor.streamUrl);
    url.searchParams.set('t', visitor.token);
    await expect(Stream.open(url.toString())).rejects.toThrow(/HTTP 401/);
    url.searchParams.delete('t');
    await expect(Stream.open(url.toString())).rejects.toThrow(/HTTP 401/);
    const unknown = await call(base, 'GET', '/conversations/dl_nope/activities', { token: visitor.token });
    expect(unknown.status).toBe(403);
  });

  it('refuses oversized and malformed activities with a 400 that says what to send', async () => {
    const visitor = await startVisitor(base, nextAddress());
    const long = await visitor.say('x'.repeat(4097));
    expect(long.status).toBe(400);
    expect(long.body.error.code).toBe('E_TEXT_TOO_LONG');
    const path = `/conversations/${visitor.conversationId}/activities`;
    const notJson = await call(base, 'POST', path, { token: visitor.token, body: '{"type":' });
    expect(notJson.status).toBe(400);
    const noType = await call(base, 'POST', path, { token: visitor.token, body: { text: 'hi' } });
    expect(noType.status).toBe(400);
    expect(noType.body.error.message).toMatch(/type/);
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 40; i++) cursor = cursor.x = {} as Record<string, unknown>;
    const tooDeep = await visitor.say('deep', { value: deep });
    expect(tooDeep.status).toBe(400);
    const array = await call(base, 'POST', path, { token: visitor.token, body: [{ type: 'message', text: 'hi' }] });
    expect(array.status).toBe(400);
    expect(array.body.error.message).toMatch(/one activity as a JSON object/);
    // Past the body limit (64 KiB) before it is even read: 413, in caredesk's error shape.
    const huge = await visitor.say('hi', { value: { padding: 'x'.repeat(70 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatchObject({ code: 'E_INVALID_INPUT', message: expect.stringMatching(/too large/) });
    const upload = await call(base, 'POST', `/conversations/${visitor.conversationId}/upload?userId=x`, {
      token: visitor.token,
      body: {},
    });
    expect(upload.status).toBe(400);
    // Nothing refused reached the transcript.
    const page = await call(base, 'GET', `${path}?watermark=0`, { token: visitor.token });
    expect(page.body.activities).toEqual([]);
  });

  it('refuses a token request it cannot read with a 400 that names the field', async () => {
    const headers = { 'x-forwarded-for': nextAddress() };
    const expires = Math.floor(Date.now() / 1000) + 600;
    const ask = (body: unknown) => call(base, 'POST', '/tokens/generate', { body, headers });
    const notJson = await ask('{"user":');
    expect(notJson.status).toBe(400);
    const userNotObject = await ask({ user: 'u-42', expires, signature: signUserId(SECRET, 'u-42', expires) });
    expect(userNotObject.status).toBe(400);
    expect(userNotObject.body.error.message).toMatch(/user/);
    const notHex = await ask({ user: { id: 'u-42' }, expires, signature: 'not-hex' });
    expect(notHex.status).toBe(400);
    expect(notHex.body.error.message).toMatch(/hex/);
    // A line break in a user id could shift one signed claim into another: refused before the signature is looked at.
    const lineBreak = await ask({
      user: { id: 'u-42\ntelegram:1' },
      expires,
      signature: signUserId(SECRET, 'u-42\ntelegram:1', expires),
    });
    expect(lineBreak.status).toBe(400);
    expect(lineBreak.body.error.message).toMatch(/control characters/);
    const identitiesAlone = await ask({ identities: ['telegram:1'] });
    expect(identitiesAlone.status).toBe(400);
    const tooLongId = await ask({
      user: { id: 'u'.repeat(101) },
      expires,
      signature: signUserId(SECRET, 'u'.repeat(101), expires),
    });
    expect(tooLongId.status).toBe(400);
  });

  it('a flood of activities in one conversation is slowed down with 429 and Retry-After', async () => {
    const visitor = await startVisitor(base, nextAddress());
    // All at once: the bucket refills 2 a second, far slower than these arrive.
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => visitor.say('', { type: 'typing', text: undefined })),
    );
    expect(answers.filter((a) => a.status === 200).length).toBeLessThan(30);
    const limited = answers.find((a) => a.status === 429);
    expect(limited?.body.error.code).toBe('E_RATE_LIMITED');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('one address opening conversation after conversation is refused with 429', async () => {
    const headers = { 'x-forwarded-for': nextAddress() };
    const statuses = [];
    for (let i = 0; i < 32; i++) statuses.push((await call(base, 'POST', '/tokens/generate', { headers })).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it('a page from an origin not allowed is refused; an allowed one gets CORS headers and its preflight', async () => {
    const headers = { 'x-forwarded-for': nextAddress() };
    const evil = await call(base, 'POST', '/tokens/generate', {
      headers: { ...headers, origin: 'https://evil.example' },
    });
    expect(evil.status).toBe(403);
    expect(evil.body.error.message).toMatch(/WEBCHAT_ALLOWED_ORIGINS/);
    const shop = await call(base, 'POST', '/tokens/generate', { headers: { ...headers, origin: SHOP } });
    expect(shop.status).toBe(200);
    expect(shop.headers.get('access-control-allow-origin')).toBe(SHOP);
    const preflight = await fetch(`${base}/directline/conversations`, {
      method: 'OPTIONS',
      headers: {
        origin: SHOP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(SHOP);
    // The demo page, on caredesk's own origin, is always allowed.
    const own = await call(base, 'POST', '/tokens/generate', { headers: { ...headers, origin: base } });
    expect(own.status).toBe(200);
  });

  it('serves the demo page and the Web Chat bundle from node_modules', async () => {
    const page = await fetch(`${base}/webchat/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/webchat/webchat.js');
    const bundle = await fetch(`${base}/webchat/webchat.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(1_000_000);
  });
});
