/**
 * `caredesk tui` ended from outside: `kill` (SIGTERM), the terminal closing
 * (SIGHUP), an interrupt sent to it (SIGINT). Each must give the shell its
 * terminal back as quitting does (main screen, cursor shown, raw mode off)
 * and exit 0. Run for real in tmux against a real `caredesk serve`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { addSupervisor, CaredeskProcess, stopServe } from './helpers/caredesk-process.js';
import { requireTmux, TmuxSession } from './helpers/tmux.js';

const BIN = fileURLToPath(new URL('../../bin/caredesk.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let dataDir: string;
let configHome: string;
let serve: CaredeskProcess;
let url: string;
let token: string;
const sessions: TmuxSession[] = [];

beforeAll(async () => {
  requireTmux();
  dataDir = mkdtempSync(join(tmpdir(), 'caredesk-e2e-tui-signals-'));
  configHome = mkdtempSync(join(tmpdir(), 'caredesk-e2e-tui-signals-config-'));
  token = await addSupervisor(dataDir);
  serve = new CaredeskProcess(['serve', '--data-dir', dataDir], { PORT: '0', CAREDESK_FSYNC: 'false' });
  url = await serve.listening(30_000);
}, 90_000);

afterEach(() => {
  for (const s of sessions.splice(0)) s.kill();
});

afterAll(async () => {
  for (const s of sessions.splice(0)) s.kill();
  await stopServe(serve);
  for (const dir of [dataDir, configHome]) if (dir) rmSync(dir, { recursive: true, force: true });
}, 40_000);

const TTY_MODES = /^tty: (.*)$/m;

/**
 * `caredesk tui` on the board in a fresh 80x24 terminal. The shell that runs it prints a line first
 * (the screen the TUI must give back) and, once it ends, the terminal's line discipline
 * (`icanon`/`-icanon`, `echo`/`-echo`): what raw mode left behind.
 */
async function openTui(): Promise<TmuxSession> {
  const script = [
    'echo "shell before the TUI"',
    '"$@"',
    's=$?',
    'printf "tty: %s\\n" "$(stty -a | tr " ;" "\\n\\n" | grep -E "^-?(icanon|echo)$" | tr "\\n" " ")"',
    'exit $s',
  ].join('; ');
  const tui = TmuxSession.start({
    command: ['sh', '-c', script, 'sh', process.execPath, BIN, 'tui', '--server', url, '--token', token],
    width: 80,
    height: 24,
    cwd: ROOT,
    env: { XDG_CONFIG_HOME: configHome },
  });
  sessions.push(tui);
  await tui.waitFor(/^Queue:.*\n\s+SLA\s+CH\s+CUSTOMER/m, 30_000, 'the queue board, loaded');
  return tui;
}

/** The pid of `caredesk tui` (node itself, not the shells that run it), found below the pane's shell. */
function tuiPid(tui: TmuxSession): number {
  const root = Number(tui.display('#{pane_pid}'));
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
  const below = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of table) {
      if (below.has(p.ppid) && !below.has(p.pid)) {
        below.add(p.pid);
        grew = true;
      }
    }
  }
  const found = table.find((p) => below.has(p.pid) && p.args.startsWith(`${process.execPath} ${BIN} tui `));
  if (!found) throw new Error(`caredesk tui is not running under pane ${root}`);
  return found.pid;
}

describe('caredesk tui ended by a signal', () => {
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it(`after ${signal} the shell gets its screen back, cursor shown and raw mode off, and the exit status is 0`, async () => {
      const tui = await openTui();
      expect(tui.display('#{alternate_on}')).toBe('1');
      // What the program writes from now on: tmux's own cursor flag is not to be trusted once the pane is dead.
      const output = join(configHome, `${signal}.out`);
      execFileSync('tmux', ['-S', tui.socket, 'pipe-pane', '-o', '-t', tui.name, `cat > '${output}'`]);
      process.kill(tuiPid(tui), signal);

      expect(await tui.exited(20_000)).toBe(0);
      const screen = tui.capture();
      // With the history: tmux's "Pane is dead" notice can scroll the first line off the screen.
      expect(tui.capture({ history: true })).toMatch(/^shell before the TUI$/m);
      expect(screen).not.toMatch(/^Queue:/m);
      expect(screen).not.toMatch(/<enter> open/);
      expect(tui.display('#{alternate_on}')).toBe('0');
      const written = readFileSync(output, 'latin1');
      // The cursor shown again, and not hidden after that.
      expect(written.lastIndexOf('\x1b[?25h')).toBeGreaterThan(written.lastIndexOf('\x1b[?25l'));
      const modes = TTY_MODES.exec(tui.capture({ history: true }))?.[1]
        ?.trim()
        .split(/\s+/);
      expect(modes).toEqual(expect.arrayContaining(['icanon', 'echo']));
    });
  }
});
