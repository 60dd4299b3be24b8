/**
 * Who may merge two customers (and undo a merge): supervisors by default;
 * every agent when CAREDESK_AGENTS_MAY_MERGE is true. Real servers, over HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AdminTestServer, startAdminServer, type TestAgent } from './admin/helpers.js';

let server: AdminTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The same person on Telegram and on the dev chat: two customers, survivor first. */
async function twoCustomers(s: AdminTestServer, agent: TestAgent): Promise<[string, string]> {
  const customerOf = async (conversationId: string): Promise<string> =>
    (await s.call('GET', `/admin/v1/conversations/${conversationId}`, { token: agent.token })).body.customer.id;
  const a = await customerOf(await s.say('tg-501', 'my bill is wrong', { displayName: 'Lucia' }));
  const b = await customerOf(await s.say('lucia', 'hello?', { channel: 'devchat', displayName: 'Lucia' }));
  return [a, b];
}

describe('merging customers: who may', () => {
  it('an agent is refused with 403 and told who may; a supervisor merges, and undoes it', async () => {
    server = await startAdminServer();
    const ann = await server.agent({ name: 'Ann' });
    const sue = await server.agent({ name: 'Sue', role: 'supervisor' });
    const [survivor, other] = await twoCustomers(server, ann);

    const refused = await server.call('POST', `/admin/v1/customers/${survivor}/merge`, {
      token: ann.token,
      body: { from: other, reason: 'same phone number' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('E_FORBIDDEN');
    expect(refused.body.error.message).toContain('Only a supervisor may merge customers');
    expect(refused.body.error.message).toContain('CAREDESK_AGENTS_MAY_MERGE');
    const untouched = await server.call('GET', `/admin/v1/customers/${survivor}/links`, { token: ann.token });
    expect(untouched.body.links).toEqual([]);

    const merged = await server.call('POST', `/admin/v1/customers/${survivor}/merge`, {
      token: sue.token,
      body: { from: other, reason: 'same phone number' },
    });
    expect(merged.status).toBe(201);
    expect(merged.body.link).toMatchObject({ survivorId: survivor, mergedId: other, evidence: { agentId: sue.id } });

    const undoByAgent = await server.call('POST', `/admin/v1/links/${merged.body.link.id}/undo`, {
      token: ann.token,
      body: { reason: 'not the same' },
    });
    expect(undoByAgent.status).toBe(403);
    expect(undoByAgent.body.error.message).toContain('Only a supervisor may undo a merge');
    const undone = await server.call('POST', `/admin/v1/links/${merged.body.link.id}/undo`, {
      token: sue.token,
      body: { reason: 'not the same' },
    });
    expect(undone.status).toBe(200);

    const audit = await server.call('GET', '/admin/v1/audit?action=customer.merged,customer.unmerged', {
      token: sue.token,
    });
    expect(audit.body.events.map((e: { type: string }) => e.type)).toEqual(['customer.unmerged', 'customer.merged']);
  });

  it('with CAREDESK_AGENTS_MAY_MERGE=true an agent merges and undoes a merge', async () => {
    server = await startAdminServer({ CAREDESK_AGENTS_MAY_MERGE: 'true' });
    const ann = await server.agent({ name: 'Ann' });
    const [survivor, other] = await twoCustomers(server, ann);
    const merged = await server.call('POST', `/admin/v1/customers/${survivor}/merge`, {
      token: ann.token,
      body: { from: other, reason: 'same phone number' },
    });
    expect(merged.status).toBe(201);
    expect(merged.body.link.evidence).toMatchObject({ agentId: ann.id });
    const undone = await server.call('POST', `/admin/v1/links/${merged.body.link.id}/undo`, {
      token: ann.token,
      body: { reason: 'not the same' },
    });
    expect(undone.status).toBe(200);
    expect(undone.body.undone).toBe(merged.body.link.id);
  });
});
