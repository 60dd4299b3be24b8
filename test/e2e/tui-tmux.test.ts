/**
 * The whole desk as a supervisor meets it: the real `caredesk tui` in a real
 * terminal (tmux, 120x36) against a real `caredesk serve`, with customers on
 * the Telegram emulator. Keys go in with send-keys, the screen comes back
 * with capture-pane; every wait is bounded and polls the screen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../bots/telegram/emulator.js';
import { until } from '../bots/telegram/helpers.js';
import { addSupervisor, CaredeskProcess, stopServe } from './helpers/caredesk-process.js';
import { requireTmux, TmuxSession } from './helpers/tmux.js';

const BIN = fileURLToPath(new URL('../../bin/caredesk.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const telegramToken = '6262:TUI-E2E-TOKEN';

let emulator: Emulator;
let dataDir: string;
let configHome: string;
let serve: CaredeskProcess;
let url: string;
let supervisorToken: string;
const sessions: TmuxSession[] = [];

beforeAll(async () => {
  requireTmux();
  emulator = await startEmulator();
  dataDir = mkdtempSync(join(tmpdir(), 'caredesk-e2e-tui-'));
  configHome = mkdtempSync(join(tmpdir(), 'caredesk-e2e-tui-config-'));
  supervisorToken = await addSupervisor(dataDir, ['--languages', 'en,it']);

  serve = new CaredeskProcess(['serve', '--data-dir', dataDir], {
    PORT: '0',
    CAREDESK_FSYNC: 'false',
    TELEGRAM_BOT_TOKEN: telegramToken,
    TELEGRAM_API_ROOT: emulator.apiRoot,
  });
  url = await serve.listening(30_000);
}, 90_000);

afterEach(() => {
  for (const s of sessions.splice(0)) s.kill();
});

afterAll(async () => {
  for (const s of sessions.splice(0)) s.kill();
  await stopServe(serve);
  await emulator?.stop();
  for (const dir of [dataDir, configHome]) if (dir) rmSync(dir, { recursive: true, force: true });
}, 40_000);

/** `caredesk tui` as the supervisor, in a fresh 120x36 terminal, on the queue board. */
async function openTui(): Promise<TmuxSession> {
  const tui = TmuxSession.start({
    command: [process.execPath, BIN, 'tui', '--server', url, '--token', supervisorToken],
    width: 120,
    height: 36,
    cwd: ROOT,
    // No config file of the developer's: only the flags count.
    env: { XDG_CONFIG_HOME: configHome },
  });
  sessions.push(tui);
  await tui.waitFor(/^Queue:.*\n\s+SLA\s+CH\s+CUSTOMER/m, 30_000, 'the queue board, loaded');
  return tui;
}

