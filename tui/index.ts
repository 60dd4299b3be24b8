/**
 * The supervisors' terminal UI: `caredesk tui`. A client of the admin API
 * (HTTP + the live event stream), never of the store.
 *
 * Commonly used: runTui. For tests and other front ends: App, the client,
 * the event stream reader, the sanitiser.
 */
import { type Instance, render } from 'ink';
import { createElement } from 'react';
import { App } from './app.js';
import { AdminApiError, type AdminClient, HttpAdminClient, unauthorized } from './client.js';
import { LiveFeed } from './state/live-feed.js';

export { App, type AppProps } from './app.js';
export {
  AdminApiError,
  type AdminClient,
  type AgentView,
  type Canned,
  type ConversationDetail,
  type ConversationRow,
  type DomainEvent,
  describeError,
  HttpAdminClient,
  type KpiResponse,
  type LiveEvent,
  type Undelivered,
  type Viewer,
} from './client.js';
export { DEFAULT_SERVER, defaultConfigFile, resolveTuiSettings, type TuiFlags, type TuiSettings } from './config.js';
export { GLOBAL_KEYS, type KeyBinding, SCREEN_KEYS } from './keymap.js';
export { sanitize, sanitizeLine } from './sanitize.js';
export { type EventStream, openSse, type SseMessage, SseParser, type StreamState } from './sse.js';
export { LiveFeed } from './state/live-feed.js';

export interface RunTuiOptions {
  readonly server: string;
  readonly token: string;
  /** Ring the terminal bell on alerts (default true). */
  readonly bell?: boolean;
  /** Another client (a demo's, a test's); default: HTTP to `server` with `token`. */
  readonly client?: AdminClient;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
}

// The alternate screen: the TUI gets the whole terminal and gives the shell back untouched on exit.
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';
/** `kill`, a closing terminal (SIGHUP), ctrl+c sent from outside (raw mode turns the key itself into input). */
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * Runs the TUI until the user quits, or a signal ends it: either way Ink is
 * unmounted and the terminal given back (raw mode off, cursor shown, main
 * screen), and the promise resolves, so that `caredesk tui` exits 0. Checks
 * the server and the token first (GET /me), so that a wrong token or an
 * unreachable server is one clear AdminApiError before anything is drawn.
 */
export async function runTui(options: RunTuiOptions): Promise<void> {
  const client = options.client ?? new HttpAdminClient({ server: options.server, token: options.token });
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const me = await client.me().catch((err: unknown) => {
    if (err instanceof AdminApiError && err.code === 'E_UNAUTHORIZED') throw unauthorized(client.server, err.status);
    throw err;
  });
  if (stdin.isTTY !== true) {
    throw new AdminApiError(
      'E_NOT_A_TERMINAL',
      'caredesk tui needs a terminal to read keys from (stdin is not a TTY).',
    );
  }
  const feed = new LiveFeed().start(client);
  const fullscreen = stdout.isTTY === true;
  let restored = false;
  const restoreTerminal = (): void => {
    if (restored) return;
    restored = true;
    try {
      stdin.setRawMode(false);
      if (fullscreen) stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
    } catch {
      // The terminal is gone (SIGHUP): there is nothing left to restore.
    }
  };
  let instance: Instance | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    // After a hang-up, writing to the terminal fails with EIO: that must not crash the way out.
    if (signal === 'SIGHUP') stdout.on('error', ignore);
    // Ink's last frame goes to the alternate screen, then the shell's screen comes back, at once:
    // first among the listeners (prepended), so that a caller's own handler (`caredesk demo`
    // stopping its server) finds the terminal already given back.
    instance?.unmount();
    restoreTerminal();
  };
  for (const s of SIGNALS) process.prependListener(s, onSignal);
  if (fullscreen) stdout.write(ENTER_ALT_SCREEN);
  try {
    instance = render(
      createElement(App, { client, feed, me, bell: options.bell ?? true, ring: () => stdout.write('\x07') }),
      { stdin, stdout, exitOnCtrlC: true, maxFps: 60 },
    );
    await instance.waitUntilExit();
  } finally {
    // Removed when the UI ends, however it ends: `caredesk demo` runs it in a process that goes on.
    for (const s of SIGNALS) process.off(s, onSignal);
    feed.close();
    restoreTerminal();
  }
}

const ignore = (): void => undefined;
