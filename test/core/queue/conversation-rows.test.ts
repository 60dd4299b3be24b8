import { describe, expect, it } from 'vitest';
import { conversationDetail, listConversationRows, placesInLine } from '../../../core/queue/conversation-rows.js';
import { setup } from './helpers.js';

const MIN = 60_000;
const config = {
  sla: {
    policies: [{ name: 'p', firstResponse: '15m', nextResponse: '10m', resolution: '1d', businessHoursOnly: false }],
  },
};

describe('conversation rows and detail', () => {
  it('rows carry the customer, the SLA deadline that orders them, breach and place in line', async () => {
    const s = await setup(config);
    await s.desk.receive({
      channel: 'telegram',
      externalUserId: 'ada',
      channelMessageId: 'a1',
      text: 'My router blinks red',
      displayName: 'Ada Lovelace',
      language: 'en',
    });
    await s.desk.idle();
    const ada = (await s.desk.store.listConversations())[0]!.id;
    await s.human.handoff(ada, { topic: 'internet' });
    s.clock.advance(20 * MIN);
    const bob = await s.say('bob', 'refund please');
    await s.human.handoff(bob, { topic: 'billing', skill: 'billing' });
    const carl = await s.say('carl', 'also a refund');
    s.clock.advance(MIN);
    await s.human.handoff(carl, { topic: 'billing', skill: 'billing' });

    const rows = await listConversationRows(s.desk.store, {}, s.clock.now());
    expect(rows.map((r) => r.id)).toEqual([ada, bob, carl]);
    expect(rows[0]).toMatchObject({
      customer: { displayName: 'Ada Lovelace', language: 'en' },
      breached: true,
      placeInLine: { place: 1, of: 1 },
      slaDueAt: '2026-01-05T09:15:00.000Z',
    });
    expect(rows[1]).toMatchObject({ breached: false, placeInLine: { place: 1, of: 2 } });
    expect(rows[2]!.placeInLine).toEqual({ place: 2, of: 2 });
    expect((await placesInLine(s.desk.store)).get(carl)).toEqual({ place: 2, of: 2 });
  });

  it('the text search looks in the customer name, the preview and the topic, and the limit counts matches', async () => {
    const s = await setup(config);
    await s.desk.receive({
      channel: 'telegram',
      externalUserId: 'ada',
      channelMessageId: 'a1',
      text: 'hello',
      displayName: 'Ada',
    });
    await s.desk.idle();
    const bob = await s.say('bob', 'my ROUTER is dead');
    const carl = await s.say('carl', 'hi');
    for (const c of await s.desk.store.listConversations())
      await s.human.handoff(c.id, { topic: c.id === carl ? 'router' : 'other' });
    const find = async (q: string, limit?: number) =>
      (
        await listConversationRows(
          s.desk.store,
          { mode: ['bot', 'queued', 'agent', 'resolved'], q, limit },
          s.clock.now(),
        )
      )
        .map((r) => r.id)
        .sort();
    expect(await find('router')).toEqual([bob, carl].sort());
    expect(await find('ada')).toHaveLength(1);
    expect(await find('router', 1)).toHaveLength(1);
    expect(await find('nobody')).toEqual([]);
    await expect(listConversationRows(s.desk.store, { q: 'x'.repeat(300) }, s.clock.now())).rejects.toMatchObject({
      code: 'E_INVALID_INPUT',
    });
  });

  it('the detail has the customer with every identity, the transcript with notes in order, and the other cases newest first', async () => {
    const s = await setup({ ...config, reopen: { window: '1m' } });
    const sue = await s.agent('Sue', { role: 'supervisor' });
    const first = await s.say('ada', 'first problem');
    await s.human.resolve(first, sue);
    s.clock.advance(60 * MIN);
    const second = await s.say('ada', 'second problem');
    await s.human.resolve(second, sue);
    s.clock.advance(60 * MIN);
    const third = await s.say('ada', 'third problem');
    await s.human.handoff(third);
    await s.human.claim(third, sue);
    await s.human.reply(third, sue, 'On it');
    await s.human.note(third, sue, 'VIP');

    const d = await conversationDetail(s.desk.store, third);
    expect(d.conversation.id).toBe(third);
    expect(d.customer.identities).toEqual([expect.objectContaining({ channel: 'telegram', externalId: 'ada' })]);
    expect(d.messages.map((m) => `${m.author}${m.internal ? ' (note)' : ''}: ${m.text}`)).toEqual([
      'customer: third problem',
      'agent: On it',
      'agent (note): VIP',
    ]);
    expect(d.history.map((c) => c.id)).toEqual([second, first]);
    expect(d.placeInLine).toBeUndefined();
    await s.human.transfer(third, sue, { skill: 'billing' });
    expect((await conversationDetail(s.desk.store, third)).placeInLine).toEqual({ place: 1, of: 1 });
    await expect(conversationDetail(s.desk.store, 'cnv_nope')).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});
