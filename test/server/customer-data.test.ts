/**
 * A customer's data rights over the admin API: export (the whole person,
 * every linked identity) and erasure (supervisors, with a reason), and the
 * answers to wrong requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminTestServer, startAdminServer, type TestAgent } from './admin/helpers.js';

let server: AdminTestServer;
let sam: TestAgent;
let alex: TestAgent;
let n = 0;

beforeAll(async () => {
  server = await startAdminServer();
  sam = await server.agent({ name: 'Sam', role: 'supervisor' });
  alex = await server.agent({ name: 'Alex', role: 'agent' });
});
afterAll(() => server.close());

/** A customer's message on Bot Framework (Teams, Web Chat), as its adapter hands it in, with its reply context. */
async function sayOnBotFramework(user: string, text: string, displayName: string): Promise<string> {
  const r = await server.handle.desk.receive({
    channel: 'botframework',
    externalUserId: user,
    channelMessageId: `bf-${++n}`,
    text,
    displayName,
    replyContext: { serviceUrl: 'http://127.0.0.1:1/', user: { id: user, name: displayName } },
  });
  await server.handle.desk.idle();
  if (r.status !== 'stored') throw new Error(`not stored: ${r.status}`);
  return r.conversation.id;
}

const customerOf = async (conversationId: string): Promise<string> =>
  (await server.call('GET', `/admin/v1/conversations/${conversationId}`, { token: sam.token })).body.customer.id;

/** Giulia on Telegram and on Teams, linked by a supervisor: one person, two identities. */
async function linkedGiulia(tag: string): Promise<{ id: string; other: string; conversations: string[] }> {
  const onTelegram = await server.say(`tg-${tag}`, `my router ${tag} blinks red`, { displayName: 'Giulia Bianchi' });
  const onTeams = await sayOnBotFramework(`bf-${tag}`, `still blinking ${tag}, invoice INV-${tag}`, 'Giulia B.');
  const id = await customerOf(onTelegram);
  const other = await customerOf(onTeams);
  const merged = await server.call('POST', `/admin/v1/customers/${id}/merge`, {
    token: sam.token,
    body: { from: other, reason: 'same email on both' },
  });
  expect(merged.status).toBe(201);
  return { id, other, conversations: [onTelegram, onTeams] };
}

describe('admin API: export and erase a customer', () => {
  it("exports a linked customer's both identities and every message of both channels, from either id", async () => {
    const giulia = await linkedGiulia('501');
    for (const id of [giulia.id, giulia.other]) {
      const res = await server.call('GET', `/admin/v1/customers/${id}/export`, { token: sam.token });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const data = res.body;
      expect(data.format).toBe('caredesk.customer-export.v1');
      expect(data.customer.id).toBe(giulia.id);
      expect(
        data.customer.identities
          .map((i: { channel: string; externalId: string }) => `${i.channel}:${i.externalId}`)
          .sort(),
      ).toEqual(['botframework:bf-501', 'telegram:tg-501']);
      expect(data.mergedCustomers.map((c: { id: string }) => c.id)).toEqual([giulia.other]);
      expect(data.links).toHaveLength(1);
      const texts = data.conversations.flatMap((c: { messages: Array<{ text: string }> }) =>
        c.messages.map((m) => m.text),
      );
      expect(texts).toContain('my router 501 blinks red');
      expect(texts).toContain('still blinking 501, invoice INV-501');
      // The bot's replies are the customer's conversation too.
      expect(
        data.conversations.flatMap((c: { messages: Array<{ author: string }> }) => c.messages.map((m) => m.author)),
      ).toContain('bot');
    }
  });

  it('erases the person on both channels, keeps the cases counted, and audits it without the data', async () => {
    const giulia = await linkedGiulia('502');
    const kpisBefore = (await server.call('GET', '/admin/v1/kpis?since=1d', { token: sam.token })).body;

    const open = await server.call('DELETE', `/admin/v1/customers/${giulia.id}`, {
      token: sam.token,
      body: { reason: 'GDPR request #502' },
    });
    expect(open.status).toBe(409);
    expect(open.body.error.message).toContain('resolve it first');
    for (const c of giulia.conversations) {
      const r = await server.call('POST', `/admin/v1/conversations/${c}/resolve`, { token: sam.token, body: {} });
      expect([200, 409]).toContain(r.status);
    }

    const erased = await server.call('DELETE', `/admin/v1/customers/${giulia.other}`, {
      token: sam.token,
      body: { reason: 'GDPR request #502 from Giulia Bianchi' },
    });
    expect(erased.status).toBe(200);
    expect(erased.body.customerIds.sort()).toEqual([giulia.id, giulia.other].sort());
    expect(erased.body.erased.messages).toBeGreaterThanOrEqual(4);
    expect(erased.body.event).toMatchObject({ type: 'customer.erased', agentId: sam.id });
    expect(erased.body.event.data.reason).toBe('GDPR request #502 from [erased]');

    const after = await server.call('GET', `/admin/v1/customers/${giulia.id}/export`, { token: sam.token });
    const text = JSON.stringify(after.body);
    for (const personal of ['Giulia', 'tg-502', 'bf-502', 'blinks red', 'INV-502'])
      expect(text).not.toContain(personal);
    expect(after.body.conversations).toHaveLength(2);

    const audit = await server.call('GET', '/admin/v1/audit?action=customer.erased', { token: sam.token });
    expect(audit.body.events).toHaveLength(1);
    expect(JSON.stringify(audit.body.events)).not.toContain('Giulia');
    const kpisAfter = (await server.call('GET', '/admin/v1/kpis?since=1d', { token: sam.token })).body;
    expect(kpisAfter.kpis.all.conversations).toBe(kpisBefore.kpis.all.conversations);

    // The same person writing again is a new customer.
    const back = await server.say('tg-502', 'hello again');
    expect(await customerOf(back)).not.toBe(giulia.id);
  });

  it('refuses an unknown customer (404), an agent who is not a supervisor (403) and an erasure without a reason (400)', async () => {
    const id = await customerOf(await server.say('tg-503', 'hi'));
    const unknownExport = await server.call('GET', '/admin/v1/customers/cus_nobody/export', { token: sam.token });
    expect(unknownExport.status).toBe(404);
    const unknownErase = await server.call('DELETE', '/admin/v1/customers/cus_nobody', {
      token: sam.token,
      body: { reason: 'typo' },
    });
    expect(unknownErase.status).toBe(404);
    expect(unknownErase.body.error.code).toBe('E_NOT_FOUND');

    const agentExport = await server.call('GET', `/admin/v1/customers/${id}/export`, { token: alex.token });
    expect(agentExport.status).toBe(403);
    const agentErase = await server.call('DELETE', `/admin/v1/customers/${id}`, {
      token: alex.token,
      body: { reason: 'asked' },
    });
    expect(agentErase.status).toBe(403);
    expect(agentErase.body.error.message).toContain('supervisor');

    for (const body of [undefined, {}, { reason: '   ' }]) {
      const noReason = await server.call('DELETE', `/admin/v1/customers/${id}`, { token: sam.token, body });
      expect(noReason.status).toBe(400);
      expect(noReason.body.error.message).toContain('reason');
    }
    expect((await server.call('GET', `/admin/v1/customers/${id}/export`, {})).status).toBe(401);
  });
});
