/**
 * The TUI's client against a real caredesk server (in-process, memory
 * store, 127.0.0.1): every call the TUI makes, parsed by the client's
 * schemas, so that a change of the API's shape fails here first.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AdminApiError, ConversationDetailSchema, HttpAdminClient, type LiveEvent } from '../../tui/client.js';
import type { EventStream } from '../../tui/sse.js';
import { caredesk } from '../cli/run-caredesk.js';
import { type AdminTestServer, startAdminServer, type TestAgent } from '../server/admin/helpers.js';

let server: AdminTestServer;
let sup: TestAgent;
let alice: TestAgent;
let client: HttpAdminClient;

beforeAll(async () => {
  server = await startAdminServer();
  sup = await server.agent({ name: 'Sam', role: 'supervisor', skills: ['billing'] });
  alice = await server.agent({ name: 'Alice', skills: ['billing'] });
  client = new HttpAdminClient({ server: server.url, token: sup.token });
});
afterAll(async () => {
  // fetch keeps idle sockets (and opens a spare one when a stream is aborted): they would hold close() up.
  server.handle.app.server.closeAllConnections();
  await server.close();
});

/** A port nothing listens on (one the OS just gave and took back). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('the TUI client against a real server', () => {
  it('reads me, the team and changes my presence', async () => {
    const me = await client.me();
    expect(me).toMatchObject({ id: sup.id, name: 'Sam', role: 'supervisor', presence: 'online', load: 0 });
    expect((await client.agents()).map((a) => a.name).sort()).toEqual(['Alice', 'Sam']);
    expect(await client.setPresence('away')).toBe('away');
    expect((await client.me()).presence).toBe('away');
    await client.setPresence('online');
  });

  it('lists the board, opens a conversation, and acts on it: claim, reply, note, transfer, hand back, resolve', async () => {
    const id = await server.queued('tui-1');
    const rows = await client.conversations({ mode: ['queued', 'agent', 'bot'], limit: 10_000 });
    const row = rows.find((r) => r.id === id)!;
    expect(row).toMatchObject({ mode: 'queued', breached: false, channel: 'telegram' });
    expect(row.slaDueAt).toBeTypeOf('string');
    expect(row.placeInLine?.place).toBeGreaterThanOrEqual(1);
    expect((await client.conversations({ mode: ['bot'] })).some((r) => r.id === id)).toBe(false);

    const detail = await client.conversation(id);
    expect(detail.conversation.id).toBe(id);
    expect(detail.customer.identities[0]!.channel).toBe('telegram');
    expect(detail.messages.map((m) => m.author)).toContain('customer');
    expect(detail.viewers).toEqual([]);

    expect(await client.claim(id)).toMatchObject({ mode: 'agent', assignee: sup.id });
    const reply = await client.send(id, 'Hello, Sam here.', false);
    expect(reply.message).toMatchObject({ author: 'agent', internal: false, text: 'Hello, Sam here.' });
    expect((await client.send(id, 'a note', true)).message.internal).toBe(true);
    expect(await client.transfer(id, { agent: alice.id })).toMatchObject({ assignee: alice.id });
    expect(await client.transfer(id, { skill: 'billing' })).toMatchObject({ mode: 'queued' });
    expect(await client.takeover(id).catch((e: AdminApiError) => e.code)).toBe('E_INVALID_STATE');
    await client.claim(id);
    expect((await client.release(id)).mode).toBe('bot');
    expect((await client.resolve(id)).mode).toBe('resolved');
  });

  it('reads the replies not delivered and resends a failed one (POST …/messages/:id/resend, no body)', async () => {
    const id = await server.queued('tui-6');
    await client.claim(id);
    const { message } = await client.send(id, 'Refund done.', false);
    // As after a day of a dead channel: the dispatcher gave up on the reply.
    const { store } = server.handle.desk;
    const entry = (await store.listOutbox({ conversationId: id })).find((e) => e.messageId === message.id)!;
    await store.commit({ outbox: [{ ...entry, status: 'failed', attempts: 41, lastError: '403: Forbidden' }] });
    expect((await client.conversation(id)).undelivered).toContainEqual({
      messageId: message.id,
      status: 'failed',
      attempts: 41,
      lastError: '403: Forbidden',
    });

    const requests: Array<{ method: string | undefined; url: string; body: unknown }> = [];
    const watched = new HttpAdminClient({
      server: server.url,
      token: sup.token,
      fetch: (url, init) => {
        requests.push({ method: init?.method, url: String(url), body: init?.body });
        return fetch(url, init);
      },
    });
    expect(await watched.resend(id, message.id)).toMatchObject({ id, mode: 'agent' });
    expect(requests).toEqual([
      {
        method: 'POST',
        url: `${server.url}/admin/v1/conversations/${id}/messages/${message.id}/resend`,
        body: undefined,
      },
    ]);
    const again = (await client.conversation(id)).undelivered.find((u) => u.messageId === message.id);
    expect(again?.status).not.toBe('failed');
    const refused = await watched.resend(id, message.id).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'E_INVALID_STATE', status: 409 });
  });

  it('an older server, whose conversations say nothing of undelivered replies, still parses: none undelivered', async () => {
    const id = await server.queued('tui-7');
    const { body } = await server.call('GET', `/admin/v1/conversations/${id}`, { token: sup.token });
    delete body.undelivered;
    expect(ConversationDetailSchema.parse(body).undelivered).toEqual([]);
  });

  it("a second claim is a conflict with the server's code and words", async () => {
    const id = await server.queued('tui-2');
    await new HttpAdminClient({ server: server.url, token: alice.token }).claim(id);
    const err = await client.claim(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminApiError);
    expect((err as AdminApiError).code).toMatch(/^E_(CLAIM_CONFLICT|INVALID_STATE)$/);
    expect((err as AdminApiError).status).toBe(409);
  });

  it('reports viewing and typing, and reads canned responses and KPIs', async () => {
    const id = await server.queued('tui-3');
    expect(await client.setActivity(id, 'typing')).toMatchObject([
      { agentId: sup.id, name: 'Sam', activity: 'typing' },
    ]);
    expect(await client.setActivity(id, 'left')).toEqual([]);
    await server.call('POST', '/admin/v1/canned', { token: sup.token, body: { title: 'Hi', text: 'Hello!' } });
    expect(await client.canned()).toMatchObject([{ title: 'Hi', text: 'Hello!' }]);
    const byChannel = await client.kpis({ since: '7d', by: 'channel' });
    expect(Object.keys(byChannel.kpis)).toContain('telegram');
    expect(byChannel.volume).toHaveLength(12);
    expect(Object.keys((await client.kpis({ since: '24h', by: 'agent' })).kpis).length).toBeGreaterThan(0);
  });

  it('streams events live, viewer changes too, and resumes from the last event id', async () => {
    const events: LiveEvent[] = [];
    const states: string[] = [];
    let stream: EventStream | undefined = client.events({
      onEvent: (e) => events.push(e),
      onState: (s) => states.push(s),
    });
    try {
      await vi.waitFor(() => expect(states).toContain('live'));
      const id = await server.queued('tui-4');
      await vi.waitFor(() =>
        expect(
          events.some(
            (e) => e.kind === 'domain' && e.event.type === 'handoff.requested' && e.event.conversationId === id,
          ),
        ).toBe(true),
      );
      await new HttpAdminClient({ server: server.url, token: alice.token }).setActivity(id, 'viewing');
      await vi.waitFor(() =>
        expect(events).toContainEqual({
          kind: 'viewers',
          conversationId: id,
          viewers: [expect.objectContaining({ agentId: alice.id, activity: 'viewing' })],
        }),
      );
      const last = stream.lastEventId;
      stream.close();
      // Missed while away: a new stream from the last id gets it, and nothing before.
      const missed = await server.queued('tui-5');
      const replayed: LiveEvent[] = [];
      stream = client.events({ onEvent: (e) => replayed.push(e) }, last);
      await vi.waitFor(() =>
        expect(replayed.some((e) => e.kind === 'domain' && e.event.conversationId === missed)).toBe(true),
      );
      expect(replayed.some((e) => e.kind === 'domain' && e.event.conversationId === id)).toBe(false);
    } finally {
      stream?.close();
    }
  });

  it('a wrong token is E_UNAUTHORIZED, a server that is not there E_UNREACHABLE, neither with the token in it', async () => {
    const failure = (p: Promise<unknown>): Promise<AdminApiError> =>
      p.then(
        () => {
          throw new Error('expected a failure');
        },
        (e: unknown) => e as AdminApiError,
      );
    const wrong = await failure(new HttpAdminClient({ server: server.url, token: 'cdk_wrong_wrong_wrong_wrong' }).me());
    expect(wrong.code).toBe('E_UNAUTHORIZED');
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    const gone = await failure(new HttpAdminClient({ server: nowhere, token: 'cdk_secret', timeoutMs: 2000 }).me());
    expect(gone.code).toBe('E_UNREACHABLE');
    expect(gone.message).toContain(`Cannot reach caredesk at ${nowhere} (ECONNREFUSED)`);
    expect(gone.message).not.toContain('cdk_secret');
  });
});

describe('caredesk tui, the command', () => {
  it('a wrong token or an unreachable server: one clear line, exit 1, no stack trace, the token not printed', async () => {
    const token = 'cdk_not_a_real_token_for_this_test';
    const refused = await caredesk(['tui', '--server', server.url, '--token', token]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('refused the token');
    expect(refused.stderr).toContain('[E_UNAUTHORIZED]');
    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    const unreachable = await caredesk(['tui', '--server', nowhere], { CAREDESK_TOKEN: token });
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toContain(`Cannot reach caredesk at ${nowhere} (ECONNREFUSED)`);
    for (const run of [refused, unreachable]) {
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr + run.stdout).not.toContain(token);
    }
  });

  it('with a good token but no terminal to read keys from, says so', async () => {
    const run = await caredesk(['tui', '--server', server.url, '--token', sup.token]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('caredesk tui needs a terminal');
    expect(run.stderr + run.stdout).not.toContain(sup.token);
  });
});
