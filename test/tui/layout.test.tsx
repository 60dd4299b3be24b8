import stringWidth from 'string-width';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { displayWidth, fitTo, truncate, wrap } from '../../tui/text.js';
import { agent, FakeClient, iso, message, row } from './helpers/fake-client.js';
import { KEYS, type RenderedApp, renderApp } from './helpers/render-app.js';

const sam = agent({ id: 'ag_sam', name: 'Sam', role: 'supervisor' });
let app: RenderedApp | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

const MIXED = [
  { name: '王小明', text: '你好，我想和人工客服说话，我的账单有问题，请帮忙看看这个月的费用为什么这么高' },
  { name: 'سارة أحمد', text: 'مرحبا، أريد التحدث إلى موظف بخصوص الفاتورة الشهرية من فضلك' },
  { name: 'Zoë 👩🏽‍💻', text: 'my router 📡 keeps dropping 😤😤😤 every evening 🌙 since Tuesday 🙏🏽' },
  { name: 'דוד כהן', text: 'שלום, האינטרנט לא עובד מאז אתמול בערב' },
  { name: 'Mallory\u202e', text: 'innocent \x1b]0;pwned\x07 text \x1b[2J\x1b[H with \u202eoverride' },
];

function mixedClient(): FakeClient {
  const c = new FakeClient(sam);
  c.rows = MIXED.map((m, i) =>
    row({
      id: `c${i}`,
      slaDueAt: iso((i + 1) * 60_000),
      customer: { id: `u${i}`, displayName: m.name },
      lastMessagePreview: m.text,
      topic: i === 0 ? '账单问题' : 'general',
    }),
  );
  c.details.set('c0', {
    conversation: c.rows[0]!,
    customer: {
      id: 'u0',
      displayName: MIXED[0]!.name,
      identities: [{ channel: 'telegram', externalId: '42', displayName: '小明 🐉' }],
      createdAt: iso(-1e7),
    },
    messages: MIXED.map((m, i) =>
      message({ id: `m${i}`, conversationId: 'c0', text: m.text, author: i % 2 ? 'bot' : 'customer' }),
    ),
    history: [],
    viewers: [],
    undelivered: [],
  });
  return c;
}

/** Every line of the frame fits the width, and the frame fits the height (one line is left for the cursor). */
function expectFits(frame: string, columns: number, rows: number): void {
  const lines = frame.split('\n');
  expect(lines.length).toBeLessThanOrEqual(rows - 1);
  for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(columns);
  expect(frame).not.toContain('\x1b]');
  expect(frame).not.toContain('\u202e');
}

describe('layout', () => {
  it('the board at 80×24 with CJK, Arabic, Hebrew, emoji and hostile text: every line fits, no escape leaks', async () => {
    app = await renderApp(mixedClient(), { columns: 80, rows: 24 });
    const frame = await app.see('王小明');
    expectFits(frame, 80, 24);
    expect(frame).toContain('سارة');
    expect(frame).toContain('Zoë 👩🏽‍💻');
    // The columns after the wide text stay in place: WAIT lines up on every row.
    const waits = frame.split('\n').filter((l) => / 5m00 /.test(l));
    expect(waits).toHaveLength(5);
    const at = waits.map((l) => stringWidth(l.slice(0, l.lastIndexOf(' 5m00 '))));
    expect(new Set(at).size).toBe(1);
  });

  it('the conversation at 80×24 wraps long CJK, RTL and emoji text inside the transcript', async () => {
    app = await renderApp(mixedClient(), { columns: 80, rows: 24 });
    await app.see('王小明');
    await app.press(KEYS.enter);
    const frame = await app.see('Customer');
    expectFits(frame, 80, 24);
    expect(frame).toContain('小明 🐉');
    expect(frame).toContain('你好');
  });

  it("at 80 columns the hint bar cuts the screen's own keys, never <?> help and <:> command", async () => {
    app = await renderApp(mixedClient(), { columns: 80, rows: 24 });
    let frame = await app.see('王小明');
    const last = (f: string) =>
      f
        .split('\n')
        .filter((l) => l.trim() !== '')
        .at(-1) ?? '';
    expect(last(frame)).toMatch(/^<enter> open .*… {2}<\?> help {2}<:> command$/);
    await app.press(KEYS.enter);
    frame = await app.see('Customer');
    expect(last(frame)).toMatch(/^<esc> back .*… {2}<\?> help {2}<:> command$/);
    expectFits(frame, 80, 24);
  });

  it('resizes cleanly: wider shows more, narrower again fits again', async () => {
    app = await renderApp(mixedClient(), { columns: 80, rows: 24 });
    await app.see('王小明');
    app.resize(140, 40);
    const widest = (): number =>
      Math.max(
        ...app!
          .frame()
          .split('\n')
          .map((l) => stringWidth(l)),
      );
    await vi.waitFor(() => expect(widest()).toBeGreaterThan(100), { timeout: 3000 });
    expectFits(app.frame(), 140, 40);
    app.resize(80, 24);
    await vi.waitFor(() => expectFits(app!.frame(), 80, 24), { timeout: 3000 });
  });

  it('every screen and the help fit 80×24', async () => {
    const c = mixedClient();
    c.kpis_ = {
      channel: { since: iso(-7 * 86_400_000), now: iso(0), by: 'channel', kpis: {}, volume: [] },
      agent: { since: iso(-7 * 86_400_000), now: iso(0), by: 'agent', kpis: {}, volume: [] },
    };
    app = await renderApp(c, { columns: 80, rows: 24 });
    await app.see('王小明');
    for (const [key, title] of [
      ['2', 'Dashboard'],
      ['3', 'Agents'],
      ['4', 'Supervision'],
      ['1', 'Queue'],
    ] as const) {
      await app.press(key);
      expectFits(await app.see(title), 80, 24);
      await app.press('?');
      expectFits(await app.see('any key closes this help'), 80, 24);
      await app.press(KEYS.esc);
    }
  });
});

describe('display width', () => {
  it('measures wide characters as two columns and cuts by columns, never inside a character', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('你好')).toBe(4);
    expect(displayWidth('👩🏽‍💻')).toBe(2);
    expect(truncate('你好世界', 5)).toBe('你好…');
    expect(truncate('👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧', 4)).toBe('👨‍👩‍👧…');
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello!', 5)).toBe('hell…');
    expect(fitTo('你好', 6)).toBe('你好  ');
    expect(fitTo('7', 3, 'right')).toBe('  7');
    expect(displayWidth(fitTo('مرحبا بكم في خدمة العملاء', 10))).toBe(10);
  });

  it('wraps at spaces where it can, inside CJK where it must, and keeps newlines', () => {
    expect(wrap('the quick brown fox', 10)).toEqual(['the quick', 'brown fox']);
    expect(wrap('你好世界你好世界', 6)).toEqual(['你好世', '界你好', '世界']);
    expect(wrap('one\ntwo', 10)).toEqual(['one', 'two']);
    expect(wrap('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    for (const line of wrap(MIXED.map((m) => m.text).join(' '), 17)) expect(displayWidth(line)).toBeLessThanOrEqual(17);
  });
});
