import { describe, expect, it } from 'vitest';
import { listConversationRows, ManualClock, MemoryStore } from '../../../core/index.js';
import { careDesk } from '../care-desk.js';

describe('the place the bot tells at a handoff', () => {
  it('is the customer’s place in their own line, the one the queue row shows, not the whole queue’s length', async () => {
    const store = new MemoryStore();
    await store.open();
    const clock = new ManualClock('2026-01-05T10:00:00Z');
    // Italian speakers go to the Italian desk: a line of its own.
    const { desk, human } = await careDesk(store, clock, {
      routing: { rules: [{ match: { language: 'it' }, set: { skill: 'italian' } }] },
    });
    let n = 0;
    const say = async (user: string, text: string, language?: string) => {
      const r = await desk.receive({
        channel: 'telegram',
        externalUserId: user,
        channelMessageId: `m${++n}`,
        text,
        language,
      });
      await desk.idle();
      // A moment later: each handoff's estimate is of its own moment.
      clock.advance(2_000);
      if (r.status !== 'stored') throw new Error('not stored');
      return r.conversation.id;
    };
    // Two Italian customers wait for the Italian desk.
    await say('it-1', 'voglio parlare con un operatore umano', 'it');
    await say('it-2', 'voglio parlare con una persona', 'it');
    const id = await say('en-1', 'I want to talk to a human', 'en');
    const botSaid = (await store.listMessages(id)).filter((m) => m.author === 'bot').map((m) => m.text);
    expect(botSaid.join('\n')).toMatch(/you are next/);
    expect(botSaid.join('\n')).not.toMatch(/2 ahead/);
    const row = (await listConversationRows(store, { mode: ['queued'] }, clock.now())).find((r) => r.id === id);
    expect(row?.placeInLine).toEqual({ place: 1, of: 1 });
    expect(human.config.routing.rules).toHaveLength(1);
  });
});
