import { afterEach, describe, expect, it } from 'vitest';
import {
  computeKpis,
  type Desk,
  type FlowEngine,
  type HumanDesk,
  InvalidStateError,
  ManualClock,
  MemoryStore,
} from '../../../core/index.js';
import { CLOSE_AFTER_MS } from '../../../flows/care/flow.js';
import { careDesk } from '../care-desk.js';

const HOUR = 3_600_000;

interface World {
  readonly desk: Desk;
  readonly human: HumanDesk;
  readonly engine: FlowEngine;
  readonly clock: ManualClock;
  /** The customer writes on Telegram; returns the id of the conversation the message was stored in. */
  say(text: string, user?: string): Promise<string>;
  botSaid(conversationId: string): Promise<string[]>;
  agent(name: string, role?: 'agent' | 'supervisor'): Promise<string>;
}

let world: World | undefined;
afterEach(async () => {
  await world?.engine.stop();
  await world?.desk.store.close();
  world = undefined;
});

async function open(): Promise<World> {
  const store = new MemoryStore();
  await store.open();
  const clock = new ManualClock('2026-01-05T10:00:00Z');
  const { desk, engine, human } = await careDesk(store, clock, { reopen: { window: '72h', sameAgent: true } });
  let n = 0;
  world = {
    desk,
    human,
    engine,
    clock,
    async say(text, user = 'ada') {
      const r = await desk.receive({ channel: 'telegram', externalUserId: user, channelMessageId: `m${++n}`, text });
      await desk.idle();
      if (r.status !== 'stored') throw new Error('not stored');
      return r.conversation.id;
    },
    async botSaid(id) {
      return (await store.listMessages(id)).filter((m) => m.author === 'bot').map((m) => m.text);
    },
    async agent(name, role = 'agent') {
      const { agent } = await human.createAgent({ name, role });
      await human.setPresence(agent.id, 'online');
      return agent.id;
    },
  };
  return world;
}

/** A case an agent owns, answered, then resolved by that agent. */
async function resolvedByAnn(w: World): Promise<{ id: string; ann: string }> {
  const ann = await w.agent('Ann');
  const id = await w.say('I want to talk to a person');
  await w.human.claim(id, ann);
  await w.human.reply(id, ann, 'Fixed your line, it should work now.');
  await w.human.resolve(id, ann);
  return { id, ann };
}

