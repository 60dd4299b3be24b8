import { describe, expect, it } from 'vitest';
import { ManualClock, MemoryStore } from '../../../core/index.js';
import { careDesk } from '../care-desk.js';

describe('a handoff made by a flow', () => {
  it('queues the conversation with the SLA clocks running and the routing rules applied, like a desk handoff', async () => {
    const store = new MemoryStore();
    await store.open();
    const clock = new ManualClock('2026-01-05T10:00:00Z');
    const { desk, engine, human } = await careDesk(store, clock, {
      sla: {
        policies: [{ name: 'p', firstResponse: '30m', nextResponse: '1h', resolution: '1d', businessHoursOnly: false }],
      },
      routing: { rules: [{ match: { topic: 'general' }, set: { skill: 'front', priority: 'high' } }] },
    });
    await desk.receive({ channel: 'telegram', externalUserId: 'u1', channelMessageId: 'm1', text: 'I want a human' });
    await desk.idle();

    const [c] = await store.listConversations();
    expect(c).toMatchObject({
      mode: 'queued',
      skill: 'front',
      priority: 'high',
      handoffReason: 'customer asked for a person',
      sla: {
        queuedAt: '2026-01-05T10:00:00.000Z',
        firstResponseDueAt: '2026-01-05T10:30:00.000Z',
        resolutionDueAt: '2026-01-06T10:00:00.000Z',
      },
    });
    const handoffs = (await store.listEvents(0, 100)).filter((e) => e.type === 'handoff.requested');
    expect(handoffs).toHaveLength(1);
    expect(handoffs[0]?.data).toMatchObject({ channel: 'telegram', skill: 'front', priority: 'high' });
    expect(await human.listConversations({ breached: false })).toHaveLength(1);
    clock.advance(31 * 60_000);
    expect((await human.tick()).alerts.map((a) => `${a.type}:${a.data.target}`)).toContain(
      'sla.breached:firstResponse',
    );
    await engine.stop();
  });
});
