import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Desk, HumanDesk, InvalidInputError, MemoryStore, NotFoundError, StoreLockedError } from '../../core/index.js';
import { buildServer, loadConfig, type ServerPlugin, startServer } from '../../server/index.js';

const config = loadConfig({ CAREDESK_STORE: 'memory', LOG_LEVEL: 'silent' });
const logger = pino({ level: 'silent' });
let app: FastifyInstance | undefined;

async function serve(plugins: ServerPlugin[] = []): Promise<{ app: FastifyInstance; desk: Desk }> {
  const store = new MemoryStore();
  await store.open();
  const desk = new Desk({ store });
  app = buildServer({ config, desk, human: new HumanDesk(desk), logger, plugins });
  await app.ready();
  return { app, desk };
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('HTTP server', () => {
  it('/healthz answers 200 with the store and the number of conversations', async () => {
    const { app, desk } = await serve();
    await desk.receive({ channel: 'telegram', externalUserId: '7', channelMessageId: 'm1', text: 'hello' });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    // A server without the duties started (built alone, as here) says so; the process is named after its host and pid.
    expect(res.json()).toEqual({
      status: 'ok',
      store: 'memory',
      conversations: 1,
      process: { name: `${hostname()}:${process.pid}`, duties: false, processes: [`${hostname()}:${process.pid}`] },
    });
  });

  it('/healthz names the data directory to this machine only: elsewhere, or through a proxy, just the store kind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'caredesk-healthz-'));
    const dataDir = join(dir, 'data');
    const handle = await startServer(
      loadConfig({
        CAREDESK_DATA_DIR: dataDir,
        CAREDESK_FSYNC: 'false',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        CAREDESK_PROCESS_NAME: 'desk-a',
      }),
      { handleSignals: false, logger },
    );
    // Alone on its store, the process does the duties (polling, delivery, timers) and is the desk's only one.
    const process = { name: 'desk-a', duties: true, processes: ['desk-a'] };
    try {
      const local = await fetch(`${handle.url}/healthz`);
      expect(await local.json()).toEqual({ status: 'ok', store: dataDir, conversations: 0, process });
      const relays: Array<Record<string, string>> = [
        { 'x-forwarded-for': '203.0.113.9' },
        { forwarded: 'for=203.0.113.9' },
        { 'x-real-ip': '203.0.113.9' },
      ];
      for (const headers of relays) {
        const relayed = await fetch(`${handle.url}/healthz`, { headers });
        expect(relayed.status).toBe(200);
        const body = await relayed.text();
        expect(JSON.parse(body)).toEqual({ status: 'ok', store: 'embedded', conversations: 0, process });
        expect(body).not.toContain(dir);
      }
      const remote = await handle.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '203.0.113.9' });
      expect(remote.json()).toEqual({ status: 'ok', store: 'embedded', conversations: 0, process });
    } finally {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('/healthz answers 503 when the store is closed', async () => {
    const { app, desk } = await serve();
    await desk.store.close();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unavailable', error: { code: 'E_STORE_CLOSED' } });
  });

  it('a channel plugin mounts its routes, and a malformed JSON body gets 400 with an error body, not 500', async () => {
    const echo: ServerPlugin = (scope) => {
      scope.post('/echo', async (request) => request.body);
    };
    const { app } = await serve([echo]);
    const ok = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(ok.json()).toEqual({ a: 1 });
    const bad = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"a": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: {
        code: 'E_INVALID_INPUT',
        message: 'The request body is not valid JSON. Send one JSON document with Content-Type: application/json.',
      },
    });
  });

  it('errors a route throws become the status of their code and {error:{code,message}}', async () => {
    const failing: ServerPlugin = (scope) => {
      scope.get('/missing', async () => {
        throw new NotFoundError('conversation', 'c_1');
      });
      scope.get('/invalid', async () => {
        throw new InvalidInputError('text: Too big');
      });
      scope.get('/locked', async () => {
        throw new StoreLockedError('/data', 'pid 1');
      });
    };
    const { app } = await serve([failing]);
    const missing = await app.inject({ method: 'GET', url: '/missing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toEqual({ code: 'E_NOT_FOUND', message: expect.stringContaining('c_1') });
    expect((await app.inject({ method: 'GET', url: '/invalid' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/locked' })).statusCode).toBe(503);
  });

  it('an unexpected error answers 500 without leaking its message to the client', async () => {
    const buggy: ServerPlugin = (scope) => {
      scope.get('/bug', async () => {
        throw new Error('secret internals at /home/x');
      });
    };
    const { app } = await serve([buggy]);
    const res = await app.inject({ method: 'GET', url: '/bug' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('E_INTERNAL');
    expect(res.body).not.toContain('secret internals');
  });

  it('an unknown route answers 404 in the same error shape', async () => {
    const { app } = await serve();
    const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toEqual({ code: 'E_NOT_FOUND', message: expect.stringContaining('GET /nope') });
  });
});
