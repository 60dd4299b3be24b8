import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminTestServer, startAdminServer, type TestAgent } from './helpers.js';

let server: AdminTestServer;
let ann: TestAgent;

beforeAll(async () => {
  server = await startAdminServer();
  // Merging customers is for supervisors (CAREDESK_AGENTS_MAY_MERGE opens it to every agent).
  ann = await server.agent({ name: 'Ann', role: 'supervisor' });
});
afterAll(() => server.close());

async function customerOf(conversationId: string): Promise<string> {
  const detail = await server.call('GET', `/admin/v1/conversations/${conversationId}`, { token: ann.token });
  return detail.body.customer.id;
}

describe('admin API: one customer, every channel', () => {
  it('an agent merges the same person seen on two channels, with a reason; the history follows; the merge can be undone', async () => {
    const onTelegram = await server.say('tg-77', 'my bill is wrong', { displayName: 'Lucia' });
    const onDevChat = await server.say('lucia', 'hello?', { channel: 'devchat', displayName: 'Lucia' });
    const survivor = await customerOf(onTelegram);
    const other = await customerOf(onDevChat);

    const merged = await server.call('POST', `/admin/v1/customers/${survivor}/merge`, {
      token: ann.token,
      body: { from: other, reason: 'same phone number on both' },
    });
    expect(merged.status).toBe(201);
    expect(merged.body.link).toMatchObject({ survivorId: survivor, mergedId: other, evidence: { agentId: ann.id } });

    const detail = await server.call('GET', `/admin/v1/conversations/${onDevChat}`, { token: ann.token });
    expect(detail.body.customer.id).toBe(survivor);
    expect(detail.body.customer.identities.map((i: { channel: string }) => i.channel).sort()).toEqual([
      'devchat',
      'telegram',
    ]);
    const links = await server.call('GET', `/admin/v1/customers/${survivor}/links`, { token: ann.token });
    expect(links.body.links).toHaveLength(1);

    const undone = await server.call('POST', `/admin/v1/links/${merged.body.link.id}/undo`, {
      token: ann.token,
      body: { reason: 'two different people after all' },
    });
    expect(undone.status).toBe(200);
    expect(await customerOf(onDevChat)).toBe(other);
    const again = await server.call('POST', `/admin/v1/links/${merged.body.link.id}/undo`, {
      token: ann.token,
      body: { reason: 'twice' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('E_LINK_UNDONE');
  });

  it('a merge without a reason, into itself, or of an unknown customer is refused with a clear error', async () => {
    const id = await customerOf(await server.say('tg-78', 'hi'));
    const noReason = await server.call('POST', `/admin/v1/customers/${id}/merge`, {
      token: ann.token,
      body: { from: 'cus_x' },
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toContain('reason');
    const self = await server.call('POST', `/admin/v1/customers/${id}/merge`, {
      token: ann.token,
      body: { from: id, reason: 'oops' },
    });
    expect(self.status).toBe(400);
    const unknown = await server.call('POST', `/admin/v1/customers/${id}/merge`, {
      token: ann.token,
      body: { from: 'cus_nobody', reason: 'typo' },
    });
    expect(unknown.status).toBe(404);
    expect(
      (await server.call('POST', '/admin/v1/links/lnk_nope/undo', { token: ann.token, body: { reason: 'x' } })).status,
    ).toBe(404);
    expect((await server.call('GET', `/admin/v1/customers/${id}/links`, {})).status).toBe(401);
  });

  it('the links of a customer that does not exist are a 404, not an empty list', async () => {
    const res = await server.call('GET', '/admin/v1/customers/cus_nobody/links', { token: ann.token });
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: 'E_NOT_FOUND', message: expect.stringContaining('cus_nobody') });
    // A customer without any link is a 200 with none.
    const id = await customerOf(await server.say('tg-79', 'hello'));
    const none = await server.call('GET', `/admin/v1/customers/${id}/links`, { token: ann.token });
    expect(none).toMatchObject({ status: 200, body: { links: [] } });
  });
});
