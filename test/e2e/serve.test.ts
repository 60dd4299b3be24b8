import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Desk, EmbeddedStore } from '../../core/index.js';
import { CaredeskProcess } from './helpers/caredesk-process.js';

const started: CaredeskProcess[] = [];
const tempDirs: string[] = [];

async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'caredesk-serve-'));
  tempDirs.push(dir);
  return join(dir, 'data');
}

/** `caredesk serve` on a free port (PORT=0) with fsync off: these tests are about start and stop, not durability. */
function serve(dataDir: string, env: Record<string, string> = {}): CaredeskProcess {
  const proc = new CaredeskProcess(['serve', '--data-dir', dataDir], { PORT: '0', CAREDESK_FSYNC: 'false', ...env });
  started.push(proc);
  return proc;
}

async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Leaves one conversation in a data directory, written by the real embedded store. */
async function dataDirWithOneConversation(dataDir: string): Promise<void> {
  const store = new EmbeddedStore(dataDir, { fsync: false });
  await store.open();
  await new Desk({ store }).receive({ channel: 'telegram', externalUserId: '1', channelMessageId: 'm1', text: 'hi' });
  await store.close();
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.kill()));
});

afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('caredesk serve, running', () => {
  let dataDir: string;
  let server: CaredeskProcess;
  let url: string;

  beforeAll(async () => {
    dataDir = await tempDataDir();
    server = new CaredeskProcess(['serve', '--data-dir', dataDir], { PORT: '0', CAREDESK_FSYNC: 'false' });
    url = await server.listening();
  });

  afterAll(async () => {
    await server.kill();
  });

  it('answers /healthz with 200 and logs the absolute path of its data directory and its URL', async () => {
    const { status, body } = await health(url);
    expect(status).toBe(200);
    // Alone on its data directory, this process is the whole desk and does the duties.
    expect(body).toEqual({
      status: 'ok',
      store: dataDir,
      conversations: 0,
      process: { name: expect.any(String), duties: true, processes: [(body.process as { name: string }).name] },
    });
    const messages = server.logs().map((l) => l.msg);
    expect(messages).toContain(`caredesk data directory: ${dataDir}`);
    expect(messages).toContain(`caredesk listening on ${url}`);
  });

  it('a second serve on the same data directory exits non-zero saying the directory is in use, and the first goes on', async () => {
    const second = serve(dataDir);
    const exit = await second.exitedWithin();
    expect(exit.code).not.toBe(0);
    expect(second.stderr).toContain(`Data directory ${dataDir} is in use by another caredesk process`);
    expect(second.stderr).toContain('[E_STORE_LOCKED]');
    expect(second.stderr).not.toMatch(/^\s+at /m);
    expect((await health(url)).status).toBe(200);
    await expect(stat(join(dataDir, 'LOCK'))).resolves.toBeTruthy();
  });
});

describe('caredesk serve, refusing to start', () => {
  it('a bad PORT exits non-zero with a message naming PORT and the value', async () => {
    const proc = serve(await tempDataDir(), { PORT: 'abc' });
    const exit = await proc.exitedWithin();
    expect(exit.code).not.toBe(0);
    expect(proc.stderr).toBe(
      'caredesk: PORT is "abc"; expected an integer 0–65535 (0 picks a free port). [E_CONFIG]\n',
    );
  });

  it('a port already taken by another program exits non-zero naming the address', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const proc = serve(await tempDataDir(), { PORT: String(port) });
      expect((await proc.exitedWithin()).code).not.toBe(0);
      expect(proc.stderr).toContain(`Cannot listen on 127.0.0.1:${port}: the port is already used by another program.`);
      expect(proc.stderr).toContain('[E_LISTEN]');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('a corrupt state.json exits non-zero naming the file, and leaves the file byte for byte as it was', async () => {
    const dataDir = await tempDataDir();
    await dataDirWithOneConversation(dataDir);
    const stateFile = join(dataDir, 'state.json');
    const garbage = Buffer.from('{"caredesk":"state", \u0000\u00ff garbage', 'latin1');
    await writeFile(stateFile, garbage);

    const proc = serve(dataDir);
    const exit = await proc.exitedWithin();
    expect(exit.code).not.toBe(0);
    expect(proc.stderr).toContain(`Data file ${stateFile} is corrupt`);
    expect(proc.stderr).toContain('[E_STORE_CORRUPT]');
    expect(proc.stderr).not.toMatch(/^\s+at /m);
    expect(Buffer.compare(await readFile(stateFile), garbage)).toBe(0);
  });
});

describe('caredesk serve, stopping', () => {
  it('SIGTERM shuts down cleanly and releases the data directory; the next start sees the same data', async () => {
    const dataDir = await tempDataDir();
    await dataDirWithOneConversation(dataDir);

    const first = serve(dataDir);
    const firstUrl = await first.listening();
    expect((await health(firstUrl)).body.conversations).toBe(1);
    first.child.kill('SIGTERM');
    expect(await first.exitedWithin()).toEqual({ code: 0, signal: null });
    expect(first.logs().map((l) => l.msg)).toContain('caredesk stopped');
    await expect(stat(join(dataDir, 'LOCK'))).rejects.toMatchObject({ code: 'ENOENT' });

    const second = serve(dataDir);
    const secondUrl = await second.listening();
    expect(await health(secondUrl)).toMatchObject({ status: 200, body: { conversations: 1 } });
  });
});
