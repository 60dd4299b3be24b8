import { describe, expect, it } from 'vitest';
import { Desk, ManualClock, MemoryStore, PENDING_COLLECTION } from '../../core/index.js';
import { careDesk } from './care-desk.js';

const botTexts = async (store: MemoryStore, conversationId: string) =>
  (await store.listMessages(conversationId)).filter((m) => m.author === 'bot').map((m) => m.text);

describe('the path of a customer message', () => {
  it('two lines of a new customer sent at once reach the flow in order: the question is answered, then the "yes"', async () => {
    const store = new MemoryStore();
    await store.open();
    const { desk } = await careDesk(store, new ManualClock(), false);
    const say = (id: string, text: string) =>
      desk.receive({ channel: 'telegram', externalUserId: 'u1', channelMessageId: id, text });
    const [first] = await Promise.all([say('m1', 'How do I pay my bill?'), say('m2', 'yes')]);
    await desk.idle();
    if (first.status !== 'stored') throw new Error('not stored');
    const texts = await botTexts(store, first.conversation.id);
    expect(texts.findIndex((t) => /How to pay your bill/.test(t))).toBeGreaterThanOrEqual(0);
    expect(texts.at(-2)).toMatch(/glad it is solved/i);
    expect(texts.join('\n')).not.toMatch(/passing you to a person/i);
  });

  it('a message a crash left stored and unhandled is handled at the next start, once', async () => {
    const store = new MemoryStore();
    await store.open();
    const clock = new ManualClock();
    // A desk whose flow cannot be planned: the message is stored with a pending mark, and stays so.
    const broken = new Desk({
      store,
      clock,
      engine: () => ({
        planCustomerMessage: async () => {
          throw new Error('engine down');
        },
      }),
    });
    const r = await broken.receive({
      channel: 'telegram',
      externalUserId: 'u1',
      channelMessageId: 'm1',
      text: 'my internet is very slow',
    });
    await broken.idle();
    if (r.status !== 'stored') throw new Error('not stored');
    expect(await store.listRecords(PENDING_COLLECTION)).toHaveLength(1);
    expect(await botTexts(store, r.conversation.id)).toEqual([]);

    // The next start, with a working engine.
    const { desk } = await careDesk(store, clock, false);
    expect(await desk.resumePending()).toBe(1);
    const texts = await botTexts(store, r.conversation.id);
    expect(texts[0]).toMatch(/Thanks for your message/);
    expect(texts.join('\n')).toMatch(/router/i);
    expect(await store.listRecords(PENDING_COLLECTION)).toEqual([]);
    // Once: a second start has nothing left to handle, and Telegram's redelivery is recognised.
    expect(await desk.resumePending()).toBe(0);
    const again = await desk.receive({
      channel: 'telegram',
      externalUserId: 'u1',
      channelMessageId: 'm1',
      text: 'my internet is very slow',
    });
    expect(again.status).toBe('duplicate');
    expect(await botTexts(store, r.conversation.id)).toEqual(texts);
  });
});
