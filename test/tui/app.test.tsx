import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bindingsFor, GLOBAL_KEYS, keyLabel, SCREEN_KEYS, type ScreenName } from '../../tui/keymap.js';
import { ErrorBoundary } from '../../tui/widgets/error-boundary.js';
import { alice, bob, sam, withConversation } from './helpers/conversation-fixture.js';
import { event, FakeClient, iso, message } from './helpers/fake-client.js';
import { KEYS, type RenderedApp, renderApp } from './helpers/render-app.js';

let app: RenderedApp | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

function client(): FakeClient {
  const c = new FakeClient(sam, [sam, alice, bob]);
  withConversation(c);
  c.kpis_ = {
    channel: { since: iso(-1), now: iso(0), by: 'channel', kpis: {}, volume: [] },
    agent: { since: iso(-1), now: iso(0), by: 'agent', kpis: {}, volume: [] },
  };
  return c;
}

const SCREEN_KEY: Readonly<Record<ScreenName, string[]>> = {
  board: [],
  conversation: [KEYS.enter],
  dashboard: ['2'],
  agents: ['3'],
  supervision: ['4'],
};

describe('help and the hint bar', () => {
  for (const screen of Object.keys(SCREEN_KEYS) as ScreenName[]) {
    it(`? on the ${screen} lists every key of the screen and the global ones, and any key closes it`, async () => {
      app = await renderApp(client(), { columns: 120, rows: 50 });
      await app.see('Ann Example');
      await app.press(...SCREEN_KEY[screen]);
      await app.press('?');
      const frame = await app.see('any key closes this help');
      for (const b of bindingsFor(screen)) {
        expect(frame).toContain(keyLabel(b));
        expect(frame).toContain(b.description);
        expect(frame).toContain(`:${b.action}`);
      }
      await app.press('x');
      await app.until((f) => expect(f).not.toContain('any key closes this help'));
    });
  }

  it('the hint bar shows the visible keys of the screen', async () => {
    app = await renderApp(client(), { columns: 200, rows: 30 });
    const frame = await app.see('Ann Example');
    const hints = frame.split('\n').at(-1)!;
    for (const b of bindingsFor('board').filter((x) => x.visible)) expect(hints).toContain(`<${b.key}> ${b.action}`);
    expect(hints).not.toContain('<R>');
  });
});

describe('command line', () => {
  it(': runs an action by name or alias, tab completes, and an unknown command says so', async () => {
    const c = client();
    app = await renderApp(c);
    await app.see('Ann Example');
    await app.press(':', ...'da');
    await app.see('dash dashboard');
    await app.press(...'sh', KEYS.enter);
    await app.see('Dashboard');
    await app.press(':', ...'age', KEYS.tab);
    await app.see(':agents');
    await app.press(KEYS.enter);
    await app.see('Agents:');
    await app.press(':', ...'queue', KEYS.enter, ':', ...'view mine', KEYS.enter);
    await app.see('[mine]');
    await app.press(':', ...'frobnicate', KEYS.enter);
    await app.see('No command ":frobnicate" here.');
    await app.press(':', ...'claim');
    await app.see(':claim');
    await app.press(KEYS.esc);
    await app.until((f) => expect(f).not.toContain(':claim'));
    expect(c.callsOf('claim')).toEqual([]);
  });

  it(':q and Q quit', async () => {
    for (const keys of [[':', 'q', KEYS.enter], ['Q']]) {
      const onQuit = vi.fn();
      app = await renderApp(client(), { props: { onQuit } });
      await app.see('Ann Example');
      await app.press(...keys);
      await vi.waitFor(() => expect(onQuit).toHaveBeenCalledOnce());
      app.unmount();
    }
    app = undefined;
  });
});