/** Selects the board's row with the filter (`/words`), as a supervisor would. */
async function select(tui: TmuxSession, name: string): Promise<void> {
  // Each step waits for the screen: keys sent before the input line is drawn would be lost.
  tui.keys('/');
  await tui.waitFor(/^\//m, 10_000, 'the filter line');
  tui.type(name);
  await tui.waitFor(new RegExp(`^/${name}`, 'm'), 10_000, `the filter "${name}" typed`);
  tui.keys('Enter');
  await tui.waitFor(
    (screen) => screen.split('\n').find((l) => l.startsWith('▸') && l.includes(name)),
    15_000,
    `${name} selected on the board`,
  );
}

const toChat = (chatId: number) => emulator.botMessages().filter((m) => String(m.message.chat_id) === String(chatId));

describe('caredesk tui in a terminal', () => {
  it('a supervisor sees a Telegram customer who asked for a person, takes the case, replies, and resolves it', async () => {
    const tui = await openTui();
    const rosa = emulator.server.getClient(telegramToken, { userId: 7001, chatId: 7001, firstName: 'Rosa' });
    await rosa.sendMessage(rosa.makeMessage('I want to talk to a human about my bill'));
    await until(() => toChat(7001).find((m) => /passing you to a person/.test(m.message.text)), 15_000);

    // Live on the board (the event stream), with the channel, the language and what she wrote.
    const row = await tui.waitFor(
      (screen) => screen.split('\n').find((l) => l.includes('Rosa') && l.includes('talk to a human')),
      15_000,
      'Rosa on the board',
    );
    expect(row).toMatch(/tg\s+Rosa\s+en/);
    expect(row).toMatch(/queue #1/);

    tui.keys('Enter');
    await tui.waitFor(/Rosa · telegram · queued/, 10_000, 'the conversation open');
    tui.keys('c');
    await tui.waitFor(/Rosa · telegram · with me/, 10_000, 'the case claimed by the supervisor');

    tui.keys('Enter');
    await tui.waitFor(/reply ›/, 10_000, 'the reply line');
    const answer = 'Hi Rosa, Sofia here: I can see the double charge and I am refunding it now.';
    tui.type(answer);
    await tui.waitFor(answer.slice(0, 40), 10_000, 'the reply being typed');
    tui.keys('Enter');
    const delivered = await until(() => toChat(7001).find((m) => m.message.text === answer), 15_000);
    expect(delivered.message.text).toBe(answer);
    await tui.waitFor(/Sofia \(agent\)/, 10_000, 'the reply in the transcript');

    tui.keys('r');
    await tui.waitFor(/Resolve the conversation\? \(y\/N\)/, 10_000, 'the confirmation');
    tui.keys('y');
    await tui.waitFor(/Resolved /, 10_000, 'the resolution');
    // Resolved, the care flow asks Rosa for her rating in Telegram.
    await until(() => toChat(7001).find((m) => /How satisfied/.test(m.message.text)), 15_000);
    const res = await fetch(`${url}/admin/v1/conversations?mode=all`, {
      headers: { authorization: `Bearer ${supervisorToken}` },
    });
    const { conversations } = (await res.json()) as {
      conversations: Array<{ resolvedAt?: string; customer: { displayName?: string } }>;
    };
    const hers = conversations.find((c) => c.customer.displayName === 'Rosa');
    expect(hers?.resolvedAt).toEqual(expect.any(String));
  });

  it('a supervisor takes over a conversation the bot is handling, and the customer gets the reply in Telegram', async () => {
    const tui = await openTui();
    const ugo = emulator.server.getClient(telegramToken, { userId: 7003, chatId: 7003, firstName: 'Ugo' });
    await ugo.sendMessage(ugo.makeMessage('my internet is very slow'));
    await until(() => toChat(7003).find((m) => /solve your problem/.test(m.message.text)), 15_000);

    // The bot's conversations are a view of the board of their own (tab, tab); the filter finds him.
    tui.keys('Tab');
    await tui.waitFor(/\[mine\]/, 10_000, 'the "mine" view');
    tui.keys('Tab');
    await tui.waitFor(/\[bot\]/, 10_000, 'the "bot" view');
    await select(tui, 'Ugo');
    tui.keys('t');
    await tui.waitFor(/Took \w+ over from the bot/, 10_000, 'the takeover');
    // Now a case of the supervisor's, no longer the bot's: in the "all" view (tab), where the filter still holds.
    tui.keys('Tab');
    await tui.waitFor(
      (screen) => /\[all\]/.test(screen) && screen.split('\n').find((l) => l.startsWith('▸') && l.includes('Ugo')),
      10_000,
      'Ugo selected in the "all" view',
    );
    tui.keys('Enter');
    await tui.waitFor(/Ugo · telegram · with me/, 10_000, 'the conversation, now the supervisor’s');
    tui.keys('Enter');
    await tui.waitFor(/reply ›/, 10_000, 'the reply line');
    const answer = 'Ugo, Sofia here: there is a fault on your line, a technician comes tomorrow.';
    tui.type(answer);
    await tui.waitFor(answer.slice(0, 40), 10_000, 'the reply being typed');
    tui.keys('Enter');
    await until(() => toChat(7003).find((m) => m.message.text === answer), 15_000);
  });

  it('escape sequences and control characters from a customer do not reach the terminal', async () => {
    const tui = await openTui();
    const before = tui.rows();
    const title = tui.display('#{pane_title}');
    expect(title).not.toContain('pwned');

    const mallory = emulator.server.getClient(telegramToken, {
      userId: 7002,
      chatId: 7002,
      firstName: 'Mal\x1b]0;pwned\x07lory\u202e',
    });
    await mallory.sendMessage(mallory.makeMessage('I want to talk to a human'));
    const hostile =
      'hello\x1b[2J\x1b[10;10Hworld\x1b[31m red \x1b[0m\rOVERWRITE \u202eevil\x1b]0;pwned\x07 end\x1b]2;pwned too\x1b\\';
    await mallory.sendMessage(mallory.makeMessage(hostile));

    // The desk keeps what she wrote as she wrote it: keeping it off the terminal is the TUI's job.
    const stored = await until(async () => {
      const res = await fetch(`${url}/admin/v1/conversations?mode=all&q=OVERWRITE`, {
        headers: { authorization: `Bearer ${supervisorToken}` },
      });
      const { conversations } = (await res.json()) as { conversations: Array<{ lastMessagePreview?: string }> };
      return conversations[0]?.lastMessagePreview;
    }, 15_000);
    expect(stored).toContain('\x1b[2J');

    // On the board: one row, her name and her words with the sequences gone, the frame in place.
    const row = await tui.waitFor(
      (screen) => screen.split('\n').find((l) => l.includes('Mallory') && l.includes('OVERWRITE')),
      15_000,
      'the hostile message on the board',
    );
    expect(row).toMatch(/helloworld red\s+OVERWRITE evil end/);
    const board = tui.rows();
    expect(board).toHaveLength(36);
    expect(board.slice(0, 3).map(firstWord)).toEqual(before.slice(0, 3).map(firstWord));
    expect(board[0]).toMatch(/^caredesk 127\.0\.0\.1:\d+/);
    expect(board[1]).toMatch(/^Queue:/);
    expect(board[2]).toMatch(/^\s+SLA\s+CH\s+CUSTOMER/);
    // The hint bar stays on the same row at the bottom.
    const hints = (rows: string[]) => rows.findIndex((l) => l.startsWith('<enter> open'));
    expect(hints(before)).toBeGreaterThan(30);
    expect(hints(board)).toBe(hints(before));
    expect(board.filter((l) => l.includes('OVERWRITE'))).toHaveLength(1);
    expect(tui.capture()).not.toMatch(/[\u202e\x07]/);
    expect(tui.display('#{pane_title}')).toBe(title);

    // In the conversation, where the whole text is shown: still no sequence, no red, the header on top.
    // (Found by her words, which appear nowhere else on the board.)
    await select(tui, 'OVERWRITE');
    tui.keys('Enter');
    const screen = await tui.waitFor(/Mallory · telegram/, 10_000, 'the conversation open');
    expect(screen.split('\n')[0]).toMatch(/^caredesk 127\.0\.0\.1:\d+/);
    const coloured = tui.capture({ escapes: true });
    const line = coloured.split('\n').find((l) => l.includes('OVERWRITE')) ?? '';
    expect(line).not.toContain('\x1b[31m');
    expect(tui.capture()).toMatch(/helloworld red/);
    expect(tui.capture()).not.toMatch(/[\u202e\x07]/);
    expect(tui.display('#{pane_title}')).toBe(title);
    expect(tui.rows()).toHaveLength(36);
  });
});

const firstWord = (line: string | undefined): string => (line ?? '').trim().split(/\s+/)[0] ?? '';
