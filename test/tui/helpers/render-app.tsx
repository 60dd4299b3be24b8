/**
 * Renders the TUI with ink-testing-library against a FakeClient, at a
 * chosen terminal size, and drives it with keys. Nothing here sleeps: the
 * App's key router hands each key over only once the previous one is drawn,
 * so a test writes its keys and then waits (`see`, `until`) for the frame
 * it expects.
 */
import { render } from 'ink-testing-library';
import { expect, vi } from 'vitest';
import { App, type AppProps } from '../../../tui/app.js';
import { LiveFeed } from '../../../tui/state/live-feed.js';
import { type FakeClient, T0 } from './fake-client.js';

export const KEYS = {
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  shiftTab: '\x1b[Z',
  up: '\x1b[A',
  down: '\x1b[B',
  backspace: '\x7f',
  ctrlR: '\x12',
} as const;

/** One turn of the event loop: Ink hands a lone esc over on the next turn, so the next key is not read as alt+key. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Until Ink reads the keyboard (raw mode is turned on by an effect after the first frame): keys before it are lost. */
export async function keyboardReady(stdin: NodeJS.EventEmitter): Promise<void> {
  await vi.waitFor(() => expect(stdin.listenerCount('readable')).toBeGreaterThan(0), { timeout: 5000, interval: 5 });
}

export interface RenderedApp {
  readonly client: FakeClient;
  readonly feed: LiveFeed;
  readonly frame: () => string;
  /**
   * Types keys one at a time, each read on its own (as a typist's keys are); the App takes them in
   * order, each once the last one is drawn. Wait for what they do with `see` or `until`.
   */
  readonly press: (...keys: string[]) => Promise<void>;
  /** Writes keys as one chunk, as a fast typist, a paste or tmux send-keys would. */
  readonly typeAhead: (chunk: string) => Promise<void>;
  /** Waits until the frame contains the text (or matches). */
  readonly see: (text: string | RegExp) => Promise<string>;
  /** Waits until the frame passes every expectation of `check` (for what must be there and what must be gone). */
  readonly until: (check: (frame: string) => void) => Promise<string>;
  readonly resize: (columns: number, rows: number) => void;
  readonly rings: () => number;
  readonly unmount: () => void;
}

export async function renderApp(
  client: FakeClient,
  options: { columns?: number; rows?: number; bell?: boolean; props?: Partial<AppProps> } = {},
): Promise<RenderedApp> {
  const feed = new LiveFeed().start(client);
  let rings = 0;
  const ui = render(
    <App
      client={client}
      feed={feed}
      me={client.me_}
      bell={options.bell ?? true}
      ring={() => rings++}
      clock={() => T0}
      tickMs={60_000}
      {...options.props}
    />,
  );
  const resize = (columns: number, rows: number): void => {
    Object.defineProperty(ui.stdout, 'columns', { value: columns, configurable: true });
    Object.defineProperty(ui.stdout, 'rows', { value: rows, configurable: true });
    ui.stdout.emit('resize');
  };
  resize(options.columns ?? 100, options.rows ?? 30);
  const frame = (): string => ui.lastFrame() ?? '';
  const until = async (check: (frame: string) => void): Promise<string> => {
    let seen = '';
    await vi.waitFor(
      () => {
        seen = frame();
        check(seen);
      },
      { timeout: 5000, interval: 10 },
    );
    return seen;
  };
  const see = (text: string | RegExp): Promise<string> =>
    until((f) => {
      if (typeof text === 'string') expect(f).toContain(text);
      else expect(f).toMatch(text);
    });
  await keyboardReady(ui.stdin);
  return {
    client,
    feed,
    frame,
    see,
    until,
    resize,
    rings: () => rings,
    typeAhead: async (chunk: string) => {
      ui.stdin.write(chunk);
      await nextTurn();
    },
    press: async (...keys: string[]) => {
      for (const k of keys) {
        ui.stdin.write(k);
        await nextTurn();
      }
    },
    unmount: () => {
      ui.unmount();
      feed.close();
    },
  };
}
