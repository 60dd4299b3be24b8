import { afterEach, describe, expect, it } from 'vitest';
import { agent, event, FakeClient, iso, row } from './helpers/fake-client.js';
import { KEYS, type RenderedApp, renderApp } from './helpers/render-app.js';

const sam = agent({ id: 'ag_sam', name: 'Sam', role: 'supervisor' });
const alice = agent({ id: 'ag_alice', name: 'Alice' });
let app: RenderedApp | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

function client(): FakeClient {
  const c = new FakeClient(sam, [sam, alice]);
  c.rows = [
    row({
      id: 'c_late',
      slaDueAt: iso(20 * 60_000),
      customer: { id: 'u1', displayName: 'Ann' },
      language: 'en',
      topic: 'billing',
      skill: 'billing',
      lastMessagePreview: 'my invoice is wrong',
    }),
    row({
      id: 'c_soon',
      slaDueAt: iso(2 * 60_000),
      channel: 'botframework',
      customer: { id: 'u2', displayName: 'Bruno' },
      language: 'it',
      lastMessagePreview: 'la connessione non va',
    }),
    row({
      id: 'c_mine',
      mode: 'agent',
      assignee: 'ag_sam',
      slaDueAt: iso(40 * 60_000),
      customer: { id: 'u3', displayName: 'Chen' },
    }),
    row({
      id: 'c_alice',
      mode: 'agent',
      assignee: 'ag_alice',
      slaDueAt: iso(-60_000),
      breached: true,
      customer: { id: 'u5', displayName: 'Eve' },
    }),
    row({ id: 'c_bot', mode: 'bot', sla: {}, customer: { id: 'u4', displayName: 'Dora' } }),
  ];
  return c;
}

/** The board's data rows, top to bottom, by customer name. */
function order(frame: string, names: readonly string[]): string[] {
  return frame
    .split('\n')
    .map((l) => names.find((n) => l.includes(` ${n} `)))
    .filter((n): n is string => n !== undefined);
}
const NAMES = ['Ann', 'Bruno', 'Chen', 'Dora', 'Eve'];

