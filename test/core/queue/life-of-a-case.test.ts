import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { computeKpis } from '../../../core/kpi/index.js';
import type { DeskConfigInput } from '../../../core/queue/config.js';
import { EmbeddedStore } from '../../../core/store/embedded/embedded-store.js';
import { setup } from './helpers.js';

const config: DeskConfigInput = {
  sla: {
    policies: [{ name: 'p', firstResponse: '15m', nextResponse: '10m', resolution: '1d', businessHoursOnly: false }],
  },
  routing: { rules: [{ match: { topic: 'billing' }, set: { skill: 'billing' } }] },
};

describe('the life of a case, across a restart', () => {
  it('queued → restart → claimed → answered → handed back → resolved by a supervisor → surveyed, and every figure shows in the KPIs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'caredesk-case-'));
    const clock = new ManualClock();
    const since = clock.now();
    try {
      const before = await setup(config, new EmbeddedStore(dir, { fsync: false }), clock);
      const ann = await before.agent('Ann', { skills: ['billing'] });
      const id = await before.say('u1', 'I was charged twice');
      await before.human.handoff(id, { reason: 'asked for a human', topic: 'billing' });
      expect(await before.human.placeInLine(id)).toEqual({ place: 1, of: 1 });
      await before.desk.store.close();

      clock.advance(5 * 60_000);
      const s = await setup(config, new EmbeddedStore(dir, { fsync: false }), clock);
      const [queued] = await s.human.listConversations({ skill: 'billing' });
      expect(queued).toMatchObject({ id, mode: 'queued', handoffReason: 'asked for a human', topic: 'billing' });
      await s.human.claim(id, ann);
      await s.human.reply(id, ann, 'Sorry! Refunding the second charge now.');
      await s.human.note(id, ann, 'refund #123');
      await s.human.release(id, ann);
      expect(s.flow.calls).toEqual([`handBack:${id}:${ann}`]);
      // Back with the bot, the case is closed by a supervisor (or by the flow itself).
      const sue = await s.agent('Sue', { role: 'supervisor' });
      await s.human.resolve(id, sue);
      expect(s.flow.calls).toEqual([`handBack:${id}:${ann}`, `resolved:${id}`]);
      await s.desk.store.commit({
        events: [
          {
            type: 'survey.answered',
            at: clock.now().toISOString(),
            conversationId: id,
            data: { question: 'csat', score: 5 },
          },
        ],
      });

      const k = (await computeKpis(s.desk.store, { since, now: clock.now(), by: 'agent' }))[ann]!;
      expect(k).toMatchObject({
        conversations: 1,
        firstResponseMs: { median: 5 * 60_000, p90: 5 * 60_000, count: 1 },
        slaCompliance: 1,
        resolved: 1,
        fullyResolved: 1,
        handoffRate: 1,
        botContainment: 0,
        csat: { average: 5, count: 1, distribution: { '5': 1 } },
      });
      const transcript = await s.desk.store.listMessages(id);
      expect(transcript.map((m) => `${m.author}${m.internal ? ' (note)' : ''}: ${m.text}`)).toEqual([
        'customer: I was charged twice',
        'agent: Sorry! Refunding the second charge now.',
        'agent (note): refund #123',
      ]);
      const audit = (await s.desk.store.listEvents(0, 500)).filter((e) => e.agentId === ann).map((e) => e.type);
      expect(audit).toEqual(
        expect.arrayContaining(['conversation.assigned', 'message.sent', 'note.added', 'conversation.released']),
      );
      await s.desk.store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
