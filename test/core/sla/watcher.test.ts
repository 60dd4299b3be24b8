import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import type { DeskConfigInput } from '../../../core/queue/config.js';
import { EmbeddedStore } from '../../../core/store/embedded/embedded-store.js';
import { setup } from '../queue/helpers.js';

const config: DeskConfigInput = {
  sla: {
    policies: [
      { name: 'std', firstResponse: '10m', nextResponse: '5m', resolution: '1h', businessHoursOnly: false },
      {
        name: 'tg-urgent',
        channel: 'telegram',
        priority: 'urgent',
        firstResponse: '2m',
        nextResponse: '1m',
        resolution: '30m',
        businessHoursOnly: false,
      },
    ],
    replyWindows: { botframework: '24h' },
    replyWindowWarnBefore: '2h',
  },
};

const alerts = (events: { type: string; data: Record<string, unknown> }[]) =>
  events.filter((e) => e.type.startsWith('sla.')).map((e) => `${e.type}:${String(e.data.target)}`);

describe('SLA watcher', () => {
  it('raises sla.warning at 80% of the first-response target and sla.breached past it, each once', async () => {
    const s = await setup(config);
    const id = await s.say('u1', 'help');
    await s.human.handoff(id);
    s.clock.advance(7 * 60_000);
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual([]);
    s.clock.advance(60_000);
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual(['sla.warning:firstResponse']);
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual([]);
    s.clock.advance(2 * 60_000);
    const breached = await s.human.sla.tick(s.clock.now());
    expect(alerts(breached)).toEqual(['sla.breached:firstResponse']);
    expect(breached[0]).toMatchObject({ conversationId: id, data: { channel: 'telegram', priority: 'normal' } });
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual([]);
  });

  it('picks the policy for the channel and priority', async () => {
    const s = await setup(config);
    const id = await s.say('u1', 'help');
    await s.human.handoff(id, { priority: 'urgent' });
    s.clock.advance(2 * 60_000);
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual(['sla.breached:firstResponse']);
  });

  it('an agent’s answer stops the clock; a customer’s next message starts the next-response clock', async () => {
    const s = await setup(config);
    const id = await s.say('u1', 'help');
    await s.human.handoff(id);
    const a = await s.agent('Ann');
    await s.human.claim(id, a);
    s.clock.advance(60_000);
    await s.human.reply(id, a, 'hello');
    s.clock.advance(20 * 60_000);
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual([]);
    await s.say('u1', 'one more question');
    s.clock.advance(4 * 60_000);
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual(['sla.warning:nextResponse']);
    s.clock.advance(60_000);
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual(['sla.breached:nextResponse']);
    await s.human.resolve(id, a);
    s.clock.advance(3_600_000);
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual([]);
  });

  it('warns before a channel’s reply window closes (Messenger’s 24 hours through Bot Framework)', async () => {
    const s = await setup({
      ...config,
      sla: {
        ...config.sla,
        policies: [
          { name: 'slow', firstResponse: '3d', nextResponse: '3d', resolution: '7d', businessHoursOnly: false },
        ],
      },
    });
    const id = await s.say('u1', 'help', 'botframework');
    await s.human.handoff(id);
    await s.say('u1', 'hello?', 'botframework');
    s.clock.advance(21 * 3_600_000);
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual([]);
    s.clock.advance(3_600_000);
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual(['sla.warning:replyWindow']);
    s.clock.advance(2 * 3_600_000);
    expect(alerts(await s.human.sla.tick(s.clock.now()))).toEqual(['sla.breached:replyWindow']);
  });

  it('timers survive a restart: alerts that fell due while caredesk was down are raised once after it starts again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'caredesk-sla-'));
    try {
      const clock = new ManualClock();
      const first = await setup(config, new EmbeddedStore(dir, { fsync: false }), clock);
      const queued = await first.say('u1', 'help');
      await first.human.handoff(queued);
      const owned = await first.say('u2', 'help too');
      await first.human.handoff(owned);
      const a = await first.agent('Ann');
      await first.human.claim(owned, a);
      clock.advance(9 * 60_000);
      expect(alerts(await first.human.sla.tick(clock.now()))).toEqual([
        'sla.warning:firstResponse',
        'sla.warning:firstResponse',
      ]);
      await first.desk.store.close();

      clock.advance(2 * 60_000);
      const second = await setup(config, new EmbeddedStore(dir, { fsync: false }), clock);
      expect(await second.desk.store.getConversation(owned)).toMatchObject({ mode: 'agent', assignee: a });
      expect((await second.human.listConversations()).map((c) => c.id)).toEqual([queued]);
      expect(await second.human.sla.nextDueAt()).toEqual(new Date(clock.now().getTime() - 60_000));
      const raised = await second.human.sla.tick(clock.now());
      expect(alerts(raised)).toEqual(['sla.breached:firstResponse', 'sla.breached:firstResponse']);
      expect(new Set(raised.map((e) => e.conversationId))).toEqual(new Set([queued, owned]));
      expect(alerts(await second.human.sla.tick(clock.now()))).toEqual([]);
      await second.desk.store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('once started, the clockwork raises a breach that falls due without anyone calling it', async () => {
    const s = await setup(config);
    const id = await s.say('u1', 'help');
    await s.human.handoff(id);
    s.clock.advance(11 * 60_000);
    const seen: string[] = [];
    s.desk.bus.subscribe((e) => seen.push(`${e.type}:${e.conversationId}`), 'sla.breached');
    s.human.start({ maxDelayMs: 20 });
    try {
      await vi.waitFor(() => expect(seen).toEqual([`sla.breached:${id}`]), { timeout: 5000, interval: 10 });
    } finally {
      s.human.stop();
      await s.desk.idle();
    }
  });
});
