import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmbeddedStore } from '../../../core/index.js';
import { tempDir } from './temp-dir.js';

const holder = fileURLToPath(new URL('./fixtures/holder.ts', import.meta.url));
const root = tempDir('caredesk-lock-');
let n = 0;
const freshDir = (): string => join(root, `d${++n}`);

/** Processes started by a test; grandchildren first: their parent is alive, so their pids cannot be reused yet. */
const grandchildren: number[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const pid of grandchildren.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Started {
  readonly child: ChildProcess;
  /** Resolves with the first line of its stdout that starts with `prefix`, without the prefix. */
  readonly line: (prefix: string) => Promise<string>;
}

function start(command: string, args: readonly string[]): Started {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const line = async (prefix: string): Promise<string> => {
    let found: string | undefined;
    await vi.waitFor(
      () => {
        found = lines.find((l) => l.startsWith(prefix));
        if (found === undefined) throw new Error(`no "${prefix}" line yet from ${command}; stderr: ${stderr}`);
      },
      { timeout: 20_000, interval: 20 },
    );
    return (found as string).slice(prefix.length);
  };
  return { child, line };
}

/** State (field 3) and start time in clock ticks since boot (field 22) of /proc/<pid>/stat. */
function procStat(pid: number): { state: string; startTime: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] as string, startTime: Number(fields[19]) };
}

const untilZombie = (pid: number): Promise<void> =>
  vi.waitFor(
    () => {
      if (procStat(pid).state !== 'Z') throw new Error(`pid ${pid} is not a zombie yet`);
    },
    { timeout: 10_000, interval: 10 },
  );

/** Starts `sleep`: a live process that is not caredesk. */
async function unrelatedProcess(): Promise<number> {
  const { child } = start('sleep', ['30']);
  await vi.waitFor(() => expect(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')).toMatch(/^sleep\0/));
  return child.pid as number;
}

const writeLock = (dir: string, content: object): void => writeFileSync(join(dir, 'LOCK'), JSON.stringify(content));
const lockOwner = (dir: string): { pid: number } => JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8'));

/** Opens the store (taking the lock over) and closes it again. */
async function opens(dir: string): Promise<void> {
  const store = new EmbeddedStore(dir);
  await store.open();
  expect(lockOwner(dir).pid).toBe(process.pid);
  await store.close();
}

/** A data directory with a store written and closed: no LOCK left. */
async function closedStore(): Promise<string> {
  const dir = freshDir();
  const store = new EmbeddedStore(dir, { fsync: false });
  await store.open();
  await store.close();
  return dir;
}

describe.skipIf(!existsSync('/proc/self/stat'))('the data directory lock', () => {
  it('a store held by a live caredesk process is refused, naming its pid, its command and since when', async () => {
    const dir = await closedStore();
    const { child, line } = start(process.execPath, ['--import', 'tsx', holder, dir]);
    await line('HELD ');
    const error = await new EmbeddedStore(dir).open().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_STORE_LOCKED', details: { pid: child.pid, host: hostname() } });
    const message = (error as Error).message;
    expect(message).toContain(`pid ${child.pid}`);
    expect(message).toContain('fixtures/holder.ts');
    expect(message).toMatch(/since \d{4}-\d\d-\d\dT/);
  });

  it('a second open in the same process is refused while the first holds the directory', async () => {
    const dir = freshDir();
    const first = new EmbeddedStore(dir);
    await first.open();
    try {
      await expect(new EmbeddedStore(dir).open()).rejects.toMatchObject({
        code: 'E_STORE_LOCKED',
        message: expect.stringContaining(`this process, pid ${process.pid}`),
      });
    } finally {
      await first.close();
    }
    await opens(dir);
  });

  it('a server killed with -9 whose parent never reaps it (a zombie) does not keep the directory', async () => {
    const dir = await closedStore();
    // The holder runs under `sleep`, which never waits for its children: killed, it stays a zombie.
    const { line } = start('sh', ['-c', '"$0" --import tsx "$1" "$2" & exec sleep 60', process.execPath, holder, dir]);
    const pid = Number(await line('HELD '));
    grandchildren.push(pid);
    await expect(new EmbeddedStore(dir).open()).rejects.toMatchObject({ code: 'E_STORE_LOCKED' });
    process.kill(pid, 'SIGKILL');
    await untilZombie(pid);
    await opens(dir);
  });

  it('a LOCK whose pid now belongs to an unrelated process (another start time) is taken over', async () => {
    const dir = await closedStore();
    const pid = await unrelatedProcess();
    const { startTime } = procStat(pid);
    const lock = { pid, host: hostname(), command: 'node bin/caredesk.js serve', takenAt: new Date().toISOString() };
    // The same pid with the start time it has now: that process took the lock, so it holds it.
    writeLock(dir, { ...lock, startTime });
    await expect(new EmbeddedStore(dir).open()).rejects.toMatchObject({
      code: 'E_STORE_LOCKED',
      message: expect.stringContaining(`pid ${pid}`),
    });
    // Taken by an earlier process that had this pid: a different start time.
    writeLock(dir, { ...lock, startTime: startTime + 1 });
    await opens(dir);
  });

  it('a LOCK written before start times were recorded is taken over when its pid runs something other than node', async () => {
    const dir = await closedStore();
    const takenAt = new Date().toISOString();
    // Its pid runs node: it may be the caredesk that wrote it, so it is still refused.
    const { child, line } = start(process.execPath, ['-e', 'console.log("UP"); setInterval(() => {}, 1000)']);
    await line('UP');
    writeLock(dir, { pid: child.pid, host: hostname(), startedAt: takenAt });
    await expect(new EmbeddedStore(dir).open()).rejects.toMatchObject({
      code: 'E_STORE_LOCKED',
      message: expect.stringContaining(`pid ${child.pid}: ${process.execPath} -e`),
    });
    writeLock(dir, { pid: await unrelatedProcess(), host: hostname(), startedAt: takenAt });
    await opens(dir);
  });

  it('a LOCK held on another host is refused, naming that host and pid and saying how to free it', async () => {
    const dir = await closedStore();
    writeLock(dir, {
      pid: process.pid,
      startTime: 1234,
      host: 'standby-7',
      command: 'node /opt/caredesk/bin/caredesk.js serve',
      takenAt: '2026-12-01T08:00:00.000Z',
    });
    const error = await new EmbeddedStore(dir).open().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_STORE_LOCKED', details: { host: 'standby-7', pid: process.pid } });
    const message = (error as Error).message;
    expect(message).toContain(`locked from another host (pid ${process.pid} on standby-7`);
    expect(message).toContain('since 2026-12-01T08:00:00.000Z');
    expect(message).toContain('Stop it on standby-7');
    expect(message).toContain(`remove ${join(dir, 'LOCK')}`);
    unlinkSync(join(dir, 'LOCK'));
    await opens(dir);
  });
});
