import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminTestServer, startAdminServer, type TestAgent } from './helpers.js';

let server: AdminTestServer;
let ann: TestAgent;
let bob: TestAgent;
let sue: TestAgent;

beforeAll(async () => {
  server = await startAdminServer();
  ann = await server.agent({ name: 'Ann', skills: ['billing'] });
  bob = await server.agent({ name: 'Bob', skills: ['tech'] });
  sue = await server.agent({ name: 'Sue', role: 'supervisor' });
});
afterAll(() => server.close());

const post = (path: string, token: string, body?: unknown) => server.call('POST', path, { token, body });

describe('admin API: the queue and a case', () => {
  it('lists queued conversations by SLA urgency with customer, deadline, breach and place in line', async () => {
    const first = await server.say('list-1', 'I need a human', { displayName: 'Ada Lovelace' });
    const second = await server.say('list-2', 'can I talk to a person?');
    const res = await server.call('GET', '/admin/v1/conversations', { token: ann.token });
    expect(res.status).toBe(200);
    const ids = res.body.conversations.map((c: { id: string }) => c.id);
    expect(ids.indexOf(first)).toBeLessThan(ids.indexOf(second));
    const row = res.body.conversations.find((c: { id: string }) => c.id === first);
    expect(row).toMatchObject({
      mode: 'queued',
      customer: { displayName: 'Ada Lovelace' },
      breached: false,
      placeInLine: { place: expect.any(Number), of: expect.any(Number) },
    });
    expect(new Date(row.slaDueAt).getTime()).toBeGreaterThan(Date.now());

    const search = await server.call('GET', '/admin/v1/conversations?mode=queued,agent&q=lovelace', {
      token: ann.token,
    });
    expect(search.body.conversations.map((c: { id: string }) => c.id)).toEqual([first]);
    const limited = await server.call('GET', '/admin/v1/conversations?mode=all&limit=1', { token: ann.token });
    expect(limited.body.conversations).toHaveLength(1);
    const none = await server.call('GET', '/admin/v1/conversations?breached=true&channel=devchat', {
      token: ann.token,
    });
    expect(none.body.conversations).toEqual([]);
  });

  it('shows one case with the customer, the transcript with notes, the other cases and the place in line', async () => {
    const id = await server.queued('detail-1');
    const res = await server.call('GET', `/admin/v1/conversations/${id}`, { token: ann.token });
    expect(res.status).toBe(200);
    expect(res.body.conversation).toMatchObject({ id, mode: 'queued' });
    expect(res.body.customer.identities).toEqual([
      expect.objectContaining({ channel: 'telegram', externalId: 'detail-1' }),
    ]);
    expect(res.body.messages[0]).toMatchObject({ author: 'customer', text: 'I want to talk to a human please' });
    expect(res.body.messages.some((m: { author: string }) => m.author === 'bot')).toBe(true);
    expect(res.body.history).toEqual([]);
    expect(res.body.viewers).toEqual([]);
    expect(res.body.placeInLine).toEqual({ place: expect.any(Number), of: expect.any(Number) });
    const missing = await server.call('GET', '/admin/v1/conversations/cnv_nope', { token: ann.token });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('E_NOT_FOUND');
  });

  it('of two agents claiming the same conversation at once, exactly one gets it and the other 409 E_CLAIM_CONFLICT', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await server.queued(`race-${round}`);
      const answers = await Promise.all([
        post(`/admin/v1/conversations/${id}/claim`, ann.token),
        post(`/admin/v1/conversations/${id}/claim`, bob.token),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      const winner = answers.find((a) => a.status === 200)!;
      const loser = answers.find((a) => a.status === 409)!;
      expect(loser.body.error.code).toBe('E_CLAIM_CONFLICT');
      expect(winner.body.conversation).toMatchObject({ id, mode: 'agent' });
      const stored = await server.handle.desk.store.getConversation(id);
      expect(stored?.assignee).toBe(winner.body.conversation.assignee);
    }
  });

  it('a reply to a conversation still in the queue is refused until someone claims it', async () => {
    const id = await server.queued('unclaimed-1');
    const res = await post(`/admin/v1/conversations/${id}/messages`, ann.token, { text: 'hello?' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('E_INVALID_STATE');
  });

  it('an agent replies (out through the outbox), notes, transfers to a skill, and the next agent claims and resolves', async () => {
    const id = await server.queued('work-1');
    await post(`/admin/v1/conversations/${id}/claim`, ann.token);
    const reply = await post(`/admin/v1/conversations/${id}/messages`, ann.token, { text: 'Hi, I am Ann.' });
    expect(reply.status).toBe(201);
    expect(reply.body.message).toMatchObject({
      author: 'agent',
      agentId: ann.id,
      text: 'Hi, I am Ann.',
      internal: false,
    });
    expect(reply.body.conversation.sla.firstRespondedAt).toBeDefined();
    const outbox = await server.handle.desk.store.listOutbox({ conversationId: id });
    expect(outbox.find((o) => o.messageId === reply.body.message.id)).toMatchObject({ text: 'Hi, I am Ann.' });

    const note = await post(`/admin/v1/conversations/${id}/messages`, ann.token, {
      text: 'tech issue',
      internal: true,
    });
    expect(note.body.message).toMatchObject({ internal: true });
    expect(
      (await server.handle.desk.store.listOutbox({ conversationId: id })).some((o) => o.text === 'tech issue'),
    ).toBe(false);

    const transfer = await post(`/admin/v1/conversations/${id}/transfer`, ann.token, { skill: 'tech' });
    expect(transfer.body.conversation).toMatchObject({ mode: 'queued', skill: 'tech' });
    await post(`/admin/v1/conversations/${id}/claim`, bob.token);
    const toSue = await post(`/admin/v1/conversations/${id}/transfer`, bob.token, { agent: sue.id });
    expect(toSue.body.conversation).toMatchObject({ mode: 'agent', assignee: sue.id });
    const resolved = await post(`/admin/v1/conversations/${id}/resolve`, sue.token);
    expect(resolved.status).toBe(200);
    expect(resolved.body.conversation).toMatchObject({ mode: 'resolved', resolvedAt: expect.any(String) });
    // The care flow asks the customer for a rating once a person resolved the case.
    const survey = await server.handle.desk.store.listOutbox({ conversationId: id });
    expect(survey.some((o) => /satisfied/.test(o.text))).toBe(true);
    // While the survey runs the case is resolved: listed as such, and resolving it again is refused.
    const list = await server.call('GET', '/admin/v1/conversations?mode=resolved', { token: sue.token });
    expect(list.body.conversations.find((c: { id: string }) => c.id === id)).toMatchObject({
      mode: 'resolved',
      surveyUntil: expect.any(String),
    });
    const again = await post(`/admin/v1/conversations/${id}/resolve`, sue.token);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('E_INVALID_STATE');

    const detail = await server.call('GET', `/admin/v1/conversations/${id}`, { token: ann.token });
    expect(
      detail.body.messages
        .filter((m: { author: string }) => m.author === 'agent')
        .map((m: { text: string; internal: boolean }) => `${m.internal ? 'note: ' : ''}${m.text}`),
    ).toEqual(['Hi, I am Ann.', 'note: tech issue']);
  });

  it('every action is an event with the acting agent', async () => {
    const id = await server.queued('audit-1');
    await post(`/admin/v1/conversations/${id}/claim`, ann.token);
    await post(`/admin/v1/conversations/${id}/messages`, ann.token, { text: 'hello' });
    await post(`/admin/v1/conversations/${id}/messages`, bob.token, { text: 'whisper', internal: true });
    await post(`/admin/v1/conversations/${id}/transfer`, ann.token, { agent: bob.id });
    await post(`/admin/v1/conversations/${id}/release`, bob.token);
    await post(`/admin/v1/conversations/${id}/resolve`, sue.token);
    await server.call('PUT', '/admin/v1/me/presence', { token: ann.token, body: { presence: 'away' } });
    const events = await server.handle.desk.store.listEvents(0, 100_000);
    const mine = events
      .filter((e) => e.conversationId === id && e.agentId)
      .map((e) => `${e.type}:${e.agentId === ann.id ? 'ann' : e.agentId === bob.id ? 'bob' : 'sue'}`);
    expect(mine).toEqual([
      'conversation.assigned:ann',
      'message.sent:ann',
      'conversation.first_response:ann',
      'note.added:bob',
      'conversation.transferred:ann',
      'conversation.released:bob',
      'conversation.resolved:sue',
    ]);
    expect(events.find((e) => e.type === 'agent.presence_changed' && e.data.subjectId === ann.id)?.agentId).toBe(
      ann.id,
    );
    await server.call('PUT', '/admin/v1/me/presence', { token: ann.token, body: { presence: 'online' } });
  });

  it('an agent sets their presence and reads it back', async () => {
    const put = await server.call('PUT', '/admin/v1/me/presence', { token: bob.token, body: { presence: 'away' } });
    expect(put.status).toBe(200);
    expect(put.body.agent).toMatchObject({ id: bob.id, presence: 'away', load: expect.any(Number) });
    expect((await server.call('GET', '/admin/v1/me/presence', { token: bob.token })).body).toEqual({
      presence: 'away',
    });
    await server.call('PUT', '/admin/v1/me/presence', { token: bob.token, body: { presence: 'online' } });
  });
});

describe('admin API: taking over from the bot', () => {
  it('a supervisor takes over a conversation the bot is handling, and the bot stays silent on the next customer message', async () => {
    const id = await server.say('takeover-1', 'my internet is very slow');
    expect((await server.handle.desk.store.getConversation(id))?.mode).toBe('bot');
    const botMessages = async () =>
      (await server.handle.desk.store.listMessages(id)).filter((m) => m.author === 'bot').length;
    const before = await botMessages();
    expect(before).toBeGreaterThan(0);

    const plain = await post(`/admin/v1/conversations/${id}/takeover`, ann.token);
    expect(plain.status).toBe(403);
    const res = await post(`/admin/v1/conversations/${id}/takeover`, sue.token);
    expect(res.status).toBe(200);
    expect(res.body.conversation).toMatchObject({ mode: 'agent', assignee: sue.id });

    await server.say('takeover-1', 'no, that did not help');
    expect(await botMessages()).toBe(before);
    const reply = await post(`/admin/v1/conversations/${id}/messages`, sue.token, {
      text: 'Sue here, I will check your line.',
    });
    expect(reply.status).toBe(201);

    // Handed back, the bot answers again.
    const released = await post(`/admin/v1/conversations/${id}/release`, sue.token);
    expect(released.body.conversation.mode).toBe('bot');
    await server.say('takeover-1', 'how do I pay my bill?');
    expect(await botMessages()).toBeGreaterThan(before);
  });
});
