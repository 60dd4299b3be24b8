/**
 * The frames of docs/tui.md: every screen of the TUI with realistic data.
 * As a test it checks that each screen draws, line for line, the frame the
 * docs show; `TUI_FRAMES=<file> npx vitest run test/tui/docs-frames.test.tsx`
 * also writes the frames it drew to that file, to paste into the docs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, it, vi } from 'vitest';
import type { Kpis } from '../../tui/client.js';
import { alice, bob, sam, withConversation } from './helpers/conversation-fixture.js';
import { agent, canned, event, FakeClient, iso, message, row } from './helpers/fake-client.js';
import { KEYS, renderApp } from './helpers/render-app.js';

/** The frames of the docs' "Screens" section, in the order the docs show them. */
const DOC_FRAMES = [
  'Queue board',
  'Queue board, view "all", filtered',
  'Queue board at 80×24, reconnecting',
  'Conversation, writing a reply',
  'Conversation, ctrl+r: canned responses',
  'Conversation, a dangerous action asks first',
  'Conversation, a reply not delivered',
  'Dashboard',
  'Agents',
  'Supervision, with an alert flashing',
  'Help on the queue board (?)',
  'Command line (:)',
] as const;
type DocFrame = (typeof DOC_FRAMES)[number];

/** As the docs print a frame: no trailing blanks, runs of empty lines shortened to one. */
const tidy = (frame: string): string => frame.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n');

function docFrames(): ReadonlyMap<DocFrame, string> {
  const md = readFileSync(new URL('../../docs/tui.md', import.meta.url), 'utf8');
  const start = md.indexOf('## Screens');
  const screens = md.slice(start, md.indexOf('\n## ', start + 1));
  const blocks = [...screens.matchAll(/```text\n([\s\S]*?)\n```/g)].map((m) => tidy(m[1]!));
  expect(blocks, 'the frames of docs/tui.md, "Screens"').toHaveLength(DOC_FRAMES.length);
  return new Map(DOC_FRAMES.map((title, i) => [title, blocks[i]!]));
}

const k = (over: Partial<Kpis>): Kpis => ({
  conversations: 0,
  firstResponseMs: { median: null, p90: null, count: 0 },
  averageHandleMs: null,
  slaCompliance: null,
  resolved: 0,
  fullyResolved: 0,
  fullyResolvedRate: null,
  botContainment: null,
  handoffRate: null,
  reopenRate: null,
  csat: { average: null, count: 0, distribution: {} },
  effortAverage: null,
  ...over,
});

