import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminTestServer, startAdminServer, type TestAgent } from './helpers.js';

let server: AdminTestServer;
let ann: TestAgent;
let conversation: string;
let canned: string;

beforeAll(async () => {
  server = await startAdminServer();
  ann = await server.agent({ name: 'Ann', role: 'supervisor' });
  conversation = await server.queued('bad-input');
  await server.call('POST', `/admin/v1/conversations/${conversation}/claim`, { token: ann.token });
  const created = await server.call('POST', '/admin/v1/canned', { token: ann.token, body: { title: 't', text: 'x' } });
  canned = created.body.canned.id;
});
afterAll(() => server.close());

interface Case {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly raw?: string;
  readonly type?: string;
  /** Default 400. */
  readonly status?: number;
  readonly code?: string;
}

const c = (path: string) => `/admin/v1/conversations/${conversation}${path}`;
const huge = JSON.stringify({ text: 'x'.repeat(100_000) });

function cases(): Case[] {
  const postActions = ['claim', 'takeover', 'release', 'resolve'].flatMap((a): Case[] => [
    { method: 'POST', path: c(`/${a}`), body: { please: true } },
    { method: 'POST', path: c(`/${a}`), body: [1] },
    { method: 'POST', path: c(`/${a}`), raw: '{"oops"', type: 'application/json' },
    { method: 'POST', path: `/admin/v1/conversations/cnv_unknown/${a}`, status: 404, code: 'E_NOT_FOUND' },
    // Longer than fastify's longest path parameter.
    { method: 'POST', path: `/admin/v1/conversations/${'x'.repeat(200)}/${a}`, status: 414 },
    { method: 'POST', path: `/admin/v1/conversations/%E0%A4%A/${a}` },
  ]);
  return [
    { method: 'PUT', path: '/admin/v1/me/presence' },
    { method: 'PUT', path: '/admin/v1/me/presence', body: { presence: 'busy' } },
    { method: 'PUT', path: '/admin/v1/me/presence', body: { presence: 1 } },
    { method: 'PUT', path: '/admin/v1/me/presence', body: { presence: 'away', mood: 'ok' } },
    { method: 'PUT', path: '/admin/v1/me/presence', raw: 'away', type: 'text/plain' },
    { method: 'PUT', path: '/admin/v1/me/presence', raw: '<p>away</p>', type: 'application/xml', status: 415 },
    { method: 'GET', path: '/admin/v1/conversations?mode=waiting' },
    { method: 'GET', path: '/admin/v1/conversations?mode=' },
    { method: 'GET', path: '/admin/v1/conversations?breached=yes' },
    { method: 'GET', path: '/admin/v1/conversations?limit=0' },
    { method: 'GET', path: '/admin/v1/conversations?limit=ten' },
    { method: 'GET', path: '/admin/v1/conversations?limit=20000' },
    { method: 'GET', path: '/admin/v1/conversations?channel=fax' },
    { method: 'GET', path: '/admin/v1/conversations?status=queued' },
    { method: 'GET', path: '/admin/v1/conversations?skill=a&skill=b' },
    { method: 'GET', path: `/admin/v1/conversations?q=${'q'.repeat(300)}` },
    { method: 'GET', path: `/admin/v1/conversations/${'x'.repeat(200)}`, status: 414 },
    { method: 'GET', path: '/admin/v1/conversations/cnv_unknown', status: 404, code: 'E_NOT_FOUND' },
    ...postActions,
    { method: 'POST', path: c('/messages') },
    { method: 'POST', path: c('/messages'), body: {} },
    { method: 'POST', path: c('/messages'), body: { text: 42 } },
    { method: 'POST', path: c('/messages'), body: { text: 'hi', internal: 'yes' } },
    { method: 'POST', path: c('/messages'), body: { text: 'hi', to: 'everyone' } },
    { method: 'POST', path: c('/messages'), body: { text: '   ' } },
    { method: 'POST', path: c('/messages'), body: { text: 'x'.repeat(5000) }, code: 'E_TEXT_TOO_LONG' },
    { method: 'POST', path: c('/messages'), raw: huge, type: 'application/json', status: 413 },
    { method: 'POST', path: c('/messages'), raw: '{"text": "hi",}', type: 'application/json' },
    { method: 'POST', path: c('/messages'), raw: '{"__proto__": {"x": 1}, "text": "hi"}', type: 'application/json' },
    { method: 'POST', path: '/admin/v1/conversations/cnv_unknown/messages', body: { text: 'hi' }, status: 404 },
    { method: 'POST', path: c('/transfer') },
    { method: 'POST', path: c('/transfer'), body: {} },
    { method: 'POST', path: c('/transfer'), body: { agent: 7 } },
    { method: 'POST', path: c('/transfer'), body: { agent: ann.id, skill: 'tech' } },
    { method: 'POST', path: c('/transfer'), body: { agent: 'agt_unknown' }, status: 404 },
    { method: 'POST', path: c('/viewers') },
    { method: 'POST', path: c('/viewers'), body: { activity: 'sleeping' } },
    { method: 'POST', path: '/admin/v1/canned', body: {} },
    { method: 'POST', path: '/admin/v1/canned', body: { title: '', text: 'x' } },
    { method: 'POST', path: '/admin/v1/canned', body: { title: 't', text: 1 } },
    { method: 'POST', path: '/admin/v1/canned', body: { title: 't', text: 'x', colour: 'red' } },
    { method: 'PUT', path: `/admin/v1/canned/${canned}`, body: { skills: 'billing' } },
    { method: 'POST', path: '/admin/v1/canned', body: { title: 't', text: '  \n ' } },
    { method: 'PUT', path: `/admin/v1/canned/${canned}`, body: { text: '   ' } },
    { method: 'PUT', path: '/admin/v1/canned/can_unknown', body: { text: 'x' }, status: 404 },
    { method: 'DELETE', path: '/admin/v1/canned/can_unknown', status: 404 },
    { method: 'GET', path: '/admin/v1/kpis?since=yesterday' },
    { method: 'GET', path: '/admin/v1/kpis?since=99999999999999999999d' },
    { method: 'GET', path: '/admin/v1/kpis?since=2026-02-30' },
    { method: 'GET', path: '/admin/v1/kpis?by=team' },
    { method: 'GET', path: '/admin/v1/kpis?from=7d' },
    { method: 'GET', path: '/admin/v1/customers/cus_unknown/links', status: 404, code: 'E_NOT_FOUND' },
    { method: 'GET', path: '/admin/v1/me?verbose=1' },
    { method: 'GET', path: '/admin/v1/agents?presence=online' },
    { method: 'GET', path: '/admin/v1/canned?skill=billing' },
    { method: 'GET', path: '/admin/v1/me/presence?x' },
    { method: 'PUT', path: '/admin/v1/me/presence?as=bob', body: { presence: 'online' } },
    { method: 'GET', path: `${c('')}?full=true` },
    { method: 'POST', path: `${c('/viewers')}?x=1`, body: { activity: 'viewing' } },
    { method: 'GET', path: '/admin/v1/nothing-here', status: 404 },
    { method: 'PATCH', path: '/admin/v1/me', status: 404 },
  ];
}

