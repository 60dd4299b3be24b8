/**
 * The agents screen, driven with keys through ink-testing-library, against a
 * real server over HTTP (HttpAdminClient and the live stream): a supervisor
 * adds an agent, gives them a new token, sets their presence, changes their
 * capacity and removes them; an agent is told the team is not theirs to manage.
 */
import { render } from 'ink-testing-library';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { App } from '../../tui/app.js';
import { HttpAdminClient } from '../../tui/client.js';
import { LiveFeed } from '../../tui/state/live-feed.js';
import { type AdminTestServer, startAdminServer, type TestAgent } from '../server/admin/helpers.js';
import { KEYS, keyboardReady } from './helpers/render-app.js';

let server: AdminTestServer;
let sue: TestAgent;
let bob: TestAgent;
let close: (() => void) | undefined;

beforeAll(async () => {
  server = await startAdminServer();
  sue = await server.agent({ name: 'Sue', role: 'supervisor' });
  bob = await server.agent({ name: 'Bob' });
});
afterEach(() => {
  close?.();
  close = undefined;
});
afterAll(() => server.close());

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The TUI of the agent with this token, on the agents screen (`3`). */
async function agentsScreen(token: string) {
  const client = new HttpAdminClient({ server: server.url, token });
  const me = await client.me();
  const feed = new LiveFeed().start(client);
  const ui = render(<App client={client} feed={feed} me={me} bell={false} />);
  Object.defineProperty(ui.stdout, 'columns', { value: 120, configurable: true });
  Object.defineProperty(ui.stdout, 'rows', { value: 30, configurable: true });
  ui.stdout.emit('resize');
  close = () => {
    ui.unmount();
    feed.close();
  };
  await keyboardReady(ui.stdin);
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
  const see = (text: string | RegExp) =>
    until((f) => (typeof text === 'string' ? expect(f).toContain(text) : expect(f).toMatch(text)));
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      ui.stdin.write(k);
      await nextTurn();
    }
  };
  /** Moves the selection (▸) to the row of this agent. */
  const select = async (name: string) => {
    const rows = () =>
      frame()
        .split('\n')
        .filter((l) => /^[▸ ] \S/.test(l) && !l.includes('NAME'));
    await until((f) => expect(f).toContain(name));
    for (let i = 0; i < 10 && !rows().some((l) => l.startsWith('▸') && l.includes(name)); i++) {
      const before = rows().findIndex((l) => l.startsWith('▸'));
      const target = rows().findIndex((l) => l.includes(name));
      await press(target > before ? KEYS.down : KEYS.up);
      await until((f) => expect(f.split('\n').filter((l) => l.startsWith('▸'))[0]).not.toBe(rows()[before]));
    }
    await until((f) => expect(f.split('\n').find((l) => l.startsWith('▸'))).toContain(name));
  };
  await press('3');
  await see('Agents:');
  return { frame, see, until, press, select };
}

const me = (token: string) => server.call('GET', '/admin/v1/me', { token });
const agentNamed = async (name: string) =>
  (await server.call('GET', '/admin/v1/agents', { token: sue.token })).body.agents.find(
    (a: { name: string }) => a.name === name,
  );

describe('the agents screen: a supervisor manages the team', () => {
  it('adds an agent whose token works, gives them a new token, sets their presence, changes capacity, removes them', async () => {
    const tui = await agentsScreen(sue.token);
    await tui.press('a');
    await tui.see('new agent (name');
    await tui.press(...'Marco skills:billing languages:it,en capacity:3', KEYS.enter);
    const added = await tui.see(/Token of Marco: cdk_\S+ {2}\(shown once: copy it now\)/);
    expect(added).toContain('Marco added: give them the token above, it is not shown again.');
    await tui.see(/Marco\s+agent\s+offline\s+0\/3/);
    const first = /Token of Marco: (cdk_\S+)/.exec(added)![1]!;
    expect((await me(first)).body.agent).toMatchObject({ name: 'Marco', skills: ['billing'], languages: ['it', 'en'] });

    await tui.select('Marco');
    await tui.press('T');
    await tui.see('A new token for the selected agent (the old one stops)? (y/N)');
    await tui.press('y');
    const rotated = await tui.see('Marco has a new token (above); the old one no longer works.');
    const second = /Token of Marco: (cdk_\S+)/.exec(rotated)![1]!;
    expect(second).not.toBe(first);
    expect((await me(first)).status).toBe(401);
    expect((await me(second)).body.agent.name).toBe('Marco');

    await tui.press('P');
    await tui.see('presence of Marco (online, away, offline) ›');
    await tui.press(...'online', KEYS.enter);
    await tui.see('Marco is online now.');
    await tui.see(/Marco\s+agent\s+online/);
    expect((await agentNamed('Marco')).presence).toBe('online');

    await tui.select('Marco');
    await tui.press('c');
    await tui.see('capacity of Marco (1-100) › 3');
    await tui.press(KEYS.backspace, '5', KEYS.enter);
    await tui.see('Marco takes up to 5 conversations now.');
    await tui.see(/Marco\s+agent\s+online\s+0\/5/);
    expect((await agentNamed('Marco')).capacity).toBe(5);

    await tui.select('Marco');
    await tui.press('D');
    await tui.see('Remove the selected agent? (y/N)');
    await tui.press('y');
    await tui.see('Marco removed; their conversations went back to the queue.');
    await tui.until((f) => expect(f).not.toMatch(/Marco\s+agent/));
    expect(await agentNamed('Marco')).toBeUndefined();
    expect((await me(second)).status).toBe(401);
  });

  it('an agent who is not a supervisor is told so, and nothing changes', async () => {
    const tui = await agentsScreen(bob.token);
    await tui.press('a');
    await tui.see('Only a supervisor manages the team; ask one of yours.');
    expect(tui.frame()).not.toContain('new agent (name');
    await tui.press(':', ...'capacity 9', KEYS.enter);
    await tui.see('Only a supervisor manages the team; ask one of yours.');
    expect((await agentNamed('Bob')).capacity).toBe(5);
  });
});
