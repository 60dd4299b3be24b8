import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { authenticate, EmbeddedStore } from '../../core/index.js';
import { controlFilePath, openDesk, readControlFile } from '../../server/control/index.js';
import { type Config, loadConfig, type ServerHandle, startServer } from '../../server/index.js';

const dirs: string[] = [];
const servers: ServerHandle[] = [];

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'caredesk-control-'));
  dirs.push(dir);
  return join(dir, 'data');
}

const configFor = (dir: string, env: Record<string, string> = {}): Config =>
  loadConfig({ PORT: '0', CAREDESK_DATA_DIR: dir, CAREDESK_FSYNC: 'false', LOG_LEVEL: 'silent', ...env });

async function serve(config: Config): Promise<ServerHandle> {
  const server = await startServer(config, { handleSignals: false, logger: pino({ level: 'silent' }) });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('the control file', () => {
  it('a server on a data directory leaves its URL, pid and secret there, readable by its user only, and takes them away when it stops', async () => {
    const dir = await dataDir();
    const server = await serve(configFor(dir));
    const control = readControlFile(dir);
    expect(control).toMatchObject({ url: server.url, pid: process.pid, dataDir: dir });
    expect(control!.secret.length).toBeGreaterThanOrEqual(32);
    expect((await stat(controlFilePath(dir))).mode & 0o777).toBe(0o600);
    await server.close();
    await expect(stat(controlFilePath(dir))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a server on the memory store writes none and has no control route', async () => {
    const dir = await dataDir();
    const server = await serve(configFor(dir, { CAREDESK_STORE: 'memory' }));
    expect(readControlFile(dir)).toBeUndefined();
    const res = await server.app.inject({ method: 'GET', url: '/control/v1/agents' });
    expect(res.statusCode).toBe(404);
  });
});

describe('the control route', () => {
  it('answers this machine with the secret only: another address is refused with 403, a missing or wrong secret with 401', async () => {
    const dir = await dataDir();
    const server = await serve(configFor(dir));
    const { secret } = readControlFile(dir)!;
    const call = (headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
      server.app.inject({ method: 'GET', url: '/control/v1/agents', headers, remoteAddress });
    const bearer = { authorization: `Bearer ${secret}` };

    const ok = await call(bearer);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ agents: [] });
    expect((await call(bearer, '::1')).statusCode).toBe(200);

    const remote = await call(bearer, '203.0.113.7');
    expect(remote.statusCode).toBe(403);
    expect(remote.json().error.code).toBe('E_FORBIDDEN');
    const proxied = await call({ ...bearer, 'x-forwarded-for': '203.0.113.7' });
    expect(proxied.statusCode).toBe(403);

    expect((await call({})).json().error).toMatchObject({ code: 'E_UNAUTHORIZED' });
    expect((await call({ authorization: `Bearer ${secret}x` })).statusCode).toBe(401);
    expect((await call({ authorization: secret })).statusCode).toBe(401);
  });

  it('never shows a token hash, and refuses bad KPI queries with the field named', async () => {
    const dir = await dataDir();
    const server = await serve(configFor(dir));
    const headers = { authorization: `Bearer ${readControlFile(dir)!.secret}` };
    const created = await server.app.inject({
      method: 'POST',
      url: '/control/v1/agents',
      headers,
      payload: { name: 'Ann', role: 'supervisor' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body).not.toContain('tokenHash');
    const list = await server.app.inject({ method: 'GET', url: '/control/v1/agents', headers });
    expect(list.body).not.toContain('tokenHash');
    expect(list.body).not.toContain(created.json().token);

    const bad = await server.app.inject({ method: 'GET', url: '/control/v1/kpis?since=yesterday&by=team', headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/since/);
    expect(bad.json().error.message).toMatch(/by/);
  });
});

describe('opening a data directory from the command line', () => {
  it('goes through the server while it owns the directory, and opens the store itself once it stopped', async () => {
    const dir = await dataDir();
    const config = configFor(dir);
    const server = await serve(config);

    const remote = await openDesk(config, { waitMs: 2_000 });
    expect(remote.via).toEqual({ url: server.url, pid: process.pid });
    const { token } = await remote.ops.createAgent({ name: 'Ann', role: 'supervisor' });
    await remote.close();
    // The running server knows the agent at once: the CLI did not write behind its back.
    expect((await authenticate(server.desk.store, token)).name).toBe('Ann');
    await server.close();

    const local = await openDesk(config, { waitMs: 2_000 });
    expect(local.via).toBe('store');
    expect((await local.ops.listAgents()).map((a) => a.name)).toEqual(['Ann']);
    await local.close();
  });

  it('waits for a lock holder that takes no commands, then says who holds it and why it cannot ask it', async () => {
    const dir = await dataDir();
    const holder = new EmbeddedStore(dir, { fsync: false });
    await holder.open();
    try {
      const error = await openDesk(configFor(dir), { waitMs: 300 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'E_STORE_LOCKED' });
      expect((error as Error).message).toContain(`Data directory ${dir} is locked by another caredesk process`);
      expect((error as Error).message).toContain('there is no control.json');
    } finally {
      await holder.close();
    }
  });

  it('refuses a directory that does not exist unless asked to create it, and the memory store', async () => {
    const dir = await dataDir();
    await expect(openDesk(configFor(dir))).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringContaining(`There is no data directory at ${dir}`),
    });
    await expect(openDesk(configFor(dir, { CAREDESK_STORE: 'memory' }))).rejects.toMatchObject({ code: 'E_CONFIG' });
    const created = await openDesk(configFor(dir), { create: true });
    expect(created.via).toBe('store');
    await created.close();
  });

  it('refuses a directory given by mistake (not empty, no journal/ or state.json) instead of writing into it', async () => {
    const dir = await dataDir();
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'not caredesk data');
    const error = await openDesk(configFor(dir), { create: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_CONFIG' });
    expect((error as Error).message).toContain(`${dir} does not look like a caredesk data directory`);
    expect(await readdir(dir)).toEqual(['notes.txt']);
  });
});
