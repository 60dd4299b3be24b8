import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerRegistry } from '../../../server/admin/index.js';
import { type AdminTestServer, startAdminServer, type TestAgent } from './helpers.js';

describe('ViewerRegistry', () => {
  it('shows who views or types, drops them 30 s after their last refresh, and tells listeners only of changes', () => {
    let now = Date.parse('2026-01-05T10:00:00Z');
    const registry = new ViewerRegistry({ now: () => now });
    const heard: string[] = [];
    registry.onChange((id, viewers) => heard.push(`${id}:${viewers.map((v) => `${v.name}/${v.activity}`).join(',')}`));
    const ann = { id: 'agt_ann', name: 'Ann' };
    const bob = { id: 'agt_bob', name: 'Bob' };
    try {
      registry.report('c1', ann, 'viewing');
      now += 1000;
      expect(registry.report('c1', bob, 'typing')).toEqual([
        { agentId: 'agt_ann', name: 'Ann', activity: 'viewing', since: '2026-01-05T10:00:00.000Z' },
        { agentId: 'agt_bob', name: 'Bob', activity: 'typing', since: '2026-01-05T10:00:01.000Z' },
      ]);
      now += 20_000;
      registry.report('c1', ann, 'viewing'); // a refresh: no news
      now += 10_000;
      // Bob's last word was 30 s ago: he lapses; Ann refreshed 10 s ago and stays.
      expect(registry.sweep()).toEqual(['c1']);
      expect(registry.list('c1').map((v) => v.name)).toEqual(['Ann']);
      registry.report('c1', ann, 'left');
      expect(registry.list('c1')).toEqual([]);
      expect(heard).toEqual(['c1:Ann/viewing', 'c1:Ann/viewing,Bob/typing', 'c1:Ann/viewing', 'c1:']);
    } finally {
      registry.stop();
    }
  });
});

describe('admin API: viewers', () => {
  let server: AdminTestServer;
  let ann: TestAgent;
  let bob: TestAgent;
  beforeAll(async () => {
    server = await startAdminServer();
    ann = await server.agent({ name: 'Ann' });
    bob = await server.agent({ name: 'Bob' });
  });
  afterAll(() => server.close());

  it('two agents on one conversation see each other, in the detail too', async () => {
    const id = await server.queued('viewers-http');
    const viewers = (token: string, activity: string) =>
      server.call('POST', `/admin/v1/conversations/${id}/viewers`, { token, body: { activity } });
    await viewers(ann.token, 'viewing');
    const both = await viewers(bob.token, 'typing');
    expect(both.body.viewers.map((v: { name: string; activity: string }) => `${v.name}/${v.activity}`)).toEqual([
      'Ann/viewing',
      'Bob/typing',
    ]);
    const detail = await server.call('GET', `/admin/v1/conversations/${id}`, { token: ann.token });
    expect(detail.body.viewers).toEqual(both.body.viewers);
    const left = await viewers(bob.token, 'left');
    expect(left.body.viewers.map((v: { name: string }) => v.name)).toEqual(['Ann']);
    const unknown = await server.call('POST', '/admin/v1/conversations/cnv_nope/viewers', {
      token: ann.token,
      body: { activity: 'viewing' },
    });
    expect(unknown.status).toBe(404);
  });
});
