import { afterEach, describe, expect, it } from 'vitest';
import type { KpiResponse, Kpis } from '../../tui/client.js';
import { alice, bob, sam, withConversation } from './helpers/conversation-fixture.js';
import { FakeClient, iso, row } from './helpers/fake-client.js';
import { KEYS, type RenderedApp, renderApp } from './helpers/render-app.js';

let app: RenderedApp | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
});

function kpis(over: Partial<Kpis> = {}): Kpis {
  return {
    conversations: 120,
    firstResponseMs: { median: 65_000, p90: 300_000, count: 80 },
    averageHandleMs: 720_000,
    slaCompliance: 0.96,
    resolved: 110,
    fullyResolved: 100,
    fullyResolvedRate: 0.9,
    botContainment: 0.7,
    handoffRate: 0.25,
    reopenRate: 0.05,
    csat: { average: 4.5, count: 40, distribution: { '5': 25, '4': 15 } },
    effortAverage: 2,
    ...over,
  };
}

function kpiResponse(by: 'channel' | 'agent', report: Record<string, Kpis>): KpiResponse {
  const volume = Array.from({ length: 12 }, (_, i) => ({
    hour: iso((i - 11) * 3_600_000),
    inbound: i * 3,
    outbound: i * 2,
  }));
  return { since: iso(-7 * 86_400_000), now: iso(0), by, kpis: report, volume };
}

