/**
 * One customer across Telegram and the company's website, without a /link
 * code: a customer writes on Telegram (the emulator), then logs in on the
 * company's site, whose backend signs their user id and the Telegram identity
 * it knows them by; their Web Chat message lands in the same customer, with
 * the same case history in the admin API, and the link keeps the signed claim
 * as its evidence. A forged or altered claim is refused and links nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUserId } from '../../bots/directline/index.js';
import type { ServerHandle } from '../../server/index.js';
import { call, SECRET, startVisitor, webchatServer } from '../bots/directline/helpers.js';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';

const TELEGRAM_TOKEN = '7070:WEBCHAT-IDENTIFIED';
let emulator: Emulator;
let server: ServerHandle;

beforeAll(async () => {
  emulator = await startEmulator();
  server = await webchatServer({ TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN, TELEGRAM_API_ROOT: emulator.apiRoot });
}, 30_000);
afterAll(async () => {
  await server?.close();
  await emulator?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read loosely here
async function admin(token: string, path: string): Promise<any> {
  const res = await fetch(`${server.url}/admin/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** What the company's backend renders into the page of a logged-in user (docs/webchat.md). */
function signedBySite(userId: string, identities: string[], secret = SECRET) {
  const expires = Math.floor(Date.now() / 1000) + 600;
  return {
    user: { id: userId, name: 'Grace Hopper' },
    identities,
    expires,
    signature: signUserId(secret, userId, expires, identities),
  };
}

async function writesOnTelegram(userId: number, text: string) {
  const telegram = emulator.server.getClient(TELEGRAM_TOKEN, { userId, chatId: userId, firstName: 'Grace' });
  await telegram.sendMessage(telegram.makeMessage(text));
  return until(() => server.desk.store.findCustomerByIdentity('telegram', String(userId)));
}

describe('an identified Web Chat visitor the site knows on Telegram', () => {
  it('lands in the Telegram customer, with one case history, and the link keeps the signed claim', async () => {
    const onTelegram = await writesOnTelegram(4242, 'my March invoice is wrong');
    const claim = signedBySite('u-4242', ['telegram:4242']);

    const visitor = await startVisitor(server.url, '192.0.2.10', claim);
    expect((await visitor.say('still wrong, writing from your website')).status).toBe(200);
    const onWeb = await until(async () => {
      const c = await server.desk.store.findCustomerByIdentity('webchat', 'user:u-4242');
      const messages = c
        ? await server.desk.store.listMessages((await server.desk.store.findOpenConversation(c.id))?.id ?? '')
        : [];
      return messages.some((m) => m.channel === 'webchat') ? c : undefined;
    });
    expect(onWeb.id).toBe(onTelegram.id);

    // The agent sees one customer: both identities, both messages in the case and its history.
    const { token } = await server.human.createAgent({ name: 'Ann' });
    const open = await server.desk.store.findOpenConversation(onTelegram.id);
    const detail = await admin(token, `/conversations/${open?.id}`);
    expect(detail.customer.identities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'telegram', externalId: '4242' }),
        expect.objectContaining({ channel: 'webchat', externalId: 'user:u-4242' }),
      ]),
    );
    // The Telegram case was still open: the site's message continues it, answered on Web Chat from now on.
    expect(detail.conversation.channel).toBe('webchat');
    const said: Array<{ author: string; channel: string; text: string }> = detail.messages;
    expect(
      said
        .filter((m: { author: string }) => m.author === 'customer')
        .map((m: { channel: string; text: string }) => [m.channel, m.text]),
    ).toEqual(
      expect.arrayContaining([
        ['telegram', 'my March invoice is wrong'],
        ['webchat', 'still wrong, writing from your website'],
      ]),
    );

    const { links } = await admin(token, `/customers/${onTelegram.id}/links`);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({
      survivorId: onTelegram.id,
      evidence: {
        kind: 'signed',
        channel: 'webchat',
        siteUserId: 'u-4242',
        identity: { channel: 'telegram', externalId: '4242' },
        proof: 'signature',
        identities: ['telegram:4242'],
        expires: claim.expires,
        signature: claim.signature,
      },
    });

    // The next visit presents the same claim: the same conversation, no second link.
    const again = await startVisitor(server.url, '192.0.2.11', signedBySite('u-4242', ['telegram:4242']));
    expect(again.conversationId).toBe(visitor.conversationId);
    expect((await admin(token, `/customers/${onTelegram.id}/links`)).links).toHaveLength(1);
  });

  it('a forged or altered claim is refused with 403 and links nobody', async () => {
    const victim = await writesOnTelegram(5151, 'hello from Telegram');
    const headers = { 'x-forwarded-for': '192.0.2.20' };

    const forged = await call(server.url, 'POST', '/tokens/generate', {
      body: signedBySite('u-evil', ['telegram:5151'], 'not-the-desk-secret-not-the-desk-secret'),
      headers,
    });
    expect(forged.status).toBe(403);
    expect(forged.body.error).toMatchObject({
      code: 'E_FORBIDDEN',
      message: expect.stringMatching(/signature does not match.*WEBCHAT_SECRET/),
    });

    // A real signature for one identity, sent with another: the signature covers the identities too.
    const own = signedBySite('u-evil', ['telegram:6000']);
    const altered = await call(server.url, 'POST', '/tokens/generate', {
      body: { ...own, identities: ['telegram:5151'] },
      headers,
    });
    expect(altered.status).toBe(403);
    const dropped = await call(server.url, 'POST', '/tokens/generate', {
      body: { ...signedBySite('u-evil', ['telegram:5151']), identities: undefined },
      headers,
    });
    expect(dropped.status).toBe(403);

    const malformed = await call(server.url, 'POST', '/tokens/generate', {
      body: { ...own, identities: ['facebook:5151'] },
      headers,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/telegram:<user id>/);

    expect((await server.desk.store.findCustomerByIdentity('telegram', '5151'))?.identities).toHaveLength(1);
    expect(await server.desk.store.findCustomerByIdentity('webchat', 'user:u-evil')).toBeUndefined();
    const { token } = await server.human.createAgent({ name: 'Bea' });
    expect((await admin(token, `/customers/${victim.id}/links`)).links).toEqual([]);
  });

  it('an identity that has not written yet links nothing now; the visitor chats as themselves', async () => {
    const visitor = await startVisitor(server.url, '192.0.2.30', signedBySite('u-new', ['telegram:777000']));
    expect((await visitor.say('hi')).status).toBe(200);
    const customer = await until(() => server.desk.store.findCustomerByIdentity('webchat', 'user:u-new'));
    expect(customer.identities.map((i) => i.channel)).toEqual(['webchat']);
  });

  it('the company’s backend asking with the secret itself links too, recorded as such', async () => {
    const onTelegram = await writesOnTelegram(8080, 'my router blinks red');
    const byBackend = await call(server.url, 'POST', '/tokens/generate', {
      token: SECRET,
      body: { user: { id: 'u-8080' }, identities: ['telegram:8080'] },
    });
    expect(byBackend.status).toBe(200);
    expect((await server.desk.store.findCustomerByIdentity('webchat', 'user:u-8080'))?.id).toBe(onTelegram.id);
    const { token } = await server.human.createAgent({ name: 'Cy' });
    const { links } = await admin(token, `/customers/${onTelegram.id}/links`);
    expect(links[0]?.evidence).toMatchObject({ kind: 'signed', proof: 'secret', siteUserId: 'u-8080' });
  });
});