describe('status bar and connection', () => {
  it('shows server, connection state, me and my presence, queued and breached counts', async () => {
    app = await renderApp(client());
    await app.until((f) =>
      expect(f.split('\n')[0]).toMatch(
        /caredesk 127\.0\.0\.1:3978 ● live Sam online sup\s+queued 1\s+breached 0\s+mine 0/,
      ),
    );
  });

  it('a dropped stream shows "reconnecting"; when it is back the screen reloads and catches up', async () => {
    const c = client();
    app = await renderApp(c);
    await app.see('Ann Example');
    const loads = c.callsOf('conversations').length;
    c.setState('reconnecting', 'connection lost (ECONNRESET); retrying in 1.0 s');
    await app.see('● reconnecting');
    await app.see('reconnecting: connection lost (ECONNRESET); retrying in 1.0 s');
    c.rows[0] = { ...c.rows[0]!, lastMessagePreview: 'written while we were away' };
    c.setState('live');
    const frame = await app.see('written while we were away');
    expect(c.callsOf('conversations').length).toBeGreaterThan(loads);
    expect(frame).not.toContain('reconnecting');
  });

  it('a refused token on the stream is said plainly', async () => {
    const c = client();
    app = await renderApp(c);
    await app.see('Ann Example');
    c.setState('unauthorized', 'the server refused the token (HTTP 401)');
    await app.see('token refused');
    await app.see('unauthorized: the server refused the token (HTTP 401)');
  });
});

describe('alerts', () => {
  const ALERTS = [
    [
      event({
        type: 'handoff.requested',
        conversationId: 'cnv_12345678',
        data: { channel: 'telegram', topic: 'billing', priority: 'high' },
      }),
      'New handoff 12345678: telegram · billing (high)',
    ],
    [
      event({ type: 'sla.warning', conversationId: 'c_ann', data: { target: 'firstResponse' } }),
      'SLA warning on Ann Example: first response due soon',
    ],
    [
      event({ type: 'sla.breached', conversationId: 'c_ann', data: { target: 'resolution' } }),
      'SLA breached on Ann Example: resolution',
    ],
    [
      event({ type: 'conversation.escalated', conversationId: 'c_ann', data: { from: 'normal', to: 'high' } }),
      'Escalated Ann Example: priority normal → high',
    ],
    [
      event({
        type: 'message.failed',
        conversationId: 'c_ann',
        data: { outboxId: 'ob_1', messageId: 'm9', error: '403: Forbidden: bot was blocked by the user' },
      }),
      'Reply to Ann Example not delivered: 403: Forbidden: bot was blocked by the user',
    ],
    [
      event({ type: 'volume.spike', data: { scope: 'channel', value: 'telegram', current: 40, baseline: 8 } }),
      'Volume spike (channel telegram): 40 new conversations vs 8.0 usual',
    ],
  ] as const;

  it('each alert flashes in the status line and rings the bell; it names the customer when the board has the conversation (the end of its id when not)', async () => {
    const c = client();
    app = await renderApp(c);
    await app.see('Ann Example');
    for (const [e, text] of ALERTS) {
      c.push(e);
      await app.see(`⚑ ${text}`);
    }
    expect(app.rings()).toBeGreaterThanOrEqual(1);
  });

  it('a burst of alerts rings once', async () => {
    const c = client();
    app = await renderApp(c);
    await app.see('Ann Example');
    for (const [e] of ALERTS) c.push(e);
    await app.see('Volume spike');
    expect(app.rings()).toBe(1);
  });

  it('with the bell off (--no-bell) alerts only flash; M turns it on and off', async () => {
    const c = client();
    app = await renderApp(c, { bell: false });
    let frame = await app.see('Ann Example');
    expect(frame.split('\n')[0]).toContain('bell off');
    c.push(ALERTS[2]![0]);
    await app.see('SLA breached');
    expect(app.rings()).toBe(0);
    await app.press('M');
    await app.see('The bell rings on alerts.');
    c.push(ALERTS[1]![0]);
    await app.see('SLA warning');
    expect(app.rings()).toBe(1);
    await app.press(':', ...'bell off', KEYS.enter);
    frame = await app.see('The bell is off.');
    expect(frame.split('\n')[0]).toContain('bell off');
  });

  it("a reply the desk gave up on interrupts like an SLA breach: it names the customer and the channel's answer, sanitised, and rings", async () => {
    const c = client();
    app = await renderApp(c);
    await app.see('Ann Example');
    c.push(
      event({
        type: 'message.failed',
        conversationId: 'c_ann',
        data: {
          outboxId: 'ob_1',
          messageId: 'm9',
          error: '403: Forbidden: bot was blocked by the user\x1b]0;pwned\x07\u202e',
          unreachable: true,
        },
      }),
    );
    const frame = await app.see(
      '⚑ Reply to Ann Example not delivered: 403: Forbidden: bot was blocked by the user (unreachable)',
    );
    expect(frame).not.toContain('pwned');
    expect(frame).not.toContain('\u202e');
    expect(app.rings()).toBe(1);
  });

  it('a whisper (a note from someone else on my conversation) flashes at once with its text', async () => {
    const c = client();
    const d = c.details.get('c_ann')!;
    const note = message({
      id: 'm_w',
      conversationId: 'c_ann',
      author: 'agent',
      agentId: 'ag_alice',
      internal: true,
      text: '@Sam the customer is a VIP \x1b]0;x\x07',
    });
    c.details.set('c_ann', {
      ...d,
      conversation: { ...d.conversation, mode: 'agent', assignee: 'ag_sam' },
      messages: [...d.messages, note],
    });
    app = await renderApp(c);
    await app.see('Ann Example');
    c.push(event({ type: 'note.added', conversationId: 'c_ann', agentId: 'ag_alice', data: { messageId: 'm_w' } }));
    const frame = await app.see('⚑ Whisper from Alice: @Sam the customer is a VIP');
    expect(frame).not.toContain('\x1b]');
    expect(app.rings()).toBe(1);
  });

  it('my own notes, and notes on conversations not assigned to me, do not flash', async () => {
    const c = client();
    app = await renderApp(c);
    await app.see('Ann Example');
    c.push(event({ type: 'note.added', conversationId: 'c_ann', agentId: 'ag_sam', data: { messageId: 'x' } }));
    c.push(event({ type: 'note.added', conversationId: 'c_ann', agentId: 'ag_alice', data: { messageId: 'm5' } }));
    await vi.waitFor(() => expect(c.callsOf('conversation').length).toBe(1));
    // Then the conversation becomes mine and Alice whispers: notes are handled in order, so once this
    // one flashes the two above have been decided, and the only ring is this one's.
    const d = c.details.get('c_ann')!;
    const whisper = { conversationId: 'c_ann', author: 'agent', agentId: 'ag_alice', internal: true } as const;
    c.details.set('c_ann', {
      ...d,
      conversation: { ...d.conversation, mode: 'agent', assignee: 'ag_sam' },
      messages: [...d.messages, message({ id: 'm_w', ...whisper, text: '@Sam now it is yours' })],
    });
    c.push(event({ type: 'note.added', conversationId: 'c_ann', agentId: 'ag_alice', data: { messageId: 'm_w' } }));
    const frame = await app.see('⚑ Whisper from Alice: @Sam now it is yours');
    expect(frame.match(/Whisper/g)).toHaveLength(1);
    expect(app.rings()).toBe(1);
  });
});

