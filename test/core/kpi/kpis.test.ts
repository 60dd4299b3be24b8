import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { allEvents, computeKpis, detectVolumeSpikes, findSpikes } from '../../../core/kpi/index.js';
import { parseDeskConfig } from '../../../core/queue/config.js';
import { HumanDesk } from '../../../core/queue/human-desk.js';
import { MemoryStore } from '../../../core/store/memory-store.js';
import { setup } from '../queue/helpers.js';

const MIN = 60_000;
const DAY = 86_400_000;

async function survey(s: Awaited<ReturnType<typeof setup>>, conversationId: string, question: string, score: number) {
  await s.desk.store.commit({
    events: [{ type: 'survey.answered', at: s.clock.now().toISOString(), conversationId, data: { question, score } }],
  });
}

describe('KPIs', () => {
  it('first response median and p90, handle time, CSAT and effort, per agent', async () => {
    const s = await setup();
    const since = s.clock.now();
    const ann = await s.agent('Ann');
    const bob = await s.agent('Bob');
    const waits = [1, 2, 3, 4, 10];
    const ids: string[] = [];
    for (const [i, w] of waits.entries()) {
      const id = await s.say(`u${i}`, 'help');
      await s.human.handoff(id);
      const agent = i < 4 ? ann : bob;
      await s.human.claim(id, agent);
      s.clock.advance(w * MIN);
      await s.human.reply(id, agent, 'hi');
      s.clock.advance(5 * MIN);
      await s.human.resolve(id, agent);
      ids.push(id);
    }
    await survey(s, ids[0]!, 'csat', 5);
    await survey(s, ids[1]!, 'csat', 4);
    await survey(s, ids[4]!, 'csat', 1);
    await survey(s, ids[0]!, 'effort', 2);
    const all = (await computeKpis(s.desk.store, { since, now: s.clock.now() })).all!;
    expect(all.conversations).toBe(5);
    expect(all.firstResponseMs).toEqual({ median: 3 * MIN, p90: 10 * MIN, count: 5 });
    expect(all.averageHandleMs).toBe(((1 + 2 + 3 + 4 + 10) / 5 + 5) * MIN);
    expect(all.csat).toEqual({ average: 10 / 3, count: 3, distribution: { '1': 1, '4': 1, '5': 1 } });
    expect(all.effortAverage).toBe(2);
    expect(all.handoffRate).toBe(1);
    const byAgent = await computeKpis(s.desk.store, { since, now: s.clock.now(), by: 'agent' });
    expect(Object.keys(byAgent).sort()).toEqual([ann, bob].sort());
    expect(byAgent[ann]!.firstResponseMs.median).toBe(2 * MIN);
    expect(byAgent[bob]!.csat.average).toBe(1);
  });

  it('fully resolved excludes reopened cases and customers who came back on any channel within 7 days; bot containment counts the rest the bot closed alone', async () => {
    const s = await setup({ reopen: { window: '1h' } });
    const since = s.clock.now();
    const sup = await s.agent('Sue', { role: 'supervisor' });
    // Bot alone, customer never comes back: contained and fully resolved.
    const contained = await s.say('c1', 'hours?');
    await s.human.resolve(contained, sup);
    // Bot alone, but the customer comes back after 3 days: not fully resolved.
    const back = await s.say('c2', 'hours?');
    await s.human.resolve(back, sup);
    // Human, reopened within the window.
    const reopened = await s.say('c3', 'refund');
    await s.human.handoff(reopened);
    await s.human.claim(reopened, sup);
    await s.human.resolve(reopened, sup);
    s.clock.advance(30 * MIN);
    await s.say('c3', 'still no refund');
    s.clock.advance(3 * DAY);
    await s.say('c2', 'and tomorrow?');
    const k = (await computeKpis(s.desk.store, { since, now: s.clock.now() })).all!;
    expect(k.conversations).toBe(5);
    expect(k.resolved).toBe(3);
    expect(k.fullyResolved).toBe(1);
    expect(k.reopenRate).toBe(1 / 3);
    expect(k.botContainment).toBe(1 / 5);
    // The reopened case and its continuation were both human-handled.
    expect(k.handoffRate).toBe(2 / 5);
  });

  it('SLA compliance counts the human-handled cases without a breach, per channel', async () => {
    const s = await setup({
      sla: {
        policies: [
          { name: 'p', firstResponse: '10m', nextResponse: '10m', resolution: '1d', businessHoursOnly: false },
        ],
      },
    });
    const since = s.clock.now();
    const late = await s.say('u1', 'a', 'telegram');
    await s.human.handoff(late);
    const fine = await s.say('u2', 'b', 'botframework');
    await s.human.handoff(fine);
    const a = await s.agent('Ann');
    await s.human.claim(fine, a);
    await s.human.reply(fine, a, 'hi');
    s.clock.advance(11 * MIN);
    await s.human.tick();
    const byChannel = await computeKpis(s.desk.store, { since, now: s.clock.now(), by: 'channel' });
    expect(byChannel.telegram?.slaCompliance).toBe(0);
    expect(byChannel.botframework?.slaCompliance).toBe(1);
    const later = await computeKpis(s.desk.store, { since: s.clock.now(), now: s.clock.now() });
    expect(later).toEqual({});
  });
});