describe('dashboard', () => {
  it('shows KPIs per channel and per agent (SLA compliance, fully resolved, CSAT, effort), and the hourly volume as a sparkline', async () => {
    const c = new FakeClient(sam, [sam, alice, bob]);
    c.kpis_ = {
      channel: kpiResponse('channel', {
        telegram: kpis(),
        botframework: kpis({ conversations: 40, slaCompliance: 0.7 }),
      }),
      agent: kpiResponse('agent', {
        ag_alice: kpis({ conversations: 30 }),
        bot: kpis({ conversations: 90, slaCompliance: null }),
      }),
    };
    app = await renderApp(c);
    await app.press('2');
    const frame = await app.see('By agent');
    expect(frame).toContain('Dashboard · last 7d');
    expect(frame).toMatch(/telegram\s+120\s+1m05\s+12m00\s+96%\s+110\s+90%\s+70%\s+25%\s+4\.5\s+2\.0/);
    expect(frame).toMatch(/botframework\s+40 .* 70%/);
    expect(frame).toMatch(/Alice\s+30/);
    expect(frame).toMatch(/bot only\s+90\s+1m05\s+12m00\s+—/);
    expect(frame).toContain('Messages per hour, last 12 h (peak 33)');
    expect(frame).toMatch(/in {2}▁[▁-█]{10}█ 198/);
    expect(c.callsOf('kpis').map((x) => x.args[0])).toEqual([
      { since: '7d', by: 'channel' },
      { since: '7d', by: 'agent' },
    ]);
  });

  it('fits every KPI column in 80 columns, effort last', async () => {
    const c = new FakeClient(sam, [sam, alice, bob]);
    c.kpis_ = {
      channel: kpiResponse('channel', { botframework: kpis({ effortAverage: 4.25 }) }),
      agent: kpiResponse('agent', { bot: kpis() }),
    };
    app = await renderApp(c, { columns: 80, rows: 24 });
    await app.press('2');
    const frame = await app.see('By agent');
    expect(frame).toMatch(/CASES FRT p50 HANDLE +SLA RESOLVD FULLY +BOT HANDOFF CSAT EFFORT/);
    expect(frame).toMatch(/botframework\s+120 .* 90% .* 4\.5\s+4\.3/);
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('s cycles the period, :since picks one, and an unknown period is refused', async () => {
    const c = new FakeClient(sam);
    c.kpis_ = { channel: kpiResponse('channel', {}), agent: kpiResponse('agent', {}) };
    app = await renderApp(c);
    await app.press('2');
    await app.see('no conversations in this period');
    await app.press('s');
    await app.see('last 30d');
    await app.press(':', ...'since 24h', KEYS.enter);
    await app.see('last 24h');
    await app.press(':', ...'since 1y', KEYS.enter);
    await app.see('Periods: 24h, 7d, 30d.');
    expect(c.callsOf('kpis').map((x) => (x.args[0] as { since: string }).since)).toEqual([
      '7d',
      '7d',
      '30d',
      '30d',
      '24h',
      '24h',
    ]);
  });

  it('a server error is shown, not thrown', async () => {
    const c = new FakeClient(sam);
    app = await renderApp(c);
    await app.press('2');
    await app.see('no kpis [E_NOT_FOUND]');
  });
});

describe('agents', () => {
  it('lists presence and load against capacity; p toggles my own presence, :presence sets it', async () => {
    const c = new FakeClient(sam, [sam, { ...alice, load: 5 }, bob]);
    app = await renderApp(c);
    await app.press('3');
    let frame = await app.see('Agents: 2 online of 3');
    expect(frame).toMatch(/Alice\s+agent\s+online\s+5\/5 █████/);
    expect(frame).toMatch(/Sam \(me\)\s+supervisor\s+online\s+0\/5 ░░░░░/);
    expect(frame).toMatch(/Bob\s+agent\s+away/);
    await app.press('p');
    frame = await app.see('You are away now.');
    expect(frame).toMatch(/Sam\s+away/);
    await app.press(':', ...'presence offline', KEYS.enter);
    await app.see('You are offline now.');
    await app.press(':', ...'presence busy', KEYS.enter);
    await app.see('Presence is online, away or offline.');
    expect(c.callsOf('setPresence').map((x) => x.args[0])).toEqual(['away', 'offline']);
  });
});

describe('supervision', () => {
  function supervised(): FakeClient {
    const c = new FakeClient(sam, [sam, alice, bob]);
    withConversation(c, { id: 'c_ann', mode: 'agent', assignee: 'ag_alice', lastMessageAt: iso(-30_000) });
    c.rows.push(
      row({
        id: 'c_bot',
        mode: 'bot',
        sla: {},
        customer: { id: 'u', displayName: 'Dora' },
        lastMessageAt: iso(-90_000),
      }),
    );
    c.rows.push(row({ id: 'c_q', mode: 'queued', customer: { id: 'u2', displayName: 'Quinn' } }));
    return c;
  }

  it('lists live conversations with who has them and who is watching or typing, queued ones left out', async () => {
    const c = supervised();
    app = await renderApp(c);
    await app.press('4');
    await app.see('Supervision: 1 with agents, 1 with the bot');
    c.push({
      kind: 'viewers',
      conversationId: 'c_ann',
      viewers: [{ agentId: 'ag_bob', name: 'Bob', activity: 'typing', since: iso(0) }],
    });
    const frame = await app.see('Bob✎');
    expect(frame).toMatch(/Alice\s+tg\s+Ann Example\s+Bob✎/);
    expect(frame).toMatch(/bot\s+tg\s+Dora/);
    expect(frame).not.toContain('Quinn');
  });

  it('enter watches silently: the conversation opens and nothing is done to it', async () => {
    const c = supervised();
    app = await renderApp(c);
    await app.press('4');
    await app.see('Supervision: 1 with agents, 1 with the bot');
    await app.press(KEYS.enter);
    await app.see('only you are here (watching changes nothing)');
    for (const m of ['claim', 'takeover', 'transfer', 'release', 'resolve', 'send']) expect(c.callsOf(m)).toEqual([]);
  });

  it('w opens the conversation ready to whisper to its agent; B barges in', async () => {
    const c = supervised();
    app = await renderApp(c);
    await app.press('4');
    await app.see('Supervision: 1 with agents, 1 with the bot');
    await app.press('w');
    await app.see('whisper › @Alice');
    await app.press(KEYS.esc, KEYS.esc);
    await app.see('Supervision: 1 with agents, 1 with the bot');
    await app.press('B');
    await app.see('Barged in on c_ann');
    expect(c.callsOf('transfer').map((x) => x.args)).toEqual([['c_ann', { agent: 'ag_sam' }]]);
    await app.press('4', 'j', 'w');
    await app.see('Only a conversation with an agent can be whispered into.');
  });
});
