/**
 * A flow author's project, made as the author makes it, outside this
 * repository: `npm pack` of caredesk (from a copy of its sources, so that the
 * pack's build never touches this working tree's dist/), a folder of its
 * own, `npm init -y`, `npm install <tarball>`. Every command is bounded in time.
 *
 * Installing caredesk's dependencies into an empty folder takes minutes on a
 * busy machine, even from npm's cache; so the project folder is kept (in the
 * system's temporary directory) and, while caredesk's dependencies stay the same, the
 * next run empties it of the author's files and installs only the new tarball.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** What `npm pack` needs: package.json `files`, plus what its build reads. */
const PACKED = ['package.json', 'README.md', 'bin', 'cli', 'core', 'server', 'bots', 'flows', 'tui', 'scripts', 'docs'];
const BUILD = ['tsconfig.json', 'tsconfig.types.json'];

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Only what the command needs from the environment: the developer's PORT or npm_* must not leak in. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...extra };
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; input?: string; timeoutMs?: number; env?: Record<string, string> },
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? cleanEnv(),
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 32 * 1024 * 1024,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: err && !stderr ? String(err.message) : stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

function ok(what: string, r: Run): Run {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** `npm pack` of this repository's sources; the tarball's path. */
export async function packCaredesk(work: string): Promise<string> {
  const src = join(work, 'caredesk-src');
  mkdirSync(src);
  for (const entry of [...PACKED, ...BUILD]) cpSync(join(ROOT, entry), join(src, entry), { recursive: true });
  // The build tools (esbuild, tsc) of this checkout; nothing is installed for the pack.
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
  const out = join(work, 'tarball');
  mkdirSync(out);
  ok('npm pack', await run('npm', ['pack', '--pack-destination', out], { cwd: src, timeoutMs: 180_000 }));
  const tarball = readdirSync(out).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball in ${out}`);
  return join(out, tarball);
}

/** Outside this checkout: inside it, node (and vitest's config search) would find the repository's own files. */
const CACHE = join(tmpdir(), 'caredesk-flow-package-project');

/** What decides whether the kept project's node_modules can be reused. */
function dependencyKey(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const what = [pkg.dependencies, pkg.peerDependencies, pkg.overrides, process.version];
  return createHash('sha256').update(JSON.stringify(what)).digest('hex');
}

/**
 * Takes the kept project for this run (another run waits for it); `release`
 * gives it back. Returns the folder, emptied of everything but node_modules,
 * its package-lock.json and the package.json `npm init -y` wrote.
 */
export async function takeProjectFolder(timeoutMs = 600_000): Promise<{ dir: string; release: () => void }> {
  mkdirSync(CACHE, { recursive: true });
  const lock = join(CACHE, 'lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      // A run that was killed leaves its lock behind: a lock whose process is gone is taken over.
      const holder = lockHolder(lock);
      if (holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is held by process ${holder}; wait for it to finish.`);
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
  const release = () => rmSync(lock, { recursive: true, force: true });
  const dir = join(CACHE, 'my-flows');
  const keyFile = join(CACHE, 'key');
  const key = dependencyKey();
  const initial = join(CACHE, 'package.init.json');
  try {
    if (!existsSync(keyFile) || readFileSync(keyFile, 'utf8') !== key || !existsSync(initial)) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      ok('npm init', await run('npm', ['init', '-y'], { cwd: dir }));
      cpSync(join(dir, 'package.json'), initial);
      writeFileSync(keyFile, key);
    } else {
      for (const entry of readdirSync(dir)) {
        if (entry !== 'node_modules' && entry !== 'package-lock.json') rmSync(join(dir, entry), { recursive: true });
      }
      cpSync(initial, join(dir, 'package.json'));
    }
  } catch (err) {
    release();
    throw err;
  }
  return { dir, release };
}

/** Installs caredesk from `tarball` in `dir` (from npm's cache where it can). */
export async function installProject(dir: string, tarball: string): Promise<string> {
  ok(
    'npm install',
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], {
      cwd: dir,
      timeoutMs: 420_000,
    }),
  );
  return dir;
}

/** A temporary folder for the tarball, the pack's copy of the sources and the server's data. */
export function workDir(): string {
  return mkdtempSync(join(tmpdir(), 'caredesk-flow-package-'));
}

/**
 * A long-running `npx caredesk …` in its own process group: npx does not
 * pass SIGTERM on to caredesk, so the whole group is signalled.
 */
export class ProjectProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  private exit: number | null | undefined;
  readonly exited: Promise<void>;

  constructor(args: readonly string[], cwd: string, env: Record<string, string>) {
    this.child = spawn('npx', ['caredesk', ...args], { cwd, env: cleanEnv(env), stdio: 'pipe', detached: true });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code) => {
        this.exit = code;
        resolve();
      });
    });
  }

  /** The URL the server logged once it listens. */
  listening(timeoutMs = 60_000): Promise<string> {
    return this.waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(this.stdout)?.[1], timeoutMs);
  }

  /** Resolves when `pattern` has been printed (on either stream). */
  printed(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    return this.waitFor(() => pattern.exec(this.stdout + this.stderr)?.[0], timeoutMs);
  }

  /** SIGTERM to the group (caredesk shuts down cleanly), SIGKILL if it has not exited in time. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.exit !== undefined || this.child.pid === undefined) return;
    const group = -this.child.pid;
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }, timeoutMs);
    await this.exited;
    // npx exits first; caredesk, in the same group, is still finishing its shutdown.
    const deadline = Date.now() + timeoutMs;
    while (alive(group) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    clearTimeout(timer);
  }

  private async waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (this.exit !== undefined || Date.now() > deadline) {
        throw new Error(
          `npx caredesk ${this.exit !== undefined ? `exited (${this.exit})` : `did not get there within ${timeoutMs} ms`}.\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The process holding the lock; 0 while it is still writing its pid (or the lock is gone meanwhile). */
function lockHolder(lock: string): number {
  try {
    return Number(readFileSync(join(lock, 'pid'), 'utf8')) || 0;
  } catch {
    return 0;
  }
}

/** A process (or, negative, a process group) still runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