describe('reading events by time', () => {
  it('returns exactly the events at or after the window start, however long the history', async () => {
    const s = await setup();
    for (let i = 0; i < 37; i++) {
      await s.desk.store.commit({ events: [{ type: 'test.ticked', at: s.clock.now().toISOString(), data: { i } }] });
      s.clock.advance(MIN);
    }
    const from = new Date(new Date('2026-01-05T09:00:00Z').getTime() + 20 * MIN);
    const events = await allEvents(s.desk.store, from);
    expect(events.map((e) => e.data.i)).toEqual(Array.from({ length: 17 }, (_, k) => k + 20));
    expect(await allEvents(s.desk.store, s.clock.now())).toEqual([]);
    expect((await allEvents(s.desk.store)).length).toBe(37);
  });
});

describe('volume spikes', () => {
  it('a sudden rise in new conversations against the recent baseline raises volume.spike once, overall and per channel', async () => {
    const s = await setup();
    const cfg = parseDeskConfig({ spike: { window: '1h', baselineWindows: 3, factor: 3, minVolume: 5 } }).spike;
    s.clock.set('2026-01-05T06:00:00Z');
    let u = 0;
    for (let h = 0; h < 3; h++) {
      await s.say(`u${u++}`, 'normal day', 'botframework');
      s.clock.advance(60 * MIN);
    }
    expect(await findSpikes(s.desk.store, s.clock.now(), cfg)).toEqual([]);
    for (let i = 0; i < 6; i++) await s.say(`u${u++}`, 'the app is down!', 'telegram');
    const raised = await detectVolumeSpikes(s.desk, cfg);
    expect(raised.map((e) => `${e.data.scope}:${e.data.value ?? ''}`)).toEqual(['all:', 'channel:telegram']);
    expect(raised[0]?.data).toMatchObject({ current: 6, baseline: 1 });
    expect(await detectVolumeSpikes(s.desk, cfg)).toEqual([]);
  });

  it('a rise on one topic tag raises a spike for that topic', async () => {
    const s = await setup();
    const cfg = parseDeskConfig({ spike: { window: '1h', baselineWindows: 3, factor: 3, minVolume: 5 } }).spike;
    s.clock.set('2026-01-05T06:00:00Z');
    s.clock.advance(3 * 60 * MIN);
    for (let i = 0; i < 6; i++) {
      const id = await s.say(`t${i}`, 'no signal at all', i % 2 ? 'telegram' : 'botframework');
      await s.human.handoff(id, { reason: 'outage', topic: 'network' });
    }
    const keys = (await findSpikes(s.desk.store, s.clock.now(), cfg)).map((x) => x.key);
    expect(keys).toContain('topic:network');
    expect(keys).not.toContain('channel:telegram');
  });

  it('a quiet desk never spikes below the volume floor', async () => {
    const s = await setup();
    const cfg = parseDeskConfig({ spike: { minVolume: 10 } }).spike;
    for (let i = 0; i < 4; i++) await s.say(`u${i}`, 'hi');
    expect(await findSpikes(s.desk.store, s.clock.now(), cfg)).toEqual([]);
  });

  it('the clockwork follows new conversations live, reads no history per round, and picks up after a restart', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock('2026-01-05T06:00:00Z');
    const config = { spike: { window: '1h', baselineWindows: 3, factor: 3, minVolume: 5 } };
    const s = await setup(config, store, clock);
    const spikesOf = async (human: HumanDesk) =>
      (await human.tick()).spikes.map((e) => `${e.data.scope}:${e.data.value ?? ''}`);
    let u = 0;
    for (let h = 0; h < 3; h++) {
      await s.say(`u${u++}`, 'normal day', 'botframework');
      expect(await spikesOf(s.human)).toEqual([]);
      clock.advance(60 * MIN);
    }
    const reads = { count: 0 };
    const listEvents = store.listEvents.bind(store);
    store.listEvents = (after, limit) => {
      reads.count++;
      return listEvents(after, limit);
    };
    for (let i = 0; i < 6; i++) await s.say(`u${u++}`, 'the app is down!', 'telegram');
    expect(await spikesOf(s.human)).toEqual(['all:', 'channel:telegram']);
    expect(reads.count).toBe(0);
    expect(await spikesOf(s.human)).toEqual([]);

    // A restart: a new clockwork over the same store counts on from the saved counts and the events since.
    s.human.stop();
    for (let i = 0; i < 5; i++) await s.say(`u${u++}`, 'still down', 'botframework');
    const again = new HumanDesk(s.desk, { config });
    expect(await spikesOf(again)).toEqual(['channel:botframework']);
    clock.advance(60 * MIN);
    for (let i = 0; i < 5; i++) await s.say(`u${u++}`, 'next hour', 'telegram');
    // The baseline is now 1, 1 and 11 new conversations an hour (6 and 0, 0, 6 on telegram): 5 is no spike.
    expect(await spikesOf(again)).toEqual([]);
    again.stop();
  });
});
