import { afterEach, describe, expect, it } from 'vitest';
import { type DomainEvent, MemoryStore, systemClock } from '../../../core/index.js';
import { until } from '../../bots/telegram/helpers.js';
import { careDesk } from '../care-desk.js';

const stops: Array<() => void> = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

describe('deadlines fire on time', () => {
  it('a 2 s first-response target warns at 80 % and breaches at 2 s, and a 3 s escalation escalates, each within a second, for a case queued after the clockwork started', async () => {
    const store = new MemoryStore();
    await store.open();
    const { desk, human } = await careDesk(store, systemClock, {
      sla: {
        policies: [
          {
            name: 'fast',
            firstResponse: '2s',
            nextResponse: '1h',
            resolution: '1d',
            escalateAfter: '3s',
            businessHoursOnly: false,
          },
        ],
      },
    });
    // Started on an empty queue: nothing is due, so nothing is armed but the periodic round (30 s).
    human.start();
    stops.push(() => human.stop());
    const seen: Array<{ type: string; after: number }> = [];
    let queuedAt = 0;
    desk.bus.subscribe((e: DomainEvent) => {
      if (['sla.warning', 'sla.breached', 'conversation.escalated'].includes(e.type)) {
        seen.push({
          type: `${e.type}${e.data.target ? `:${String(e.data.target)}` : ''}`,
          after: Date.now() - queuedAt,
        });
      }
    });
    const r = await desk.receive({ channel: 'telegram', externalUserId: 'u1', channelMessageId: 'm1', text: 'hi' });
    if (r.status !== 'stored') throw new Error('not stored');
    queuedAt = Date.now();
    await human.handoff(r.conversation.id, { reason: 'test' });
    await until(() => (seen.some((s) => s.type === 'conversation.escalated') ? true : undefined), 8_000);
    const at = (type: string) => seen.find((s) => s.type === type)?.after;
    expect(at('sla.warning:firstResponse'), JSON.stringify(seen)).toBeGreaterThanOrEqual(1_500);
    // Within about a second of each deadline (the periodic round alone would be 30 s), in order.
    expect(at('sla.warning:firstResponse'), JSON.stringify(seen)).toBeLessThan(2_000 + 1_000);
    expect(at('sla.breached:firstResponse'), JSON.stringify(seen)).toBeGreaterThanOrEqual(2_000);
    expect(at('sla.breached:firstResponse'), JSON.stringify(seen)).toBeLessThan(2_000 + 1_500);
    expect(at('conversation.escalated'), JSON.stringify(seen)).toBeLessThan(3_000 + 1_500);
  }, 15_000);
});
