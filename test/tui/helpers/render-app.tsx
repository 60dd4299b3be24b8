/**
 * Renders the TUI with ink-testing-library against a FakeClient, at a
 * chosen terminal size, and drives it with keys. Per STACK-NOTES every
 * key is followed by a wait: Ink needs a tick to hand the next key to the
 * handler the last render installed.
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

export const tick = (ms = 30): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RenderedApp {
  readonly client: FakeClient;
  readonly feed: LiveFeed;
  readonly frame: () => string;
  /** Types keys one at a time, waiting after each. */
  readonly press: (...keys: string[]) => Promise<void>;
  /** Writes keys as one chunk, as a fast typist, a paste or tmux send-keys would. */
  readonly typeAhead: (chunk: string) => Promise<void>;
  /** Waits until the frame contains the text (or matches). */
  readonly see: (text: string | RegExp) => Promise<string>;
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
  const see = async (text: string | RegExp): Promise<string> => {
    await vi.waitFor(
      () => {
        const f = frame();
        if (typeof text === 'string') expect(f).toContain(text);
        else expect(f).toMatch(text);
      },
      { timeout: 5000, interval: 10 },
    );
    return frame();
  };
  await tick();
  return {
    client,
    feed,
    frame,
    see,
    resize,
    rings: () => rings,
    typeAhead: async (chunk: string) => {
      ui.stdin.write(chunk);
      await tick(100);
    },
    press: async (...keys: string[]) => {
      for (const k of keys) {
        ui.stdin.write(k);
        await tick();
      }
    },
    unmount: () => {
      ui.unmount();
      feed.close();
    },
  };
}