function Broken(): React.JSX.Element {
  throw new Error('cannot draw \x1b[2J this');
}

describe('error boundary', () => {
  it('a screen that throws while drawing shows what failed instead of a stack trace', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const ui = render(
      <ErrorBoundary>
        <Text>fine</Text>
        <Broken />
      </ErrorBoundary>,
    );
    let frame = '';
    try {
      await vi.waitFor(() => {
        frame = ui.lastFrame() ?? '';
        expect(frame).toContain('caredesk tui hit a bug');
      });
    } finally {
      spy.mockRestore();
    }
    ui.unmount();
    expect(frame).toContain('caredesk tui hit a bug');
    expect(frame).toContain('cannot draw');
    expect(frame).not.toContain('\x1b[2J');
    expect(frame).not.toMatch(/^\s+at /m);
  });
});

describe('keymap', () => {
  it('no key means two things on one screen, and every command name is unique there', () => {
    for (const screen of Object.keys(SCREEN_KEYS) as ScreenName[]) {
      const own = SCREEN_KEYS[screen].flatMap((b) => [b.key, ...(b.keys ?? [])]).filter(Boolean);
      expect(new Set(own).size, screen).toBe(own.length);
      const global = GLOBAL_KEYS.flatMap((b) => [b.key, ...(b.keys ?? [])]);
      expect(
        own.filter((k) => global.includes(k)),
        screen,
      ).toEqual([]);
      const names = bindingsFor(screen).flatMap((b) => [b.action, ...(b.aliases ?? [])]);
      expect(new Set(names).size, screen).toBe(names.length);
    }
  });

  it('the dangerous actions are resolve, hand back, removing an agent and rotating a token', () => {
    const dangerous = Object.values(SCREEN_KEYS).flatMap((bs) => bs.filter((b) => b.dangerous).map((b) => b.action));
    expect(dangerous.sort()).toEqual(['handback', 'remove', 'resolve', 'rotate-token']);
  });
});
