import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from '../../cli/demo/index.js';
import { personaAt } from '../../cli/demo/personas.js';
import { until } from '../bots/telegram/helpers.js';
import { CaredeskProcess } from '../e2e/helpers/caredesk-process.js';
import { TmuxSession } from '../e2e/helpers/tmux.js';

const BIN = fileURLToPath(new URL('../../bin/caredesk.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Row {
  readonly mode: string;
  readonly language?: string;
  readonly channel: string;
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'caredesk-test-demo-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});
/** What the demo left in TMPDIR (tsx keeps its own cache there too). */
const demoDirs = () => readdirSync(tmp).filter((name) => name.startsWith('caredesk-demo-'));

describe('caredesk demo --no-tui', () => {
  it('runs a live desk with English and Italian customers, some queued for a person, and cleans up on SIGTERM', async () => {
    // The demo makes its directory under TMPDIR: a directory of this test's own, to see it go.
    const demo = new CaredeskProcess(['demo', '--no-tui', '--customers', '6', '--rate', '120'], { TMPDIR: tmp });
    try {
      const started = await until(() => {
        if (demo.child.exitCode !== null) throw new Error(`caredesk demo exited: ${demo.stdout}${demo.stderr}`);
        const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(demo.stdout)?.[1];
        // Whole lines only: stdout arrives in chunks, and a token cut at a chunk's end is not the token.
        const tui = /caredesk tui --server (\S+) --token (cdk_[\w-]+)\n/.exec(demo.stdout);
        return url && tui ? { url, tuiServer: tui[1], token: tui[2] as string } : undefined;
      }, 30_000);
      expect(started.tuiServer).toBe(started.url);
      expect(demo.stdout).toContain(`, token ${started.token}\n`);
      expect(demoDirs()).toHaveLength(1);

      const rows = await until(async () => {
        const res = await fetch(`${started.url}/admin/v1/conversations?mode=all`, {
          headers: { authorization: `Bearer ${started.token}` },
        });
        if (!res.ok) throw new Error(`the admin API answered ${res.status}: ${await res.text()}`);
        const { conversations } = (await res.json()) as { conversations: Row[] };
        const languages = new Set(conversations.map((c) => c.language));
        const queued = conversations.some((c) => c.mode === 'queued');
        return languages.has('en') && languages.has('it') && queued ? conversations : undefined;
      }, 30_000);
      expect(rows.every((c) => c.channel === 'devchat')).toBe(true);
      // The customers talk over the Bot Framework protocol: what they say is printed as it happens.
      expect(demo.stdout).toMatch(/\(it\)\s+> voglio parlare con un operatore/);
    } finally {
      demo.child.kill('SIGTERM');
      const exit = await demo.exitedWithin(20_000).catch(async (err) => {
        await demo.kill();
        throw err;
      });
      expect(exit.code, demo.stderr).toBe(0);
    }
    expect(demoDirs()).toEqual([]);
  });

  it('refuses a rate that is not a positive number, naming the option', async () => {
    const demo = new CaredeskProcess(['demo', '--no-tui', '--rate', 'fast'], { TMPDIR: tmp });
    const exit = await demo.exitedWithin(20_000);
    expect(exit.code).toBe(1);
    expect(demo.stderr).toMatch(/--rate must be a number from 1 to 600/);
    expect(demoDirs()).toEqual([]);
  });
});

describe('caredesk demo', () => {
  it('without a terminal, says to use --no-tui and starts nothing', async () => {
    const demo = new CaredeskProcess(['demo'], { TMPDIR: tmp });
    const exit = await demo.exitedWithin(20_000);
    expect(exit.code).toBe(1);
    expect(demo.stderr).toMatch(/needs a terminal.*caredesk demo --no-tui/);
    expect(demoDirs()).toEqual([]);
  });

  it('opens the live desk in the terminal UI as the supervisor; ctrl-c stops everything and removes its directory', async () => {
    const tui = TmuxSession.start({
      command: [process.execPath, BIN, 'demo', '--customers', '4', '--rate', '120'],
      width: 120,
      height: 36,
      cwd: ROOT,
      env: { TMPDIR: tmp, XDG_CONFIG_HOME: tmp },
    });
    try {
      // Both languages reach the board live, the two who asked for a person waiting in the queue.
      const screen = await tui.waitFor(
        (s) => (/ dev\s+giulia\s+it\s/.test(s) && / dev\s+grace\s+en\s/.test(s) ? s : undefined),
        30_000,
        'the simulated customers on the board',
      );
      expect(screen.split('\n')[0]).toMatch(/^caredesk 127\.0\.0\.1:\d+ .*Sofia online sup/);
      expect(screen).toMatch(/voglio parlare con un operatore/);
      expect(demoDirs()).toHaveLength(1);

      tui.keys('C-c');
      expect(await tui.exited(20_000)).toBe(0);
      expect(demoDirs()).toEqual([]);
    } finally {
      tui.kill();
    }
  });
});

describe('caredesk demo, stopped from outside', () => {
  it('SIGTERM while the terminal UI is open gives the terminal back and removes the directory', async () => {
    const tui = TmuxSession.start({
      command: [process.execPath, BIN, 'demo', '--customers', '2', '--rate', '120'],
      cwd: ROOT,
      env: { TMPDIR: tmp, XDG_CONFIG_HOME: tmp },
    });
    try {
      await tui.waitFor(/ dev\s+giulia\s+it\s/, 30_000, 'the board');
      expect(tui.display('#{alternate_on}')).toBe('1');
      // The pane runs sh, which runs caredesk: signal caredesk itself, as `kill` or a service manager would.
      const shell = tui.display('#{pane_pid}');
      const pid = execFileSync('pgrep', ['-P', shell], { encoding: 'utf8' }).trim();
      process.kill(Number(pid), 'SIGTERM');
      expect(await tui.exited(20_000)).toBe(0);
      expect(tui.display('#{alternate_on}')).toBe('0');
      expect(demoDirs()).toEqual([]);
    } finally {
      tui.kill();
    }
  });
});

describe('the demo, in-process', () => {
  it('a colleague takes an English case from the queue, greets the customer, who answers, and resolves it', async () => {
    const demo = await startDemo({
      customers: 3,
      perMinute: 600,
      keep: false,
      thinkMs: [20, 50],
      teamPace: { breakMs: 200, stepMs: 200 },
    });
    try {
      demo.start();
      const store = demo.server.desk.store;
      // grace (the second English customer) asks for a person; Tom is the colleague who works English cases.
      const grace = await until(() => store.findCustomerByIdentity('devchat', 'grace'), 15_000);
      const transcript = await until(async () => {
        const [c] = await store.listConversations({ customerId: grace.id });
        if (!c?.resolvedAt) return undefined;
        return (await store.listMessages(c.id)).map((m) => `${m.author}: ${m.text ?? ''}`);
      }, 20_000);
      expect(transcript).toEqual(
        expect.arrayContaining([
          'customer: I want to talk to a human',
          expect.stringMatching(/^agent: Hi, this is Tom from the care team/),
          'customer: I was charged twice for March, 29.90 each time.',
          expect.stringMatching(/^agent: Thanks, I have sorted it out/),
        ]),
      );
    } finally {
      await demo.stop();
    }
    expect(existsSync(demo.root)).toBe(false);
  });
});

describe('the demo customers', () => {
  it('within the first four, each language has a customer the bot helps and one who asks for a person', () => {
    const first = [0, 1, 2, 3].map(personaAt);
    for (const language of ['en', 'it'] as const) {
      const mine = first.filter((p) => p.language === language);
      expect(mine.map((p) => p.behaviour)).toEqual(expect.arrayContaining(['asksForPerson']));
      expect(mine.some((p) => p.behaviour === 'satisfied')).toBe(true);
    }
  });

  it('have distinct names, also when more come than there are names', () => {
    const names = Array.from({ length: 60 }, (_, n) => personaAt(n).name);
    expect(new Set(names).size).toBe(60);
  });
});
