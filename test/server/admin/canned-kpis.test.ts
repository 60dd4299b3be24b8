import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminTestServer, startAdminServer, type TestAgent } from './helpers.js';

let server: AdminTestServer;
let ann: TestAgent;
let bob: TestAgent;
let sue: TestAgent;

beforeAll(async () => {
  server = await startAdminServer();
  ann = await server.agent({ name: 'Ann' });
  bob = await server.agent({ name: 'Bob' });
  sue = await server.agent({ name: 'Sue', role: 'supervisor' });
});
afterAll(() => server.close());

describe('admin API: canned responses', () => {
  it('an agent saves a reply, the team lists it, only its writer or a supervisor changes or removes it', async () => {
    const created = await server.call('POST', '/admin/v1/canned', {
      token: ann.token,
      body: { title: 'Greeting', text: 'Hello! How can I help?', skills: ['billing'], language: 'en' },
    });
    expect(created.status).toBe(201);
    expect(created.body.canned).toMatchObject({ id: expect.any(String), title: 'Greeting', createdBy: ann.id });
    const id = created.body.canned.id;

    const list = await server.call('GET', '/admin/v1/canned', { token: bob.token });
    expect(list.body.canned.map((c: { id: string }) => c.id)).toEqual([id]);

    const byBob = await server.call('PUT', `/admin/v1/canned/${id}`, { token: bob.token, body: { text: 'Hi' } });
    expect(byBob.status).toBe(403);
    expect(byBob.body.error.code).toBe('E_FORBIDDEN');
    const byAnn = await server.call('PUT', `/admin/v1/canned/${id}`, {
      token: ann.token,
      body: { text: 'Hello again!' },
    });
    expect(byAnn.body.canned).toMatchObject({ id, title: 'Greeting', text: 'Hello again!' });

    expect((await server.call('DELETE', `/admin/v1/canned/${id}`, { token: bob.token })).status).toBe(403);
    const removed = await server.call('DELETE', `/admin/v1/canned/${id}`, { token: sue.token });
    expect(removed.status).toBe(204);
    expect(removed.body).toBeUndefined();
    expect((await server.call('GET', '/admin/v1/canned', { token: ann.token })).body.canned).toEqual([]);
    expect((await server.call('DELETE', `/admin/v1/canned/${id}`, { token: sue.token })).status).toBe(404);

    const audit = (await server.handle.desk.store.listEvents(0, 10_000))
      .filter((e) => e.type.startsWith('canned.'))
      .map((e) => `${e.type}:${e.agentId === ann.id ? 'ann' : 'sue'}`);
    expect(audit).toEqual(['canned.created:ann', 'canned.updated:ann', 'canned.removed:sue']);
  });

  it('a reply of spaces only is refused with 400, when saved or changed, and nothing is stored', async () => {
    for (const text of ['   ', ' \n\t ']) {
      const res = await server.call('POST', '/admin/v1/canned', { token: ann.token, body: { title: 'Blank', text } });
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({ code: 'E_INVALID_INPUT', message: expect.stringContaining('blank') });
    }
    const list = await server.call('GET', '/admin/v1/canned', { token: ann.token });
    expect(list.body.canned.map((c: { title: string }) => c.title)).not.toContain('Blank');

    const created = await server.call('POST', '/admin/v1/canned', {
      token: ann.token,
      body: { title: 'Signature', text: '\nAnn from the care team' },
    });
    expect(created.status).toBe(201);
    const id = created.body.canned.id;
    const blanked = await server.call('PUT', `/admin/v1/canned/${id}`, { token: ann.token, body: { text: '  ' } });
    expect(blanked.status).toBe(400);
    const kept = await server.call('GET', '/admin/v1/canned', { token: ann.token });
    expect(kept.body.canned.find((c: { id: string }) => c.id === id)?.text).toBe('\nAnn from the care team');
    await server.call('DELETE', `/admin/v1/canned/${id}`, { token: ann.token });
  });
});

describe('admin API: KPIs', () => {
  it('reports the KPIs since a period or a date, by channel or agent, with 12 hours of volume', async () => {
    const id = await server.queued('kpi-1');
    await server.call('POST', `/admin/v1/conversations/${id}/claim`, { token: ann.token });
    await server.call('POST', `/admin/v1/conversations/${id}/messages`, { token: ann.token, body: { text: 'Hi!' } });
    await server.call('POST', `/admin/v1/conversations/${id}/resolve`, { token: ann.token });

    const res = await server.call('GET', '/admin/v1/kpis', { token: ann.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ by: null, kpis: { all: { conversations: 1, handoffRate: 1 } } });
    expect(Date.parse(res.body.now) - Date.parse(res.body.since)).toBe(7 * 86_400_000);
    expect(res.body.volume).toHaveLength(12);
    const thisHour = res.body.volume.at(-1);
    expect(thisHour).toMatchObject({ inbound: 1, outbound: expect.any(Number) });
    expect(thisHour.outbound).toBeGreaterThanOrEqual(3);

    const byAgent = await server.call('GET', '/admin/v1/kpis?since=24h&by=agent', { token: ann.token });
    expect(Object.keys(byAgent.body.kpis)).toEqual([ann.id]);
    const byChannel = await server.call('GET', '/admin/v1/kpis?since=2020-01-01&by=channel', { token: ann.token });
    expect(byChannel.body.since).toBe('2020-01-01T00:00:00.000Z');
    expect(Object.keys(byChannel.body.kpis)).toEqual(['telegram']);
    const future = await server.call('GET', '/admin/v1/kpis?since=2999-01-01T00:00:00Z', { token: ann.token });
    expect(future.body.kpis).toEqual({});
  });
});
