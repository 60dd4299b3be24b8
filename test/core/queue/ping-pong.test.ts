import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../core/index.js';
import type { DeskConfigInput } from '../../../core/queue/config.js';
import { setup } from './helpers.js';

const MIN = 60_000;

/** Ann is the only agent who fits; she goes silent each time the case is hers. */
const config: DeskConfigInput = {
  reassign: { onSilence: true, silentCooldown: '10m', escalateAfterSilent: 2 },
  routing: { teams: [{ name: 'care', autoAssign: true }] },
  sla: {
    policies: [
      {
        name: 'p',
        firstResponse: '10m',
        nextResponse: '10m',
        resolution: '1d',
        escalateAfter: '4h',
        businessHoursOnly: false,
      },
    ],
  },
};

describe('a silent agent and the case she is the only fit for', () => {
  it('does not get it straight back; after two silences it is escalated to the supervisors and the customer told in Italian', async () => {
    const store = new MemoryStore();
    const s = await setup(config, store);
    const ann = await s.agent('Ann', { languages: ['it'] });
    const id = await s.say('giulia', 'ciao');
    await s.human.handoff(id, { language: 'it' });
    expect((await store.getConversation(id))?.assignee).toBe(ann);

    s.clock.advance(11 * MIN);
    const first = await s.human.tick();
    expect(first.reassigned).toEqual([id]);
    // Not back to Ann in the same round (before: assigned to her again at once, round after round).
    expect(first.assigned).toEqual([]);
    expect(await store.getConversation(id)).toMatchObject({ mode: 'queued', assignee: undefined });
    expect((await store.getConversation(id))?.sla.silentAgents).toEqual([
      { agentId: ann, at: s.clock.now().toISOString() },
    ]);
    const told = async () => (await store.listOutbox({ conversationId: id })).map((o) => o.text);
    expect((await told()).at(-1)).toMatch(/^Ti stiamo passando a un’altra persona/);
    // The clockwork wakes up when her cooldown ends, not only at its next periodic round.
    expect((await s.human.nextDueAt())?.getTime()).toBeLessThanOrEqual(s.clock.now().getTime() + 10 * MIN);

    // A restart in between: the silence is on the conversation, so the new desk does not hand it back either.
    s.human.stop();
    const again = await setup(config, store, s.clock);
    again.clock.advance(5 * MIN);
    expect((await again.human.tick()).assigned).toEqual([]);
    expect((await store.getConversation(id))?.mode).toBe('queued');

    // Her cooldown over, she is still the only one who fits: she gets another chance.
    again.clock.advance(5 * MIN);
    expect((await again.human.tick()).assigned).toEqual([{ conversationId: id, agentId: ann }]);
    expect(await store.listEvents(0, 500)).not.toContainEqual(
      expect.objectContaining({ type: 'conversation.escalated' }),
    );

    again.clock.advance(11 * MIN);
    const second = await again.human.tick();
    expect(second.reassigned).toEqual([id]);
    const escalated = (await store.listEvents(0, 500)).filter((e) => e.type === 'conversation.escalated');
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toMatchObject({
      conversationId: id,
      data: { reason: 'silent', silentReassignments: 2, silentAgents: [ann], from: 'normal', to: 'high' },
    });
    expect(await store.getConversation(id)).toMatchObject({ mode: 'queued', priority: 'high' });
    // Told once, that a supervisor has it: not also "another person", which would not be true.
    const texts = await told();
    expect(texts.at(-1)).toMatch(
      /^Ci dispiace che tu stia ancora aspettando una risposta\. Abbiamo passato la tua pratica a un supervisore/,
    );
    expect(texts.filter((t) => t.startsWith('Ti stiamo passando'))).toHaveLength(1);

    // The supervisors have it now: auto-assignment does not give it back to Ann, however long it waits…
    again.clock.advance(60 * MIN);
    expect((await again.human.tick()).assigned).toEqual([]);
    // …but another agent who fits gets it.
    const bob = await again.agent('Bob', { languages: ['it'] });
    expect(await store.getConversation(id)).toMatchObject({ mode: 'agent', assignee: bob });
  });

  it('tells an English customer in English, and the number of silences is a setting', async () => {
    const s = await setup({ ...config, reassign: { onSilence: true, silentCooldown: '1m', escalateAfterSilent: 1 } });
    const ann = await s.agent('Ann');
    const id = await s.say('ann-customer', 'hello');
    await s.human.handoff(id, { language: 'en' });
    expect((await s.desk.store.getConversation(id))?.assignee).toBe(ann);
    s.clock.advance(11 * MIN);
    await s.human.tick();
    const events = await s.desk.store.listEvents(0, 500);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'conversation.escalated', data: expect.objectContaining({ reason: 'silent' }) }),
    );
    const texts = (await s.desk.store.listOutbox({ conversationId: id })).map((o) => o.text);
    expect(texts.at(-1)).toMatch(
      /^We are sorry you are still waiting for an answer\. We have passed your case to a supervisor/,
    );
  });
});