describe('admin API: bad input', () => {
  it('every route answers bad input with a 4xx and the JSON error body, never a 500', async () => {
    for (const k of cases()) {
      const headers = k.type ? { 'content-type': k.type } : undefined;
      const res = await server.call(k.method, k.path, { token: ann.token, body: k.body, raw: k.raw, headers });
      const what = `${k.method} ${k.path.slice(0, 80)} ${k.raw?.slice(0, 40) ?? JSON.stringify(k.body ?? null).slice(0, 40)}`;
      expect(res.status, what).toBe(k.status ?? 400);
      expect(res.body?.error, what).toEqual({ code: k.code ?? expect.any(String), message: expect.any(String) });
      if ((k.status ?? 400) === 400)
        expect(['E_INVALID_INPUT', 'E_TEXT_TOO_LONG'], what).toContain(res.body.error.code);
    }
    // Nothing above changed the conversation.
    const detail = await server.call('GET', `/admin/v1/conversations/${conversation}`, { token: ann.token });
    expect(detail.body.conversation).toMatchObject({ mode: 'agent', assignee: ann.id });
    expect(detail.body.messages.filter((m: { author: string }) => m.author === 'agent')).toEqual([]);
  });

  it('an unknown query parameter is a 400 that names it, where docs/api.md lists none', async () => {
    for (const path of ['/admin/v1/me', '/admin/v1/agents', '/admin/v1/canned', '/admin/v1/me/presence']) {
      const res = await server.call('GET', `${path}?limt=5&sort=name`, { token: ann.token });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('E_INVALID_INPUT');
      expect(res.body.error.message, path).toContain('"limt"');
      expect(res.body.error.message, path).toContain('"sort"');
      // Without it, the same route answers.
      expect((await server.call('GET', path, { token: ann.token })).status, path).toBe(200);
    }
    // Routes with parameters still take theirs, and name a stray one as before.
    expect((await server.call('GET', '/admin/v1/conversations?mode=all', { token: ann.token })).status).toBe(200);
    expect((await server.call('GET', '/admin/v1/kpis?since=24h', { token: ann.token })).status).toBe(200);
    const stray = await server.call('GET', '/admin/v1/kpis?limt=5', { token: ann.token });
    expect(stray.status).toBe(400);
    expect(stray.body.error.message).toContain('limt');
  });

  it('an action without a body works whether or not the client sends a JSON Content-Type', async () => {
    const id = await server.queued('no-body');
    const res = await server.call('POST', `/admin/v1/conversations/${id}/claim`, {
      token: ann.token,
      raw: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    const resolved = await server.call('POST', `/admin/v1/conversations/${id}/resolve`, { token: ann.token, body: {} });
    expect(resolved.status).toBe(200);
  });
});
