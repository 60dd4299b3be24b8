/**
 * A real terminal for end-to-end tests of the TUI: a detached tmux session of
 * a fixed size running one command, keys sent with send-keys, the screen read
 * with capture-pane. Each session has its own tmux server (its own socket,
 * no user config), so a test never touches the developer's tmux and
 * `kill()` leaves nothing behind. Every wait is bounded.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TmuxOptions {
  readonly command: readonly string[];
  readonly width?: number;
  readonly height?: number;
  readonly cwd?: string;
  /** Environment of the command besides PATH and HOME (the developer's own variables do not reach it). */
  readonly env?: Readonly<Record<string, string>>;
}

let sessions = 0;

/** Throws a clear error when tmux is missing: these tests are never skipped (CI installs it). */
export function requireTmux(): void {
  const probe = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'tmux is not installed, and the TUI end-to-end tests need it to run the real program in a terminal. ' +
        'Install it (Debian/Ubuntu: apt-get install -y tmux; macOS: brew install tmux) — .ci/run does this.',
    );
  }
}

export class TmuxSession {
  /** The tmux server's socket: a path of our own, removed by kill(). */
  readonly socket: string;
  readonly name = 'e2e';
  private killed = false;

  private constructor(socket: string) {
    this.socket = socket;
  }

  static start(options: TmuxOptions): TmuxSession {
    requireTmux();
    const session = new TmuxSession(join(tmpdir(), `caredesk-e2e-tmux-${process.pid}-${++sessions}`));
    const env = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // remain-on-exit: if the program dies, its last screen (the error) stays readable.
    session.tmux(
      'start-server',
      ';',
      'set-option',
      '-g',
      'remain-on-exit',
      'on',
      ';',
      'new-session',
      '-d',
      '-s',
      session.name,
      '-x',
      String(options.width ?? 120),
      '-y',
      String(options.height ?? 36),
      ...(options.cwd ? ['-c', options.cwd] : []),
      ...env,
      // Through sh, which prints the exit status: tmux does not always reap a program that ends while
      // the machine is busy (it stays a zombie, the pane dead without a status), but the screen keeps the line.
      'sh',
      '-c',
      '"$@"; echo "[exit status $?]"',
      'sh',
      ...options.command,
    );
    return session;
  }

  /**
   * The screen as text, one line per row; with `escapes`, colours and attributes as SGR sequences;
   * with `history`, the lines scrolled off the top first.
   */
  capture(options: { escapes?: boolean; history?: boolean } = {}): string {
    const flags = [...(options.escapes ? ['-e'] : []), ...(options.history ? ['-S', '-'] : [])];
    return this.tmux('capture-pane', '-p', ...flags, '-t', this.name);
  }

  /** The screen's rows (exactly `height` of them). */
  rows(): string[] {
    return this.capture().replace(/\n$/, '').split('\n');
  }

  /** Keys by tmux name: `Enter`, `Escape`, `C-c`, `Up`, or single characters. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Text typed literally (no key names). */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.name, '-l', text);
  }

  /** A format of the pane, e.g. `#{pane_title}`, `#{pane_dead}`, `#{cursor_y}`. */
  display(format: string): string {
    return this.tmux('display-message', '-p', '-t', this.name, format).replace(/\n$/, '');
  }

  /**
   * Polls the screen until `probe` finds what it wants (a string or pattern
   * appearing, or a function returning a value); fails with the last screen.
   */
  async waitFor<T = string>(
    probe: string | RegExp | ((screen: string) => T | undefined | false),
    timeoutMs = 15_000,
    what = String(probe),
    endIsFine = false,
  ): Promise<T> {
    const check =
      typeof probe === 'function'
        ? probe
        : (screen: string) =>
            (typeof probe === 'string' ? screen.includes(probe) : probe.test(screen)) ? (screen as T) : undefined;
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = this.capture();
      const found = check(screen);
      if (found !== undefined && found !== false) return found;
      if (!endIsFine && /^\[exit status \d+\]$/m.test(this.capture({ history: true }))) {
        throw new Error(`The program in tmux exited while waiting for ${what}. Last screen:\n${screen}`);
      }
      if (Date.now() > deadline) {
        throw new Error(`Not on the screen within ${timeoutMs} ms: ${what}. Last screen:\n${screen}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Resolves with the program's exit status once it has ended (its last screen stays). */
  async exited(timeoutMs = 15_000): Promise<number> {
    const status = await this.waitFor(
      // tmux's "Pane is dead" notice can scroll the line off the screen: look in the history too.
      () => /^\[exit status (\d+)\]$/m.exec(this.capture({ history: true }))?.[1],
      timeoutMs,
      'the program to end',
      true,
    );
    return Number(status);
  }

  /** Ends the session and its tmux server (and with them the program). Safe to call twice. */
  kill(): void {
    if (this.killed) return;
    this.killed = true;
    spawnSync('tmux', ['-S', this.socket, 'kill-server'], { stdio: 'ignore', timeout: 5_000 });
    rmSync(this.socket, { force: true });
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
      timeout: 5_000,
      // The tmux server's environment is what the program inherits: nothing of the developer's own.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
  }
}
