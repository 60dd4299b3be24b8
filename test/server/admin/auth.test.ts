import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken, LoginThrottle } from '../../../server/admin/index.js';
import { type AdminTestServer, startAdminServer, type TestAgent } from './helpers.js';

describe('admin API: who is calling', () => {
  let server: AdminTestServer;
  let ann: TestAgent;
  beforeAll(async () => {
    server = await startAdminServer();
    ann = await server.agent({ name: 'Ann', skills: ['billing'], languages: ['en'] });
  });
  afterAll(() => server.close());

  it('an agent with a token sees themselves with their load, never the token hash', async () => {
    const me = await server.call('GET', '/admin/v1/me', { token: ann.token });
    expect(me.status).toBe(200);
    expect(me.body.agent).toMatchObject({ id: ann.id, name: 'Ann', role: 'agent', presence: 'online', load: 0 });
    expect(JSON.stringify(me.body)).not.toContain('tokenHash');
    const team = await server.call('GET', '/admin/v1/agents', { token: ann.token });
    expect(team.body.agents.map((a: { id: string }) => a.id)).toEqual([ann.id]);
    expect(JSON.stringify(team.body)).not.toContain('tokenHash');
  });

  it('no token, a wrong token or another scheme is 401 with E_UNAUTHORIZED on every route', async () => {
    const headerSets: Record<string, string>[] = [
      {},
      { authorization: 'Bearer cdk_wrong' },
      { authorization: `Basic ${ann.token}` },
    ];
    for (const headers of headerSets) {
      for (const [method, path] of [
        ['GET', '/admin/v1/me'],
        ['GET', '/admin/v1/conversations'],
        ['POST', '/admin/v1/conversations/cnv_x/claim'],
        ['GET', '/admin/v1/events'],
      ] as const) {
        const res = await server.call(method, path, { headers });
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body.error).toEqual({ code: 'E_UNAUTHORIZED', message: expect.stringContaining('token') });
      }
      // A successful call in between: failures are counted only until a good token arrives.
      expect((await server.call('GET', '/admin/v1/me', { token: ann.token })).status).toBe(200);
    }
  });

  it('a rotated token stops working at once', async () => {
    const bob = await server.agent({ name: 'Bob' });
    await server.handle.human.rotateToken(bob.id);
    expect((await server.call('GET', '/admin/v1/me', { token: bob.token })).status).toBe(401);
    expect((await server.call('GET', '/admin/v1/me', { token: ann.token })).status).toBe(200);
  });

  it('an agent may not act on a conversation someone else owns: 403 E_FORBIDDEN', async () => {
    const bob = await server.agent({ name: 'Bob' });
    const id = await server.queued('u-forbidden');
    expect((await server.call('POST', `/admin/v1/conversations/${id}/claim`, { token: ann.token })).status).toBe(200);
    for (const [path, body] of [
      ['messages', { text: 'let me answer' }],
      ['transfer', { skill: 'tech' }],
      ['release', undefined],
      ['resolve', undefined],
    ] as const) {
      const res = await server.call('POST', `/admin/v1/conversations/${id}/${path}`, { token: bob.token, body });
      expect(res.status, path).toBe(403);
      expect(res.body.error.code).toBe('E_FORBIDDEN');
    }
    // A note is for anyone on the team.
    const note = await server.call('POST', `/admin/v1/conversations/${id}/messages`, {
      token: bob.token,
      body: { text: 'I know this customer', internal: true },
    });
    expect(note.status).toBe(201);
  });
});

describe('admin API: guessing tokens', () => {
  it('after 5 failed sign-ins in a minute an address gets 429 with Retry-After, even with a valid token', async () => {
    const server = await startAdminServer();
    try {
      const ann = await server.agent({ name: 'Ann' });
      for (let i = 0; i < 5; i++) {
        expect((await server.call('GET', '/admin/v1/me', { token: `cdk_guess${i}` })).status).toBe(401);
      }
      const refused = await server.call('GET', '/admin/v1/me', { token: 'cdk_guess6' });
      expect(refused.status).toBe(429);
      expect(refused.body.error).toEqual({ code: 'E_RATE_LIMITED', message: expect.stringContaining('wait') });
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect((await server.call('GET', '/admin/v1/me', { token: ann.token })).status).toBe(429);
    } finally {
      await server.close();
    }
  });
});

describe('admin API behind a reverse proxy', () => {
  /** Five failed sign-ins from `guesser`, then a valid token from `colleague`, both through the proxy. */
  async function guessThenSignIn(env: Record<string, string>): Promise<{ guesser: number; colleague: number }> {
    const server = await startAdminServer(env);
    try {
      const ann = await server.agent({ name: 'Ann' });
      const via = (client: string) => ({ 'x-forwarded-for': client });
      for (let i = 0; i < 5; i++) {
        await server.call('GET', '/admin/v1/me', { token: `cdk_guess${i}`, headers: via('203.0.113.7') });
      }
      const guesser = await server.call('GET', '/admin/v1/me', { token: ann.token, headers: via('203.0.113.7') });
      const colleague = await server.call('GET', '/admin/v1/me', { token: ann.token, headers: via('198.51.100.20') });
      return { guesser: guesser.status, colleague: colleague.status };
    } finally {
      await server.close();
    }
  }

  it('with TRUST_PROXY naming the proxy, one client guessing tokens does not lock out the rest of the team', async () => {
    expect(await guessThenSignIn({ TRUST_PROXY: '127.0.0.1' })).toEqual({ guesser: 429, colleague: 200 });
  });

  it('without it (or from a proxy it does not name) X-Forwarded-For is not believed: everyone shares the address', async () => {
    expect(await guessThenSignIn({})).toEqual({ guesser: 429, colleague: 429 });
    expect(await guessThenSignIn({ TRUST_PROXY: '10.0.0.0/8' })).toEqual({ guesser: 429, colleague: 429 });
  });
});

describe('LoginThrottle', () => {
  it('refuses an address after its failures in a window, lets it in again when the window has passed', () => {
    let now = 0;
    const t = new LoginThrottle({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      t.check('1.1.1.1');
      t.fail('1.1.1.1');
    }
    expect(() => t.check('1.1.1.1')).toThrow(expect.objectContaining({ code: 'E_RATE_LIMITED' }));
    expect(() => t.check('2.2.2.2')).not.toThrow();
    now = 45_000;
    expect(() => t.check('1.1.1.1')).toThrow(expect.objectContaining({ details: { retryAfterSeconds: 15 } }));
    now = 60_000;
    expect(() => t.check('1.1.1.1')).not.toThrow();
  });

  it('a success clears the count; the number of addresses remembered is bounded', () => {
    let now = 0;
    const t = new LoginThrottle({ maxFailures: 2, maxAddresses: 100, now: () => now });
    t.fail('a');
    t.succeed('a');
    t.fail('a');
    expect(() => t.check('a')).not.toThrow();
    for (let i = 0; i < 1000; i++) {
      now++;
      t.fail(`10.0.${Math.floor(i / 256)}.${i % 256}`);
    }
    expect(t.size).toBeLessThanOrEqual(100);
  });

  it('reads only Bearer tokens', () => {
    expect(bearerToken('Bearer cdk_abc')).toBe('cdk_abc');
    expect(bearerToken('bearer   cdk_abc ')).toBe('cdk_abc');
    expect(bearerToken('Basic cdk_abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
