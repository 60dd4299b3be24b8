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
      // A server each: four failures stay under the sign-in throttle.
      const fresh = await startAdminServer();
      try {
        for (const [method, path] of [
          ['GET', '/admin/v1/me'],
          ['GET', '/admin/v1/conversations'],
          ['POST', '/admin/v1/conversations/cnv_x/claim'],
          ['GET', '/admin/v1/events'],
        ] as const) {
          const res = await fresh.call(method, path, { headers });
          expect(res.status, `${method} ${path}`).toBe(401);
          expect(res.body.error).toEqual({ code: 'E_UNAUTHORIZED', message: expect.stringContaining('token') });
        }
      } finally {
        await fresh.close();
      }
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
  it('after 5 failed sign-ins in a minute an address gets 429 with Retry-After, yet a valid token from it gets in', async () => {
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
      expect((await server.call('GET', '/admin/v1/me', { token: ann.token })).status).toBe(200);
      // Signing in does not wipe the slate for the next guess.
      expect((await server.call('GET', '/admin/v1/me', { token: 'cdk_guess7' })).status).toBe(429);
    } finally {
      await server.close();
    }
  });

  it('five requests without a token do not lock a valid token out of that address', async () => {
    const server = await startAdminServer();
    try {
      const ann = await server.agent({ name: 'Ann' });
      for (let i = 0; i < 5; i++) expect((await server.call('GET', '/admin/v1/me')).status).toBe(401);
      expect((await server.call('GET', '/admin/v1/me')).status).toBe(429);
      expect((await server.call('GET', '/admin/v1/me', { token: ann.token })).status).toBe(200);
      expect((await server.call('GET', '/admin/v1/agents', { token: ann.token })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a token tried from ever new addresses is refused after 5 failures, whatever the address', async () => {
    const server = await startAdminServer({ TRUST_PROXY: '127.0.0.1' });
    try {
      const ann = await server.agent({ name: 'Ann' });
      const from = (i: number) => ({ 'x-forwarded-for': `203.0.113.${i}` });
      // Same first characters, different tails: what a search for the rest of a known token sends.
      const guess = (i: number) => `cdk_AbCdEfGh${i}xyz`;
      for (let i = 0; i < 5; i++) {
        expect((await server.call('GET', '/admin/v1/me', { token: guess(i), headers: from(i) })).status).toBe(401);
      }
      const refused = await server.call('GET', '/admin/v1/me', { token: guess(9), headers: from(9) });
      expect(refused.status).toBe(429);
      expect(refused.body.error.message).toContain('this token');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Another token from a fresh address is judged on its own, and a valid one always gets in.
      expect((await server.call('GET', '/admin/v1/me', { token: 'cdk_other', headers: from(10) })).status).toBe(401);
      expect((await server.call('GET', '/admin/v1/me', { token: ann.token, headers: from(1) })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('admin API behind a reverse proxy', () => {
  /** Five failed sign-ins from `guesser`, then a wrong and a valid token from each, all through the proxy. */
  async function guessThenSignIn(env: Record<string, string>) {
    const server = await startAdminServer(env);
    try {
      const ann = await server.agent({ name: 'Ann' });
      const via = (client: string) => ({ 'x-forwarded-for': client });
      for (let i = 0; i < 5; i++) {
        await server.call('GET', '/admin/v1/me', { token: `cdk_guess${i}`, headers: via('203.0.113.7') });
      }
      const status = async (token: string, client: string) =>
        (await server.call('GET', '/admin/v1/me', { token, headers: via(client) })).status;
      return {
        guesserWrong: await status('cdk_guess5', '203.0.113.7'),
        colleagueWrong: await status('cdk_typo', '198.51.100.20'),
        guesserValid: await status(ann.token, '203.0.113.7'),
        colleagueValid: await status(ann.token, '198.51.100.20'),
      };
    } finally {
      await server.close();
    }
  }

  it('with TRUST_PROXY naming the proxy, one client guessing tokens is held back alone', async () => {
    expect(await guessThenSignIn({ TRUST_PROXY: '127.0.0.1' })).toEqual({
      guesserWrong: 429,
      colleagueWrong: 401,
      guesserValid: 200,
      colleagueValid: 200,
    });
  });

  it('without it (or from a proxy it does not name) everyone shares the address, but a valid token still gets in', async () => {
    const shared = { guesserWrong: 429, colleagueWrong: 429, guesserValid: 200, colleagueValid: 200 };
    expect(await guessThenSignIn({})).toEqual(shared);
    expect(await guessThenSignIn({ TRUST_PROXY: '10.0.0.0/8' })).toEqual(shared);
  });
});

describe('LoginThrottle', () => {
  const at = (address: string, token?: string) => ({ address, token });

  it('refuses an address after its failures in a window, lets it in again when the window has passed', () => {
    let now = 0;
    const t = new LoginThrottle({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      t.check(at('1.1.1.1'));
      t.fail(at('1.1.1.1'));
    }
    expect(() => t.check(at('1.1.1.1'))).toThrow(expect.objectContaining({ code: 'E_RATE_LIMITED' }));
    expect(() => t.check(at('2.2.2.2'))).not.toThrow();
    now = 45_000;
    expect(() => t.check(at('1.1.1.1'))).toThrow(expect.objectContaining({ details: { retryAfterSeconds: 15 } }));
    now = 60_000;
    expect(() => t.check(at('1.1.1.1'))).not.toThrow();
  });

  it('refuses a token (by its first characters) failing from many addresses; other tokens stay free', () => {
    const t = new LoginThrottle({ maxFailures: 2 });
    t.fail(at('10.0.0.1', 'cdk_AbCdEfGh-one'));
    t.fail(at('10.0.0.2', 'cdk_AbCdEfGh-two'));
    expect(() => t.check(at('10.0.0.3', 'cdk_AbCdEfGh-three'))).toThrow(
      expect.objectContaining({ code: 'E_RATE_LIMITED' }),
    );
    expect(() => t.check(at('10.0.0.3', 'cdk_ZyXwVuTs-one'))).not.toThrow();
    expect(() => t.check(at('10.0.0.3'))).not.toThrow();
  });

  it('remembers a bounded number of addresses and tokens', () => {
    let now = 0;
    const t = new LoginThrottle({ maxFailures: 2, maxAddresses: 100, now: () => now });
    for (let i = 0; i < 1000; i++) {
      now++;
      t.fail(at(`10.0.${Math.floor(i / 256)}.${i % 256}`, `cdk_${String(i).padStart(8, '0')}`));
    }
    expect(t.size).toBeLessThanOrEqual(200);
  });

  it('reads only Bearer tokens', () => {
    expect(bearerToken('Bearer cdk_abc')).toBe('cdk_abc');
    expect(bearerToken('bearer   cdk_abc ')).toBe('cdk_abc');
    expect(bearerToken('Basic cdk_abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