describe('a resolved case while its survey runs', () => {
  it('stays resolved from the moment the agent resolves it: listed as resolved, asked for a rating, a second resolve is refused', async () => {
    const w = await open();
    const { id, ann } = await resolvedByAnn(w);
    const c = await w.desk.store.getConversation(id);
    expect(c).toMatchObject({ mode: 'resolved', resolvedAt: '2026-01-05T10:00:00.000Z', lastAssignee: ann });
    expect(c?.surveyUntil).toBe(new Date(Date.parse('2026-01-05T10:00:00Z') + CLOSE_AFTER_MS).toISOString());
    expect((await w.botSaid(id)).at(-1)).toMatch(/how satisfied/i);
    expect((await w.human.listConversations({ mode: 'resolved' })).map((r) => r.id)).toEqual([id]);
    expect(await w.human.listConversations({ mode: 'bot' })).toEqual([]);
    await expect(w.human.resolve(id, ann)).rejects.toBeInstanceOf(InvalidStateError);
  });

  it('the customer’s ratings are answers in the same case, which stays resolved and counts in the KPIs at its resolution time', async () => {
    const w = await open();
    const since = w.clock.now();
    const { id } = await resolvedByAnn(w);
    w.clock.advance(HOUR);
    expect(await w.say('5')).toBe(id);
    expect((await w.desk.store.getConversation(id))?.mode).toBe('resolved');
    expect((await w.botSaid(id)).at(-1)).toMatch(/how easy/i);
    expect(await w.say('4, thanks')).toBe(id);
    expect((await w.botSaid(id)).at(-1)).toMatch(/thank you for your feedback/i);

    const c = await w.desk.store.getConversation(id);
    expect(c).toMatchObject({ mode: 'resolved', resolvedAt: '2026-01-05T10:00:00.000Z' });
    expect(c?.surveyUntil).toBeUndefined();
    expect(await w.desk.store.listConversations()).toHaveLength(1);
    const types = (await w.desk.store.listEvents(0, 1000)).map((e) => e.type);
    expect(types).not.toContain('conversation.reopened');
    expect(types.filter((t) => t === 'survey.answered')).toHaveLength(2);

    const kpis = (await computeKpis(w.desk.store, { since, now: w.clock.now() })).all!;
    expect(kpis).toMatchObject({ resolved: 1, reopenRate: 0, csat: { average: 5, count: 1 }, effortAverage: 4 });
    expect(kpis.averageHandleMs).toBe(0);
  });

  it('counts as resolved in the KPIs before the customer answers the survey', async () => {
    const w = await open();
    const since = w.clock.now();
    await resolvedByAnn(w);
    const kpis = (await computeKpis(w.desk.store, { since, now: w.clock.now() })).all!;
    expect(kpis).toMatchObject({ resolved: 1, csat: { count: 0 } });
  });

  it('a "thanks" during the survey is not a reopen: the bot asks for the rating again', async () => {
    const w = await open();
    const { id } = await resolvedByAnn(w);
    expect(await w.say('grazie mille!')).toBe(id);
    expect((await w.botSaid(id)).at(-1)).toMatch(/number from 1 to 5/);
    expect((await w.desk.store.getConversation(id))?.mode).toBe('resolved');
  });

  it('a message that is not a survey answer reopens the case to the agent who resolved it, and the survey ends', async () => {
    const w = await open();
    const { id, ann } = await resolvedByAnn(w);
    const again = await w.say('It still does not work, the router keeps rebooting');
    expect(again).not.toBe(id);
    expect(await w.desk.store.getConversation(again)).toMatchObject({ mode: 'agent', assignee: ann, reopenOf: id });
    const old = await w.desk.store.getConversation(id);
    expect(old).toMatchObject({ mode: 'resolved', reopenedAt: expect.any(String) });
    expect(old?.surveyUntil).toBeUndefined();
    // The survey question is not answered any more: a "5" now belongs to the reopened case.
    expect(await w.say('5')).toBe(again);
  });

  it('after the survey window a rating no longer reaches the old case', async () => {
    const w = await open();
    const { id } = await resolvedByAnn(w);
    w.clock.advance(CLOSE_AFTER_MS);
    await w.engine.runDueTimers();
    await w.desk.idle();
    expect((await w.desk.store.getConversation(id))?.surveyUntil).toBeUndefined();
    expect(await w.say('5')).not.toBe(id);
  });

  it('a case the bot resolves itself ("yes, that helped") is resolved at once and surveyed the same way', async () => {
    const w = await open();
    const since = w.clock.now();
    const id = await w.say('How do I pay my bill?');
    expect((await w.desk.store.getConversation(id))?.mode).toBe('bot');
    w.clock.advance(60_000);
    await w.say('sì, grazie');
    const c = await w.desk.store.getConversation(id);
    expect(c).toMatchObject({ mode: 'resolved', resolvedAt: '2026-01-05T10:01:00.000Z' });
    expect(c?.surveyUntil).toBeDefined();
    const resolvedEvents = (await w.desk.store.listEvents(0, 1000)).filter(
      (e) => e.type === 'conversation.resolved' && e.conversationId === id,
    );
    expect(resolvedEvents).toHaveLength(1);
    expect(await w.say('3')).toBe(id);
    expect(await w.say('5')).toBe(id);
    expect((await w.desk.store.getConversation(id))?.mode).toBe('resolved');
    const kpis = (await computeKpis(w.desk.store, { since, now: w.clock.now() })).all!;
    expect(kpis).toMatchObject({ resolved: 1, botContainment: 1, csat: { average: 3 }, effortAverage: 5 });
  });

  it('a customer who writes about something new during the bot’s survey gets the bot again, as a reopen', async () => {
    const w = await open();
    const id = await w.say('How do I pay my bill?');
    await w.say('yes');
    const again = await w.say('how do I change my plan?');
    expect(again).not.toBe(id);
    expect(await w.desk.store.getConversation(again)).toMatchObject({ mode: 'bot', reopenOf: id });
    expect((await w.botSaid(again)).join('\n')).toMatch(/change plan/i);
  });
});
