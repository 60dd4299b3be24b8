import { describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

const DAY = 86_400_000;

describe('reopen after resolution', () => {
  it('a customer writing within the reopen window goes back to the same agent when online, recorded as a reopen', async () => {
    const s = await setup({ reopen: { window: '2d' } });
    const first = await s.say('u1', 'help');
    await s.human.handoff(first, { skill: 'billing', topic: 'invoice' });
    const a = await s.agent('Ann');
    await s.human.claim(first, a);
    await s.human.reply(first, a, 'done');
    await s.human.resolve(first, a);
    s.clock.advance(DAY);
    s.flow.seen.length = 0;
    const second = await s.say('u1', 'it is broken again');
    expect(second).not.toBe(first);
    expect(await s.desk.store.getConversation(second)).toMatchObject({
      mode: 'agent',
      assignee: a,
      reopenOf: first,
      skill: 'billing',
      topic: 'invoice',
    });
    expect((await s.desk.store.getConversation(first))?.reopenedAt).toBe(s.clock.now().toISOString());
    expect(s.flow.seen).toEqual([]);
    const ev = (await s.desk.store.listEvents(0, 200)).find((e) => e.type === 'conversation.reopened');
    expect(ev).toMatchObject({
      conversationId: second,
      data: { previousConversationId: first, to: 'agent', assignee: a },
    });
  });

  it('when that agent is offline, the reopened case goes to the queue', async () => {
    const s = await setup();
    const first = await s.say('u1', 'help');
    await s.human.handoff(first);
    const a = await s.agent('Ann');
    await s.human.claim(first, a);
    await s.human.resolve(first, a);
    await s.human.setPresence(a, 'offline');
    const second = await s.say('u1', 'again');
    expect(await s.desk.store.getConversation(second)).toMatchObject({ mode: 'queued', reopenOf: first });
    expect((await s.human.listConversations()).map((c) => c.id)).toEqual([second]);
  });

  it('past the reopen window, the customer starts a new case with the bot', async () => {
    const s = await setup({ reopen: { window: '1d' } });
    const first = await s.say('u1', 'help');
    await s.human.handoff(first);
    const a = await s.agent('Ann');
    await s.human.claim(first, a);
    await s.human.resolve(first, a);
    s.clock.advance(DAY + 1);
    const second = await s.say('u1', 'new question');
    const c = (await s.desk.store.getConversation(second))!;
    expect(c.mode).toBe('bot');
    expect(c.reopenOf).toBeUndefined();
    expect((await s.desk.store.listEvents(0, 200)).some((e) => e.type === 'conversation.reopened')).toBe(false);
  });

  it('a case the bot resolved alone goes back to the bot, still recorded as a reopen', async () => {
    const s = await setup();
    const first = await s.say('u1', 'opening hours?');
    const sup = await s.agent('Sue', { role: 'supervisor' });
    await s.human.resolve(first, sup);
    const second = await s.say('u1', 'and on Sunday?');
    expect(await s.desk.store.getConversation(second)).toMatchObject({ mode: 'bot', reopenOf: first });
  });
});
