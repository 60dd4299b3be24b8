/**
 * runTui in-process, as `caredesk demo` runs it: its signal handlers live
 * only while the UI does, and a signal gives the terminal back at once.
 */
import { Console } from 'node:console';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runTui } from '../../tui/index.js';
import { agent, FakeClient } from './helpers/fake-client.js';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

function terminal() {
  const raw: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: false,
    setRawMode(on: boolean) {
      raw.push(on);
      return stdin;
    },
    ref: () => stdin,
    unref: () => stdin,
  }) as unknown as NodeJS.ReadStream;
  let written = '';
  const stdout = Object.assign(new PassThrough(), {
    isTTY: true,
    columns: 100,
    rows: 30,
  }) as unknown as NodeJS.WriteStream;
  stdout.on('data', (d: Buffer) => {
    written += d.toString();
  });
  return { stdin, stdout, raw, written: () => written };
}

/** A bound on a wait for something that ends by itself: a failed test reports its failure instead of hanging. */
const atMost = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** The UI is up: Ink has turned raw mode on to read keys (the UI's signal handlers come before it). */
const up = (t: ReturnType<typeof terminal>) => vi.waitFor(() => expect(t.raw).toContain(true), { timeout: 5000 });

describe('runTui and signals', () => {
  // Ink patches the console (as runTui wants in a terminal) with console.Console, which vitest's console lacks.
  const own = Object.getOwnPropertyDescriptor(console, 'Console');
  beforeAll(() => {
    Object.defineProperty(console, 'Console', { value: Console, configurable: true, writable: true });
  });
  afterAll(() => {
    if (own) Object.defineProperty(console, 'Console', own);
    else Reflect.deleteProperty(console, 'Console');
  });

  let ended: Promise<void> | undefined;
  afterEach(async () => {
    // A failed test leaves the UI up: bounded, so that the failure is what is reported.
    await Promise.race([ended, atMost(2000)]);
  });

  it('a supervisor who quits leaves no handler of the UI behind in the process that ran it', async () => {
    const t = terminal();
    const client = new FakeClient(agent({ id: 'ag_sam', name: 'Sam', role: 'supervisor' }));
    ended = runTui({ server: client.server, token: 't', client, stdin: t.stdin, stdout: t.stdout });
    await up(t);
    // The UI's handler comes first (prepended); Ink's own come and go with it (cli-cursor keeps one for good).
    const mine = SIGNALS.map((s) => process.listeners(s)[0]);
    t.stdin.write('Q');
    await ended;
    for (const [i, s] of SIGNALS.entries()) expect(process.listeners(s)).not.toContain(mine[i]);
    expect(t.written()).toMatch(/\x1b\[\?25h\x1b\[\?1049l$/);
  });

  it('a signal unmounts the UI and gives the terminal back before any other handler runs', async () => {
    const before = new Set(process.listeners('SIGTERM'));
    const t = terminal();
    const client = new FakeClient(agent({ id: 'ag_sam', name: 'Sam', role: 'supervisor' }));
    ended = runTui({ server: client.server, token: 't', client, stdin: t.stdin, stdout: t.stdout });
    await up(t);
    // The first listener is the UI's (prepended): called directly, no real signal reaches the test runner.
    const [first] = process.listeners('SIGTERM');
    expect(before.has(first!)).toBe(false);
    // Not Ink's signal-exit listener (named `listener`), which would re-raise the signal and end the runner.
    expect(first!.name).not.toBe('listener');
    (first as (s: NodeJS.Signals) => void)('SIGTERM');
    expect(t.written()).toMatch(/\x1b\[\?25h\x1b\[\?1049l$/);
    expect(t.raw.at(-1)).toBe(false);
    await ended;
    expect(process.listeners('SIGTERM')).not.toContain(first);
  });
});