it('every screen of docs/tui.md draws what the docs show', async () => {
  const chiara = agent({
    id: 'ag_chiara',
    name: 'Chiara',
    languages: ['it', 'en'],
    skills: ['billing', 'tech'],
    load: 4,
    presence: 'online',
  });
  const dev = agent({ id: 'ag_dev', name: 'Dev', skills: ['tech'], load: 0, presence: 'offline' });
  const c = new FakeClient(sam, [sam, { ...alice, load: 3 }, { ...bob, load: 1 }, chiara, dev]);
  withConversation(c);
  const extra = [
    [
      'c_marco',
      'Marco Rossi',
      'it',
      'telegram',
      'billing',
      'la bolletta di marzo è sbagliata',
      90_000,
      'queued',
      undefined,
      240_000,
    ],
    [
      'c_wang',
      '王小明',
      'zh',
      'botframework',
      'router',
      '你好，我的路由器一直断线',
      -45_000,
      'queued',
      undefined,
      620_000,
    ],
    [
      'c_sara',
      'سارة أحمد',
      'ar',
      'botframework',
      'contract',
      'أريد إلغاء العقد من فضلك',
      600_000,
      'agent',
      'ag_alice',
      900_000,
    ],
    [
      'c_zoe',
      'Zoë 👩🏽‍💻',
      'en',
      'devchat',
      'outage',
      'still no internet 😤 since this morning',
      1_500_000,
      'agent',
      'ag_sam',
      1_200_000,
    ],
    ['c_luca', 'Luca', 'it', 'telegram', 'router', 'ok grazie, provo a riavviare', undefined, 'bot', undefined, 60_000],
    ['c_eve', 'Eve', 'en', 'devchat', 'billing', 'can I pay by bank transfer?', undefined, 'bot', undefined, 30_000],
    [
      'c_tom',
      'Tom Baker',
      'en',
      'telegram',
      'outage',
      'is there an outage in Leeds?',
      1_900_000,
      'agent',
      'ag_chiara',
      1_500_000,
    ],
  ] as const;
  for (const [id, name, lang, channel, topic, preview, due, mode, assignee, waited] of extra) {
    c.rows.push(
      row({
        id,
        mode,
        assignee,
        channel,
        topic,
        // Billing cases wait in the billing line, as Ann's does: the board counts places per skill.
        skill: topic === 'billing' ? 'billing' : undefined,
        language: lang,
        lastMessagePreview: preview,
        customer: { id: `cus_${id}`, displayName: name, language: lang },
        slaDueAt: due === undefined ? undefined : iso(due),
        breached: due !== undefined && due < 0,
        sla: {
          queuedAt: iso(-waited),
          ...(due === undefined ? {} : { firstResponseDueAt: iso(due), firstResponseWarnAt: iso(due - 300_000) }),
        },
        placeInLine: mode === 'queued' ? { place: 1, of: 3 } : undefined,
      }),
    );
  }
  c.rows[0] = { ...c.rows[0]!, placeInLine: { place: 2, of: 3 } };
  c.canned_ = [
    canned({ id: 'k1', title: 'Greeting', text: 'Hello, I am here to help.' }),
    canned({
      id: 'k2',
      title: 'Refund on its way',
      text: 'Your refund is on its way: 3 to 5 working days.',
      skills: ['billing'],
    }),
    canned({
      id: 'k3',
      title: 'Router restart',
      text: 'Please unplug the router for 30 seconds, then plug it back in.',
    }),
  ];
  const vol = Array.from({ length: 12 }, (_, i) => ({
    hour: iso((i - 11) * 3_600_000),
    inbound: [3, 2, 1, 1, 4, 9, 14, 22, 18, 25, 31, 12][i]!,
    outbound: [4, 2, 1, 2, 6, 12, 19, 30, 22, 33, 41, 15][i]!,
  }));
  c.kpis_ = {
    channel: {
      since: iso(-7 * 86_400_000),
      now: iso(0),
      by: 'channel',
      volume: vol,
      kpis: {
        botframework: k({
          conversations: 84,
          firstResponseMs: { median: 95_000, p90: 400_000, count: 30 },
          averageHandleMs: 840_000,
          slaCompliance: 0.93,
          resolved: 77,
          botContainment: 0.64,
          handoffRate: 0.36,
          csat: { average: 4.3, count: 21, distribution: {} },
          fullyResolvedRate: 0.88,
          effortAverage: 4.1,
        }),
        devchat: k({
          conversations: 12,
          firstResponseMs: { median: 40_000, p90: 90_000, count: 4 },
          averageHandleMs: 300_000,
          slaCompliance: 1,
          resolved: 12,
          botContainment: 0.75,
          handoffRate: 0.25,
          csat: { average: 4.8, count: 5, distribution: {} },
          fullyResolvedRate: 0.92,
          effortAverage: 4.5,
        }),
        telegram: k({
          conversations: 203,
          firstResponseMs: { median: 65_000, p90: 300_000, count: 71 },
          averageHandleMs: 720_000,
          slaCompliance: 0.97,
          resolved: 190,
          botContainment: 0.68,
          handoffRate: 0.32,
          csat: { average: 4.5, count: 58, distribution: {} },
          fullyResolvedRate: 0.9,
          effortAverage: 4.3,
        }),
      },
    },
    agent: {
      since: iso(-7 * 86_400_000),
      now: iso(0),
      by: 'agent',
      volume: vol,
      kpis: {
        ag_alice: k({
          conversations: 41,
          firstResponseMs: { median: 70_000, p90: 200_000, count: 41 },
          averageHandleMs: 690_000,
          slaCompliance: 0.98,
          resolved: 39,
          csat: { average: 4.6, count: 20, distribution: {} },
          fullyResolvedRate: 0.87,
          effortAverage: 4.2,
          handoffRate: 1,
        }),
        ag_chiara: k({
          conversations: 38,
          firstResponseMs: { median: 52_000, p90: 180_000, count: 38 },
          averageHandleMs: 610_000,
          slaCompliance: 1,
          resolved: 37,
          csat: { average: 4.7, count: 18, distribution: {} },
          fullyResolvedRate: 0.92,
          effortAverage: 4.4,
          handoffRate: 1,
        }),
        ag_sam: k({
          conversations: 26,
          firstResponseMs: { median: 120_000, p90: 500_000, count: 26 },
          averageHandleMs: 900_000,
          slaCompliance: 0.85,
          resolved: 24,
          csat: { average: 4.1, count: 9, distribution: {} },
          fullyResolvedRate: 0.79,
          effortAverage: 3.8,
          handoffRate: 1,
        }),
        bot: k({
          conversations: 194,
          slaCompliance: null,
          resolved: 179,
          botContainment: 0.95,
          handoffRate: 0,
          csat: { average: 4.4, count: 37, distribution: {} },
          fullyResolvedRate: 0.93,
          effortAverage: 4.6,
        }),
      },
    },
  };
  const docs = docFrames();
  const out: string[] = [];
  /**
   * Waits until the screen draws the frame the docs show (the events and keys before it take
   * effect on their own time); if it never does, the difference is reported and the test goes on.
   */
  const shot = async (title: DocFrame, frame: () => string) => {
    const want = docs.get(title);
    let drawn = tidy(frame());
    await vi
      .waitFor(
        () => {
          drawn = tidy(frame());
          expect(drawn).toBe(want);
        },
        { timeout: 3000, interval: 10 },
      )
      .catch(() => undefined);
    out.push(`### ${title}\n\n\`\`\`text\n${drawn}\n\`\`\`\n`);
    expect.soft(drawn, `docs/tui.md, frame "${title}"`).toBe(want);
  };
  const lastLines = (frame: () => string, n: number) => () => frame().split('\n').slice(-n).join('\n');
  const app = await renderApp(c, { columns: 100, rows: 30 });
  await app.see('Ann Example');
  c.push({
    kind: 'viewers',
    conversationId: 'c_sara',
    viewers: [{ agentId: 'ag_bob', name: 'Bob', activity: 'viewing', since: iso(0) }],
  });
  c.push({
    kind: 'viewers',
    conversationId: 'c_zoe',
    viewers: [{ agentId: 'ag_alice', name: 'Alice', activity: 'typing', since: iso(0) }],
  });
  await shot('Queue board', app.frame);
  await app.press(KEYS.tab, KEYS.tab, KEYS.tab);
  await app.press('/', ...'lang:it', KEYS.enter);
  await shot('Queue board, view "all", filtered', app.frame);
  await app.press(KEYS.esc, KEYS.shiftTab, KEYS.shiftTab, KEYS.shiftTab);
  const ann = c.details.get('c_ann')!;
  const alicePresent = [{ agentId: 'ag_alice', name: 'Alice', activity: 'viewing' as const, since: iso(0) }];
  c.details.set('c_ann', { ...ann, viewers: alicePresent, placeInLine: { place: 2, of: 3 } });
  await app.press('j', 'j');
  await app.press(KEYS.enter);
  await app.see('Customer');
  c.push({
    kind: 'viewers',
    conversationId: 'c_ann',
    viewers: alicePresent,
  });
  await app.see('◉ also here: Alice is viewing');
  await app.press(KEYS.enter, ...'Hello Ann, I am looking at your March invoice now.');
  await shot('Conversation, writing a reply', app.frame);
  await app.press(KEYS.ctrlR);
  await shot('Conversation, ctrl+r: canned responses', app.frame);
  await app.press(KEYS.esc, KEYS.esc, '2');
  await app.see('By agent');
  await shot('Dashboard', app.frame);
  await app.press('3');
  await app.see('Agents:');
  await shot('Agents', app.frame);
  await app.press('4');
  await app.see('Supervision:');
  c.push(event({ type: 'sla.breached', conversationId: 'c_wang', data: { target: 'firstResponse' } }));
  await shot('Supervision, with an alert flashing', app.frame);
  await app.press('1', '?');
  await app.see('any key closes this help');
  await shot('Help on the queue board (?)', app.frame);
  await app.press('x', ':', ...'tr');
  await shot('Command line (:)', lastLines(app.frame, 3));
  await app.press(KEYS.esc);
  app.unmount();
  const small = await renderApp(c, { columns: 80, rows: 24 });
  await small.see('Ann Example');
  small.client.setState('reconnecting', 'the server closed the event stream; retrying in 0.3 s');
  await shot('Queue board at 80×24, reconnecting', small.frame);
  small.unmount();
  const last = await renderApp(c, { columns: 100, rows: 30 });
  await last.see('Ann Example');
  await last.press('j', 'j', KEYS.enter);
  await last.see('Customer');
  await last.press('r');
  await last.see('(y/N)');
  await shot('Conversation, a dangerous action asks first', lastLines(last.frame, 3));
  last.unmount();
  const withAnn = c.details.get('c_ann')!;
  c.details.set('c_ann', {
    ...withAnn,
    viewers: [],
    conversation: { ...withAnn.conversation, mode: 'agent', assignee: 'ag_sam' },
    messages: [
      ...withAnn.messages,
      message({
        id: 'm6',
        conversationId: 'c_ann',
        author: 'agent',
        agentId: 'ag_sam',
        direction: 'outbound',
        text: 'Hello Ann, I am looking at your March invoice now.',
        createdAt: iso(-60_000),
      }),
    ],
    undelivered: [
      { messageId: 'm6', status: 'failed', attempts: 41, lastError: '403: Forbidden: bot was blocked by the user' },
    ],
  });
  const failed = await renderApp(c, { columns: 100, rows: 30 });
  await failed.see('Ann Example');
  await failed.press('j', 'j', KEYS.enter);
  await failed.see('✗ not delivered');
  await shot('Conversation, a reply not delivered', failed.frame);
  failed.unmount();
  expect(out).toHaveLength(DOC_FRAMES.length);
  if (process.env.TUI_FRAMES) writeFileSync(process.env.TUI_FRAMES, out.join('\n'));
});
