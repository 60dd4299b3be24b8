import { describe, expect, it } from 'vitest';
import { planHandoff } from '../../../core/queue/actions.js';
import { setup } from './helpers.js';

const autoTeam = { routing: { teams: [{ name: 'care', autoAssign: true }] } };

describe('queue and routing', () => {
  it('the queue is ordered by SLA deadline, then priority, and tells each customer their place in line', async () => {
    const s = await setup({
      sla: {
        policies: [
          { name: 'std', firstResponse: '1h', nextResponse: '1h', resolution: '1d', businessHoursOnly: false },
          {
            name: 'vip',
            priority: 'urgent',
            firstResponse: '10m',
            nextResponse: '1h',
            resolution: '1d',
            businessHoursOnly: false,
          },
        ],
      },
    });
    const first = await s.say('u1', 'a');
    await s.human.handoff(first);
    s.clock.advance(60_000);
    const second = await s.say('u2', 'b');
    await s.human.handoff(second, { priority: 'urgent' });
    s.clock.advance(60_000);
    const third = await s.say('u3', 'c');
    await s.human.handoff(third, { priority: 'high' });
    const order = (await s.human.listConversations()).map((c) => c.id);
    // The urgent one is due in 10 minutes; the other two by their 1 h deadline, oldest first.
    expect(order).toEqual([second, first, third]);
    expect(await s.human.placeInLine(third)).toEqual({ place: 3, of: 3 });
    expect(await s.human.placeInLine(second)).toEqual({ place: 1, of: 3 });
  });

  it('the queue filters by channel, skill, language and breached', async () => {
    const s = await setup({
      sla: {
        policies: [{ name: 'p', firstResponse: '5m', nextResponse: '5m', resolution: '1d', businessHoursOnly: false }],
      },
    });
    const tg = await s.say('u1', 'a', 'telegram');
    await s.human.handoff(tg, { skill: 'billing', language: 'it' });
    s.clock.advance(10 * 60_000);
    const bf = await s.say('u2', 'b', 'botframework');
    await s.human.handoff(bf, { language: 'en' });
    const ids = async (f: Parameters<typeof s.human.listConversations>[0]) =>
      (await s.human.listConversations(f)).map((c) => c.id);
    expect(await ids({ channel: 'botframework' })).toEqual([bf]);
    expect(await ids({ skill: 'billing' })).toEqual([tg]);
    expect(await ids({ language: 'en' })).toEqual([bf]);
    expect(await ids({ breached: true })).toEqual([tg]);
    expect(await ids({ breached: false })).toEqual([bf]);
    expect(await ids({ mode: 'bot' })).toEqual([]);
    await expect(s.human.listConversations({ mode: 'nope' as 'bot' })).rejects.toMatchObject({
      code: 'E_INVALID_INPUT',
    });
  });

  it('routing rules from the config set skill and priority when the flow does not', async () => {
    const s = await setup({
      routing: {
        rules: [
          { match: { topic: 'refund' }, set: { skill: 'billing', priority: 'high' } },
          { match: { channel: 'telegram' }, set: { skill: 'general' } },
        ],
      },
    });
    const id = await s.say('u1', 'money back');
    await s.human.handoff(id, { topic: 'refund' });
    expect(await s.desk.store.getConversation(id)).toMatchObject({ skill: 'billing', priority: 'high' });
    const other = await s.say('u2', 'hello');
    await s.human.handoff(other, { skill: 'tech' });
    expect((await s.desk.store.getConversation(other))?.skill).toBe('tech');
  });

  it('auto-assignment gives a queued conversation to an online agent with the skill, language and free capacity, least busy first', async () => {
    const s = await setup(autoTeam);
    const busy = await s.agent('Busy', { skills: ['billing'], languages: ['it'], capacity: 5 });
    const free = await s.agent('Free', { skills: ['billing'], languages: ['it'], capacity: 5 });
    await s.agent('NoSkill', { skills: ['tech'], languages: ['it'] });
    await s.agent('NoItalian', { skills: ['billing'], languages: ['en'] });
    const warm = await s.say('u0', 'x');
    await s.human.handoff(warm, { skill: 'other' });
    await s.human.claim(warm, busy);
    const id = await s.say('u1', 'fattura');
    await s.human.handoff(id, { skill: 'billing', language: 'it' });
    expect(await s.desk.store.getConversation(id)).toMatchObject({ mode: 'agent', assignee: free });
    const ev = (await s.desk.store.listEvents(0, 100)).filter((e) => e.type === 'conversation.assigned').at(-1);
    expect(ev?.data).toMatchObject({ via: 'auto' });
  });

  it('auto-assignment respects capacity and presence, and picks up the queue when an agent comes online', async () => {
    const s = await setup(autoTeam);
    const a = await s.agent('Ann', { capacity: 1 });
    const one = await s.say('u1', 'x');
    await s.human.handoff(one);
    const two = await s.say('u2', 'y');
    await s.human.handoff(two);
    expect((await s.desk.store.getConversation(one))?.assignee).toBe(a);
    expect((await s.desk.store.getConversation(two))?.mode).toBe('queued');
    const { agent: b } = await s.human.createAgent({ name: 'Bob' });
    await s.human.setPresence(b.id, 'away');
    expect((await s.desk.store.getConversation(two))?.mode).toBe('queued');
    await s.human.setPresence(b.id, 'online');
    expect((await s.desk.store.getConversation(two))?.assignee).toBe(b.id);
  });

  it('without auto-assignment nothing is assigned, and a manual claim always works', async () => {
    const s = await setup();
    const a = await s.agent('Ann', { capacity: 1 });
    const one = await s.say('u1', 'x');
    await s.human.handoff(one);
    await s.human.tick();
    expect((await s.desk.store.getConversation(one))?.mode).toBe('queued');
    const two = await s.say('u2', 'y');
    await s.human.handoff(two);
    await s.human.claim(one, a);
    await s.human.claim(two, a);
    expect((await s.human.listAgents())[0]).toMatchObject({ load: 2, freeCapacity: 0 });
  });

  it('a conversation queued past its policy limit is escalated: priority up and a conversation.escalated event, once per limit', async () => {
    const s = await setup({
      sla: {
        policies: [
          {
            name: 'p',
            firstResponse: '1h',
            nextResponse: '1h',
            resolution: '1d',
            escalateAfter: '30m',
            businessHoursOnly: false,
          },
        ],
      },
    });
    const id = await s.say('u1', 'x');
    await s.human.handoff(id);
    s.clock.advance(29 * 60_000);
    expect((await s.human.tick()).escalated).toEqual([]);
    s.clock.advance(2 * 60_000);
    expect((await s.human.tick()).escalated).toEqual([id]);
    expect((await s.human.tick()).escalated).toEqual([]);
    expect((await s.desk.store.getConversation(id))?.priority).toBe('high');
    const ev = (await s.desk.store.listEvents(0, 100)).find((e) => e.type === 'conversation.escalated');
    expect(ev?.data).toMatchObject({ from: 'normal', to: 'high', policy: 'p' });
  });

  it('an agent silent past the next-response target loses the conversation to the queue when configured', async () => {
    const s = await setup({
      reassign: { onSilence: true },
      sla: {
        policies: [
          { name: 'p', firstResponse: '10m', nextResponse: '10m', resolution: '1d', businessHoursOnly: false },
        ],
      },
    });
    const id = await s.say('u1', 'x');
    await s.human.handoff(id);
    const a = await s.agent('Ann');
    await s.human.claim(id, a);
    await s.human.reply(id, a, 'hi');
    await s.say('u1', 'still there?');
    s.clock.advance(9 * 60_000);
    expect((await s.human.tick()).reassigned).toEqual([]);
    s.clock.advance(2 * 60_000);
    expect((await s.human.tick()).reassigned).toEqual([id]);
    expect((await s.desk.store.getConversation(id))?.mode).toBe('queued');
    const ev = (await s.desk.store.listEvents(0, 200)).find((e) => e.type === 'conversation.reassigned');
    expect(ev?.data).toMatchObject({ reason: 'silent', from: a });
  });

  it('a customer who writes while queued is told their place in line', async () => {
    const s = await setup({ customerUpdates: { whileQueued: { text: { en: 'You are number {place} in line.' } } } });
    const other = await s.say('u0', 'first');
    await s.human.handoff(other);
    const id = await s.say('u1', 'hello');
    await s.human.handoff(id);
    await s.say('u1', 'anyone?');
    const out = await s.desk.store.listOutbox({ conversationId: id });
    expect(out.map((o) => o.text)).toEqual(['You are number 2 in line.']);
  });

  it('a case taken back for silence goes to another agent, who gets a full next-response target before being judged', async () => {
    const s = await setup({
      reassign: { onSilence: true },
      routing: { teams: [{ name: 'care', autoAssign: true }] },
      sla: {
        policies: [
          { name: 'p', firstResponse: '10m', nextResponse: '10m', resolution: '1d', businessHoursOnly: false },
        ],
      },
    });
    const a = await s.agent('Ann');
    const id = await s.say('u1', 'x');
    await s.human.handoff(id);
    expect((await s.desk.store.getConversation(id))?.assignee).toBe(a);
    const b = await s.agent('Bob', { capacity: 1 });
    s.clock.advance(11 * 60_000);
    const first = await s.human.tick();
    expect(first.reassigned).toEqual([id]);
    expect(first.assigned).toEqual([{ conversationId: id, agentId: b }]);
    s.clock.advance(5 * 60_000);
    expect((await s.human.tick()).reassigned).toEqual([]);
    expect((await s.desk.store.getConversation(id))?.assignee).toBe(b);
  });

  it('removing an agent puts their conversations back in the queue first', async () => {
    const s = await setup();
    const a = await s.agent('Ann');
    const id = await s.say('u1', 'x');
    await s.human.handoff(id);
    await s.human.claim(id, a);
    await s.human.removeAgent(a);
    expect((await s.desk.store.getConversation(id))?.mode).toBe('queued');
    expect(await s.desk.store.getAgent(a)).toBeUndefined();
  });

  it('a handoff the flow engine commits itself (planHandoff) is auto-assigned too', async () => {
    const s = await setup(autoTeam);
    const a = await s.agent('Ann');
    const id = await s.say('u1', 'x');
    const current = (await s.desk.store.getConversation(id))!;
    const plan = planHandoff(current, { reason: 'flow gave up' }, s.human.config, s.clock.now());
    const committed = await s.desk.store.commit({ conversations: [plan.conversation], events: plan.events });
    s.desk.bus.publish(committed.events);
    await s.desk.idle();
    expect(await s.desk.store.getConversation(id)).toMatchObject({ mode: 'agent', assignee: a });
  });
});
