import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminTestServer, startAdminServer, type TestAgent } from './helpers.js';

let server: AdminTestServer;
let ann: TestAgent;
let bob: TestAgent;

beforeAll(async () => {
  server = await startAdminServer();
  ann = await server.agent({ name: 'Ann' });
  bob = await server.agent({ name: 'Bob' });
});
afterAll(() => server.close());

/** Marks the conversation's last reply as given up by the dispatcher, as after a day of a dead channel. */
async function failLastReply(conversationId: string, why: string): Promise<string> {
  const { store } = server.handle.desk;
  const entries = await store.listOutbox({ conversationId });
  const last = entries.at(-1)!;
  await store.commit({ outbox: [{ ...last, status: 'failed', attempts: 41, lastError: why }] });
  return last.messageId;
}

describe('admin API: a reply the channel could not deliver', () => {
  it('shows in the conversation with its reason, and its agent can send it again', async () => {
    const id = await server.queued('fail-1');
    await server.call('POST', `/admin/v1/conversations/${id}/claim`, { token: ann.token });
    await server.call('POST', `/admin/v1/conversations/${id}/messages`, {
      token: ann.token,
      body: { text: 'Refund done.' },
    });
    const messageId = await failLastReply(id, '403: Forbidden: bot was blocked by the user');

    const detail = await server.call('GET', `/admin/v1/conversations/${id}`, { token: ann.token });
    expect(detail.body.undelivered).toContainEqual({
      messageId,
      status: 'failed',
      attempts: 41,
      lastError: '403: Forbidden: bot was blocked by the user',
    });

    // Not Bob's to resend: Ann owns the case.
    const other = await server.call('POST', `/admin/v1/conversations/${id}/messages/${messageId}/resend`, {
      token: bob.token,
    });
    expect(other.status).toBe(403);
    const resent = await server.call('POST', `/admin/v1/conversations/${id}/messages/${messageId}/resend`, {
      token: ann.token,
    });
    expect(resent.status).toBe(200);
    const entry = (await server.handle.desk.store.listOutbox({ conversationId: id })).find(
      (e) => e.messageId === messageId,
    );
    expect(entry).toMatchObject({ status: 'pending', attempts: 0 });
    const after = await server.call('GET', `/admin/v1/conversations/${id}`, { token: ann.token });
    expect(after.body.undelivered).toContainEqual(expect.objectContaining({ messageId, status: 'pending' }));
    const events = (await server.handle.desk.store.listEvents(0, 1000)).filter((e) => e.type === 'message.resent');
    expect(events).toContainEqual(expect.objectContaining({ conversationId: id, agentId: ann.id }));

    // Only a failed reply can be resent; an unknown one is not found.
    const again = await server.call('POST', `/admin/v1/conversations/${id}/messages/${messageId}/resend`, {
      token: ann.token,
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('E_INVALID_STATE');
    const unknown = await server.call('POST', `/admin/v1/conversations/${id}/messages/msg_nope/resend`, {
      token: ann.token,
    });
    expect(unknown.status).toBe(404);
  });
});
