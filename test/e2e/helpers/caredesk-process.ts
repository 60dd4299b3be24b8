/**
 * Runs the real `caredesk` program (node bin/caredesk.js) as a child process,
 * as an operator would, and collects what it prints. Every wait is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/caredesk.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class CaredeskProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  /** `nodeArgs`: options for node itself, e.g. `--cpu-prof` (which NODE_OPTIONS does not take). */
  constructor(args: readonly string[], env: Record<string, string>, nodeArgs: readonly string[] = []) {
    // Only what the test sets, so that the developer's own PORT or CAREDESK_DATA_DIR cannot leak in.
    const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    this.child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
      cwd: ROOT,
      env: { ...base, ...env },
      stdio: 'pipe',
    });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /** The pino lines printed so far, parsed. */
  logs(): Array<Record<string, unknown>> {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  /** Resolves with the URL the server logged once it listens; rejects if it exits first. */
  async listening(timeoutMs = 15_000): Promise<string> {
    const found = await this.waitFor(
      () => this.logs().find((l) => typeof l.url === 'string')?.url as string,
      timeoutMs,
    );
    return found;
  }

  async exitedWithin(timeoutMs = 15_000): Promise<Exit> {
    return this.waitFor(() => this.exit, timeoutMs, true);
  }

  /** Ends the process if a test left it running (SIGKILL: cleanup must not hang). */
  async kill(): Promise<void> {
    if (this.exit) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private async waitFor<T>(probe: () => T | undefined, timeoutMs: number, exitIsFine = false): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (this.exit && !exitIsFine) {
        throw new Error(
          `caredesk exited (${JSON.stringify(this.exit)}) first.\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `caredesk did not get there within ${timeoutMs} ms.\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** The first supervisor of a new desk, made with `caredesk agents add` before a server opens the directory; their token. */
export async function addSupervisor(dataDir: string, extraArgs: readonly string[] = []): Promise<string> {
  const add = new CaredeskProcess(
    ['agents', 'add', '--name', 'Sofia', '--role', 'supervisor', ...extraArgs, '--data-dir', dataDir, '--json'],
    { CAREDESK_FSYNC: 'false' },
  );
  const added = await add.exitedWithin(30_000);
  if (added.code !== 0) throw new Error(`caredesk agents add failed: ${add.stderr}${add.stdout}`);
  return (JSON.parse(add.stdout) as { token: string }).token;
}

/** Stops a server with SIGTERM, killing it if it does not exit in time. */
export async function stopServe(serve: CaredeskProcess | undefined): Promise<void> {
  if (!serve) return;
  serve.child.kill('SIGTERM');
  await serve.exitedWithin(20_000).catch(() => serve.kill());
}
