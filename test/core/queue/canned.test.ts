import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { EventBus } from '../../../core/event-bus.js';
import { createCanned, getCanned, listCanned, removeCanned, updateCanned } from '../../../core/queue/canned.js';
import { MemoryStore } from '../../../core/store/memory-store.js';

describe('canned responses', () => {
  it('a team saves, lists, edits and removes canned replies, each change audited', async () => {
    const store = new MemoryStore();
    await store.open();
    const deps = { store, bus: new EventBus(), clock: new ManualClock() };
    const refund = await createCanned(
      deps,
      { title: 'Refund', text: 'Your refund is on its way.', skills: ['billing'] },
      'agt_a',
    );
    await createCanned(deps, { title: 'Greeting', text: 'Hello!' }, 'agt_a');
    expect((await listCanned(store)).map((c) => c.title)).toEqual(['Greeting', 'Refund']);
    await updateCanned(deps, refund.id, { text: 'Refunds take 3 days.' }, 'agt_b');
    expect((await getCanned(store, refund.id)).text).toBe('Refunds take 3 days.');
    await removeCanned(deps, refund.id, 'agt_b');
    expect((await listCanned(store)).map((c) => c.title)).toEqual(['Greeting']);
    await expect(getCanned(store, refund.id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(createCanned(deps, { title: ' ', text: '' }, 'agt_a')).rejects.toMatchObject({
      code: 'E_INVALID_INPUT',
    });
    const events = await store.listEvents(0, 10);
    expect(events.map((e) => `${e.type}:${e.agentId}`)).toEqual([
      'canned.created:agt_a',
      'canned.created:agt_a',
      'canned.updated:agt_b',
      'canned.removed:agt_b',
    ]);
  });
});