describe('queue board', () => {
  it('lists queued and assigned conversations from every channel, most urgent first, with their columns', async () => {
    app = await renderApp(client());
    const frame = await app.see('Bruno');
    expect(order(frame, NAMES)).toEqual(['Eve', 'Bruno', 'Ann', 'Chen']);
    expect(frame).toContain('Queue: queued and assigned (4)');
    for (const header of ['SLA', 'CH', 'CUSTOMER', 'LANG', 'TOPIC', 'LAST MESSAGE', 'WAIT', 'ASSIGNEE']) {
      expect(frame).toContain(header);
    }
    const bruno = frame.split('\n').find((l) => l.includes('Bruno'))!;
    expect(bruno).toMatch(/2m00 bf\s+Bruno\s+it\s+la connessione non va\s+5m00 queue/);
    const eve = frame.split('\n').find((l) => l.includes('Eve'))!;
    expect(eve).toMatch(/-1m00 tg\s+Eve/);
    expect(eve).toContain('Alice');
    // The status bar counts the queue and the breaches.
    expect(frame).toMatch(/queued 2\s+breached 1/);
  });

  it('tab cycles the views queue → mine → bot → all, and shift+tab goes back', async () => {
    app = await renderApp(client());
    await app.see('Bruno');
    await app.press(KEYS.tab);
    let frame = await app.see('[mine]');
    expect(order(frame, NAMES)).toEqual(['Chen']);
    await app.press(KEYS.tab);
    frame = await app.see('[bot]');
    expect(order(frame, NAMES)).toEqual(['Dora']);
    await app.press(KEYS.tab);
    frame = await app.see('[all]');
    expect(order(frame, NAMES)).toEqual(['Eve', 'Bruno', 'Ann', 'Chen', 'Dora']);
    await app.press(KEYS.shiftTab);
    await app.see('[bot]');
  });

  it('/ filters by channel, skill, language and words, shows the filter in the title, and esc clears it', async () => {
    app = await renderApp(client());
    await app.see('Bruno');
    await app.press('/', ...'lang:it', KEYS.enter);
    let frame = await app.see('filter: lang:it');
    expect(order(frame, NAMES)).toEqual(['Bruno']);
    expect(frame).toContain('1 of 4');
    await app.press(KEYS.esc);
    frame = await app.see('(4)');
    expect(frame).not.toContain('filter:');
    await app.press('/', ...'skill:billing invoice', KEYS.enter);
    frame = await app.see('filter: skill:billing invoice');
    expect(order(frame, NAMES)).toEqual(['Ann']);
    await app.press(KEYS.esc, '/', ...'channel:bot', KEYS.enter);
    frame = await app.see('filter: channel:bot');
    expect(order(frame, NAMES)).toEqual(['Bruno']);
    await app.press(KEYS.esc, '/', ...'nobody', KEYS.enter);
    await app.see('no conversation matches the filter');
  });

  it('arrow keys and j/k move the selection, and enter opens the selected conversation', async () => {
    const c = client();
    c.details.set('c_soon', {
      conversation: c.rows[1]!,
      customer: {
        id: 'u2',
        displayName: 'Bruno',
        identities: [{ channel: 'botframework', externalId: 'b1' }],
        createdAt: iso(-1e6),
      },
      messages: [],
      history: [],
      viewers: [],
      undelivered: [],
    });
    app = await renderApp(c);
    await app.see('Bruno');
    expect(app.frame()).toMatch(/▸.*Eve/);
    for (const [key, selected] of [
      ['j', /▸.*Bruno/],
      [KEYS.down, /▸.*Ann/],
      [KEYS.up, /▸.*Bruno/],
      ['k', /▸.*Eve/],
      ['j', /▸.*Bruno/],
    ] as const) {
      await app.press(key);
      await app.see(selected);
    }
    await app.press(KEYS.enter);
    await app.see('Bruno · botframework · queued');
    expect(c.callsOf('conversation').map((x) => x.args[0])).toContain('c_soon');
  });

  it('c claims the selected conversation and says so in the status line; a conflict shows the server error', async () => {
    const c = client();
    app = await renderApp(c);
    await app.see('Bruno');
    await app.press('j', 'c');
    await app.see('Claimed c_soon: it is yours now.');
    expect(c.callsOf('claim').map((x) => x.args[0])).toEqual(['c_soon']);
    const { AdminApiError } = await import('../../tui/client.js');
    c.failures.set('claim', new AdminApiError('E_CLAIM_CONFLICT', 'Agent Alice claimed it first.', 409));
    await app.press('k', 'c');
    await app.see('Agent Alice claimed it first. [E_CLAIM_CONFLICT]');
  });

  it('t takes a bot-handled conversation over', async () => {
    const c = client();
    app = await renderApp(c);
    await app.see('Bruno');
    await app.press(KEYS.tab, KEYS.tab);
    await app.see('[bot]');
    await app.press('t');
    await app.see('Took c_bot over from the bot');
    expect(c.callsOf('takeover').map((x) => x.args[0])).toEqual(['c_bot']);
  });

  it('is live: an assignment moves a row at once, a new handoff appears, a resolved one goes', async () => {
    const c = client();
    app = await renderApp(c);
    await app.see('Bruno');
    c.push(
      event({ type: 'conversation.assigned', conversationId: 'c_soon', agentId: 'ag_alice', data: { via: 'claim' } }),
    );
    let frame = await app.see(/Bruno.*Alice/);
    expect(frame).toMatch(/queued 1/);
    c.rows.push(row({ id: 'c_new', slaDueAt: iso(60_000), customer: { id: 'u9', displayName: 'Fatima' } }));
    c.push(event({ type: 'handoff.requested', conversationId: 'c_new', data: { channel: 'telegram' } }));
    frame = await app.see('Fatima');
    expect(order(frame, [...NAMES, 'Fatima'])[1]).toBe('Fatima');
    c.push(event({ type: 'conversation.resolved', conversationId: 'c_late', data: {} }));
    frame = await app.see('Queue: queued and assigned (4)');
    expect(frame).not.toContain(' Ann ');
  });

  it('draws only the rows that fit: 10,000 queued conversations fill the screen and G jumps to the last', async () => {
    const c = new FakeClient(sam);
    c.rows = Array.from({ length: 10_000 }, (_, i) =>
      row({
        id: `c${String(i).padStart(5, '0')}`,
        slaDueAt: iso((i + 1) * 1000),
        customer: { id: `u${i}`, displayName: `Person ${i}` },
      }),
    );
    app = await renderApp(c, { columns: 100, rows: 30 });
    const frame = await app.see('Person 0 ');
    expect(frame).toContain('(10000)');
    expect(frame.split('\n').length).toBeLessThanOrEqual(29);
    expect(frame).not.toContain('Person 9999');
    await app.press('G');
    await app.see('Person 9999');
    await app.press('g');
    await app.see(/▸.*Person 0 /);
    await app.press('\x1b[6~');
    await app.see(/▸.*Person 23 /);
    await app.press('\x1b[5~', 'j', 'j');
    await app.see(/▸.*Person 2 /);
  });

  it('keys typed ahead in one chunk are taken one at a time, each after the last took effect', async () => {
    const c = client();
    c.details.set('c_late', {
      conversation: c.rows[0]!,
      customer: {
        id: 'u1',
        displayName: 'Ann',
        identities: [{ channel: 'telegram', externalId: '1' }],
        createdAt: iso(-1e6),
      },
      messages: [],
      history: [],
      viewers: [],
      undelivered: [],
    });
    app = await renderApp(c);
    await app.see('Bruno');
    await app.typeAhead('\t\t\t');
    await app.see('[all]');
    await app.typeAhead('\x1b[Z\x1b[Z\x1b[Z');
    await app.see('[queue]');
    await app.typeAhead('/invoice\r');
    let frame = await app.see('filter: invoice');
    expect(order(frame, NAMES)).toEqual(['Ann']);
    await app.typeAhead('\x1b');
    frame = await app.see('(4)');
    await app.typeAhead('jj\r');
    await app.see('Ann · telegram · queued');
  });

  it('/ finds a customer by the name on the screen, though the stored name hides escape sequences', async () => {
    const c = client();
    c.rows.push(
      row({
        id: 'c_mal',
        slaDueAt: iso(30 * 60_000),
        customer: { id: 'u6', displayName: 'Mal\x1b]0;pwned\x07lory\u202e' },
        lastMessagePreview: 'I want to talk to a human',
      }),
    );
    app = await renderApp(c);
    await app.see('Mallory');
    await app.press('/', ...'Mallory', KEYS.enter);
    const frame = await app.see('filter: Mallory');
    expect(frame).toContain('(1 of 5)');
    expect(frame).toMatch(/^▸.*Mallory.*talk to a human/m);
  });

  it('the LANG column shows the primary language: the bot view has "en" and "it", not the locales "en-GB" and "it-IT"', async () => {
    const c = new FakeClient(sam, [sam]);
    c.rows = [
      row({ id: 'c_g', mode: 'bot', sla: {}, customer: { id: 'u1', displayName: 'Grace', language: 'en-GB' } }),
      row({ id: 'c_l', mode: 'bot', sla: {}, customer: { id: 'u2', displayName: 'Luca', language: 'it-IT' } }),
    ];
    app = await renderApp(c, { columns: 80, rows: 24 });
    await app.press(KEYS.tab, KEYS.tab);
    const frame = await app.see('[bot]');
    expect(frame).toMatch(/Grace\s+en\s/);
    expect(frame).toMatch(/Luca\s+it\s/);
    expect(frame).not.toMatch(/en-|it-/);
  });

  it('the place in line moves up at once when the customer ahead leaves the queue, counted per skill as the server does', async () => {
    const c = new FakeClient(sam, [sam]);
    const queued = (id: string, name: string, minutes: number, skill: string | undefined, place: number) =>
      row({
        id,
        slaDueAt: iso(minutes * 60_000),
        customer: { id: `u_${id}`, displayName: name },
        ...(skill ? { skill } : {}),
        placeInLine: { place, of: 2 },
      });
    c.rows = [
      queued('c_a', 'Ann', 2, 'billing', 1),
      queued('c_b', 'Bruno', 4, 'billing', 2),
      queued('c_d', 'Dora', 6, undefined, 1),
    ];
    app = await renderApp(c);
    let frame = await app.see('Bruno');
    expect(frame).toMatch(/Bruno.*queue #2/);
    expect(frame).toMatch(/Dora.*queue #1/);
    c.push(event({ type: 'conversation.resolved', conversationId: 'c_a', data: {} }));
    frame = await app.see('Queue: queued and assigned (2)');
    expect(frame).toMatch(/Bruno.*queue #1/);
    expect(frame).toMatch(/Dora.*queue #1/);
    expect(c.callsOf('conversation')).toHaveLength(0);
  });
});
