import { afterEach, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { MemoryStore, type PersistedFlow } from '../../../core/index.js';
import { careServices } from '../../../flows/care/care-services.js';
import { type CareContext, careFlow, createCareFlow } from '../../../flows/care/flow.js';
import { loadKnowledgeBase } from '../../../flows/care/knowledge-base.js';
import { chatWith, type FlowChat } from '../../../flows/kit/testing.js';

const chats: FlowChat[] = [];
afterEach(async () => {
  for (const chat of chats.splice(0)) await chat.close();
});

const article = (id: string) => {
  const found = loadKnowledgeBase().find((a) => a.id === id);
  if (!found) throw new Error(`no article ${id} in the knowledge base`);
  return found;
};

/**
 * The context as the care flow persisted it before it kept the article by
 * id: the whole article (with its tags) as `current`, read back from JSON.
 */
function oldContext(context: CareContext, current: object | undefined): Record<string, unknown> {
  const { currentId: _, ...rest } = context;
  return JSON.parse(JSON.stringify({ ...rest, current }));
}

/** What the care flow of an earlier version stored after answering "How do I pay my bill?". */
const oldSnapshotAfterBillQuestion = (current: object) => ({
  status: 'active',
  value: 'confirmingResolution',
  historyValue: {},
  context: JSON.parse(
    JSON.stringify({
      language: 'en',
      tried: [(current as { id: string }).id],
      current,
      misses: 0,
      lastQuery: 'How do I pay my bill?',
      topic: 'billing',
      handoffReason: '',
      reminded: false,
    }),
  ),
  children: {},
});

const env = {
  now: '2026-01-05T10:00:00.000Z',
  conversationId: 'cnv_1',
  channel: 'devchat',
  wait: { minutes: 4, queueLength: 1, open: true },
};
const input = { conversationId: 'cnv_1', channel: 'devchat' };

describe('care flow, the snapshot it stores on every message', () => {
  it('keeps the article offered by id: its text travels in the reply, not in the snapshot', async () => {
    const chat = await chatWith(careFlow);
    chats.push(chat);
    await chat.say('How do I pay my bill?');
    const answer = await chat.expectReply(/pay your bill/i);
    const stored = (await chat.desk.store.getFlowSnapshot((await chat.conversation()).id)) as PersistedFlow;
    const context = (stored.xstate as { context: CareContext }).context;
    expect(context.currentId).toBe('en-bill-pay');
    expect(context).not.toHaveProperty('current');
    expect(JSON.stringify(stored)).not.toContain(article('en-bill-pay').body);
    expect(answer.text).toContain(article('en-bill-pay').body);
  });

  it('an article the knowledge base no longer has is answered as no answer, without an error', async () => {
    const services = careServices();
    const chat = await chatWith(createCareFlow({ ...services, article: () => undefined }));
    chats.push(chat);
    await chat.say('How do I pay my bill?');
    await chat.expectReply(/could not find an answer/i);
    expect((await chat.conversation()).mode).toBe('bot');
  });
});

describe('care flow, a snapshot stored by the version that kept the whole article', () => {
  it('a conversation waiting for "did it help?" across the upgrade goes on: "no" brings the next article, then a handoff', async () => {
    const store = new MemoryStore();
    const before = await chatWith(careFlow, { store });
    chats.push(before);
    await before.say('How do I pay my bill?');
    const first = await before.expectReply(/pay your bill/i);
    const id = (await before.conversation()).id;
    const stored = (await store.getFlowSnapshot(id)) as PersistedFlow;
    const xstate = stored.xstate as { context: CareContext };
    const old = { ...stored, xstate: { ...xstate, context: oldContext(xstate.context, article('en-bill-pay')) } };
    await store.commit({ flowSnapshots: [{ conversationId: id, snapshot: old }] });
    // The upgraded server: a new engine over the same store, no live actor, so the old snapshot is read.
    await before.engine.stop();
    const after = await chatWith(careFlow, { store });
    chats.push(after);
    after.conversationId = id;
    let sent = 0;
    // Its own message ids: the store already holds the first chat's "tester-1".
    const say = async (text: string) => {
      await after.desk.receive({
        channel: 'devchat',
        externalUserId: after.customer,
        channelMessageId: `after-upgrade-${++sent}`,
        kind: 'message',
        text,
      });
      await after.desk.idle();
    };

    await say('no');
    const second = await after.expectReply(/maybe this helps/i);
    expect(second.text).not.toEqual(first.text);
    const restored = (await store.getFlowSnapshot(id)) as PersistedFlow;
    const context = (restored.xstate as { context: CareContext }).context;
    expect(context).not.toHaveProperty('current');
    expect(context.tried).toEqual(['en-bill-pay', context.currentId]);
    await say('no');
    await after.expectHandoff({ reason: /two answers/, topic: 'billing', language: 'en' });
  });

  it('restored, it does exactly what a conversation that never left memory does, and stores the id only', () => {
    const effectsOf = (actor: ReturnType<typeof createActor<typeof careFlow.machine>>, steps: () => void) => {
      const effects: unknown[] = [];
      actor.on('*', (e) => effects.push(e));
      actor.start();
      steps();
      return effects;
    };
    const live = createActor(careFlow.machine, { input });
    live.start();
    live.send({ type: 'customer.message', text: 'How do I pay my bill?', attachments: [], env });
    const afterQuestion = live.getPersistedSnapshot() as unknown as { context: CareContext };
    const old = { ...afterQuestion, context: oldContext(afterQuestion.context, article('en-bill-pay')) };
    expect(old).toMatchObject(oldSnapshotAfterBillQuestion(article('en-bill-pay')));

    const restored = createActor(careFlow.machine, { input, snapshot: old as never });
    const continued = createActor(careFlow.machine, { input, snapshot: afterQuestion as never });
    const steps = (actor: { send: (e: never) => void }) => () => {
      actor.send({ type: 'customer.action', value: 'no', env } as never);
      actor.send({ type: 'customer.action', value: 'yes', env } as never);
      actor.send({ type: 'customer.action', value: '4', env } as never);
    };
    const fromOld = effectsOf(restored, steps(restored));
    expect(fromOld).toEqual(effectsOf(continued, steps(continued)));
    expect(fromOld).toContainEqual(expect.objectContaining({ type: 'resolve' }));
    expect(restored.getPersistedSnapshot()).toEqual(continued.getPersistedSnapshot());
    expect(JSON.stringify(restored.getPersistedSnapshot())).not.toContain('"current"');
  });

  it('an old snapshot whose article was since removed from the knowledge base goes on with the best article', () => {
    const gone = { ...article('en-bill-pay'), id: 'en-bill-pay-2019', body: 'Send a cheque by post.' };
    const actor = createActor(careFlow.machine, { input, snapshot: oldSnapshotAfterBillQuestion(gone) as never });
    const replies: string[] = [];
    actor.on('reply', (e) => replies.push((e as { text: string }).text));
    actor.start();
    actor.send({ type: 'customer.action', value: 'no', env });
    expect(actor.getSnapshot().status).toBe('active');
    expect(replies[0]).toMatch(/maybe this helps/i);
    expect(replies[1]).toContain(article('en-bill-pay').body);
    actor.send({ type: 'customer.action', value: 'yes', env });
    expect(actor.getSnapshot().value).toEqual({ surveying: 'askingSatisfaction' });
  });
});
