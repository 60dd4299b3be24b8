/**
 * Supervisors manage the team over the admin API, on a real server over
 * HTTP: add, change, set presence, rotate a token, remove; an agent is
 * refused; every change is in the audit, filtered by agent and by action.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminTestServer, startAdminServer, type TestAgent } from './admin/helpers.js';

let server: AdminTestServer;
let sue: TestAgent;
let ann: TestAgent;

beforeAll(async () => {
  server = await startAdminServer();
  sue = await server.agent({ name: 'Sue', role: 'supervisor' });
  ann = await server.agent({ name: 'Ann' });
});
afterAll(() => server.close());

const auditTypes = async (query: string): Promise<string[]> => {
  const res = await server.call('GET', `/admin/v1/audit?${query}`, { token: sue.token });
  expect(res.status).toBe(200);
  return res.body.events.map((e: { type: string }) => e.type);
};

describe('team admin: supervisors only', () => {
  it('an agent who is not a supervisor gets 403 E_FORBIDDEN, saying who may, on every team route and the audit', async () => {
    const calls: Array<[string, string, unknown?]> = [
      ['POST', '/admin/v1/agents', { name: 'Mallory' }],
      ['PUT', `/admin/v1/agents/${sue.id}`, { role: 'agent' }],
      ['DELETE', `/admin/v1/agents/${sue.id}`],
      ['POST', `/admin/v1/agents/${sue.id}/rotate-token`],
      ['PUT', `/admin/v1/agents/${sue.id}/presence`, { presence: 'offline' }],
      ['GET', '/admin/v1/audit'],
    ];
    for (const [method, path, body] of calls) {
      const res = await server.call(method, path, { token: ann.token, body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('E_FORBIDDEN');
      expect(res.body.error.message).toMatch(/^Only a supervisor may /);
    }
    const team = await server.call('GET', '/admin/v1/agents', { token: ann.token });
    expect(team.body.agents.map((a: { name: string }) => a.name).sort()).toEqual(['Ann', 'Sue']);
    expect((await server.call('GET', '/admin/v1/me', { token: sue.token })).body.agent.role).toBe('supervisor');
  });

  it('a supervisor adds an agent whose token works, rotates it (old 401, new works), changes capacity, sets presence, removes them; the audit shows each', async () => {
    const added = await server.call('POST', '/admin/v1/agents', {
      token: sue.token,
      body: { name: 'Marco', skills: ['billing'], languages: ['it', 'en'], capacity: 3 },
    });
    expect(added.status).toBe(201);
    expect(added.headers.get('cache-control')).toBe('no-store');
    expect(added.body.agent).toMatchObject({ name: 'Marco', role: 'agent', capacity: 3, presence: 'offline' });
    expect(added.body.agent).not.toHaveProperty('tokenHash');
    const marco: string = added.body.agent.id;
    const first: string = added.body.token;
    const me = await server.call('GET', '/admin/v1/me', { token: first });
    expect(me.status).toBe(200);
    expect(me.body.agent.name).toBe('Marco');

    const rotated = await server.call('POST', `/admin/v1/agents/${marco}/rotate-token`, { token: sue.token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.token).not.toBe(first);
    expect((await server.call('GET', '/admin/v1/me', { token: first })).status).toBe(401);
    expect((await server.call('GET', '/admin/v1/me', { token: rotated.body.token })).body.agent.id).toBe(marco);

    const changed = await server.call('PUT', `/admin/v1/agents/${marco}`, { token: sue.token, body: { capacity: 7 } });
    expect(changed.status).toBe(200);
    // Only the capacity changes: skills, languages and role stay as they were.
    expect(changed.body.agent).toMatchObject({
      capacity: 7,
      freeCapacity: 7,
      skills: ['billing'],
      languages: ['it', 'en'],
      role: 'agent',
    });

    const online = await server.call('PUT', `/admin/v1/agents/${marco}/presence`, {
      token: sue.token,
      body: { presence: 'online' },
    });
    expect(online.status).toBe(200);
    expect(online.body.agent.presence).toBe('online');
    const seen = await server.call('GET', '/admin/v1/me', { token: rotated.body.token });
    expect(seen.body.agent.presence).toBe('online');

    const removed = await server.call('DELETE', `/admin/v1/agents/${marco}`, { token: sue.token });
    expect(removed.status).toBe(200);
    expect(removed.body.agent).toMatchObject({ id: marco, name: 'Marco' });
    expect((await server.call('GET', '/admin/v1/me', { token: rotated.body.token })).status).toBe(401);
    const team = await server.call('GET', '/admin/v1/agents', { token: sue.token });
    expect(team.body.agents.map((a: { id: string }) => a.id)).not.toContain(marco);

    // Newest first, each by Sue about Marco.
    expect(await auditTypes(`agent=${marco}`)).toEqual([
      'agent.removed',
      'agent.presence_changed',
      'agent.updated',
      'agent.token_rotated',
      'agent.created',
    ]);
    const rotations = await server.call('GET', `/admin/v1/audit?agent=${marco}&action=agent.token_rotated`, {
      token: sue.token,
    });
    expect(rotations.body.events).toHaveLength(1);
    expect(rotations.body.events[0]).toMatchObject({ agentId: sue.id, data: { subjectId: marco } });
    expect(await auditTypes(`agent=${marco}&action=agent.created,agent.removed`)).toEqual([
      'agent.removed',
      'agent.created',
    ]);
    expect(await auditTypes(`agent=${ann.id}&action=agent.token_rotated`)).toEqual([]);
  });

  it('the audit pages newest first with a cursor, and refuses an unknown parameter or a bad time', async () => {
    for (const name of ['P1', 'P2', 'P3']) {
      expect((await server.call('POST', '/admin/v1/agents', { token: sue.token, body: { name } })).status).toBe(201);
    }
    const names = async (query: string) => {
      const res = await server.call('GET', `/admin/v1/audit?action=agent.created&${query}`, { token: sue.token });
      return { names: res.body.events.map((e: { data: { name: string } }) => e.data.name), next: res.body.nextCursor };
    };
    const page1 = await names('limit=2');
    expect(page1.names).toEqual(['P3', 'P2']);
    const page2 = await names(`limit=2&cursor=${page1.next}`);
    expect(page2.names).toEqual(['P1', 'Marco']);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await names(`from=${tomorrow}`)).names).toEqual([]);

    const typo = await server.call('GET', '/admin/v1/audit?agnet=x', { token: sue.token });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toContain('agnet');
    const badTime = await server.call('GET', '/admin/v1/audit?from=yesterday', { token: sue.token });
    expect(badTime.status).toBe(400);
    expect(badTime.body.error.message).toContain('from');
  });

  it('a supervisor cannot remove or demote themselves; bad input names the field; an unknown agent is a 404', async () => {
    const self = await server.call('DELETE', `/admin/v1/agents/${sue.id}`, { token: sue.token });
    expect(self.status).toBe(403);
    expect(self.body.error.message).toContain('cannot remove themselves');
    const demote = await server.call('PUT', `/admin/v1/agents/${sue.id}`, {
      token: sue.token,
      body: { role: 'agent' },
    });
    expect(demote.status).toBe(403);
    const capacity = await server.call('PUT', `/admin/v1/agents/${ann.id}`, {
      token: sue.token,
      body: { capacity: 0 },
    });
    expect(capacity.status).toBe(400);
    expect(capacity.body.error.message).toContain('capacity');
    const empty = await server.call('PUT', `/admin/v1/agents/${ann.id}`, { token: sue.token, body: {} });
    expect(empty.status).toBe(400);
    const stray = await server.call('POST', '/admin/v1/agents', { token: sue.token, body: { name: 'X', admin: true } });
    expect(stray.status).toBe(400);
    expect(stray.body.error.message).toContain('admin');
    expect((await server.call('DELETE', '/admin/v1/agents/agt_nobody', { token: sue.token })).status).toBe(404);
    expect((await server.call('GET', '/admin/v1/me', { token: sue.token })).body.agent.role).toBe('supervisor');
  });
});
