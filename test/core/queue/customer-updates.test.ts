import { describe, expect, it } from 'vitest';
import { liveWaitEstimator } from '../../../core/engine/wait.js';
import { parseDeskConfig } from '../../../core/queue/config.js';
import { listConversationRows } from '../../../core/queue/conversation-rows.js';
import { type Setup, setup } from './helpers.js';

const MIN = 60_000;

/** What the customer of `id` was sent, in order. */
const sent = async (s: Setup, id: string) => (await s.desk.store.listOutbox({ conversationId: id })).map((o) => o.text);

/** Queue rows' place for the conversation, as agents see it. */
const rowPlace = async (s: Setup, id: string) =>
  (await listConversationRows(s.desk.store, {}, s.clock.now())).find((r) => r.id === id)?.placeInLine;

describe('what a waiting customer is told', () => {
  it('a queued customer who writes is told their place and expected wait', async () => {
    const s = await setup();
    await s.human.handoff(await s.say('u0', 'first'));
    const id = await s.say('u1', 'hello');
    await s.human.handoff(id);
    await s.say('u1', 'hello? anyone there?');
    // Nobody online: the case ahead and this one are handled one at a time, at the default 6 min each.
    expect(await sent(s, id)).toEqual(['You are number 2 in line; the expected wait is about 12 min.']);
    const [told] = (await s.desk.store.listMessages(id)).filter((m) => m.direction === 'outbound');
    expect(told).toMatchObject({ author: 'system' });
  });

  it('an Italian customer is told in Italian, not again within the interval, again after it', async () => {
    const s = await setup({ customerUpdates: { whileQueued: { every: '5m' } } });
    const id = await s.say('u1', 'ciao');
    await s.human.handoff(id, { language: 'it' });
    await s.say('u1', 'c’è qualcuno?');
    await s.say('u1', 'pronto?');
    s.clock.advance(4 * MIN);
    await s.say('u1', 'allora?');
    expect(await sent(s, id)).toEqual(['Sei il numero 1 in coda; l’attesa prevista è di circa 6 min.']);
    s.clock.advance(MIN);
    await s.say('u1', 'ancora niente?');
    expect(await sent(s, id)).toHaveLength(2);
    // The last telling is kept on the conversation: the limit survives a restart.
    expect((await s.desk.store.getConversation(id))?.sla.placeToldAt).toBe(s.clock.now().toISOString());
  });

  it('the place told is the queue row’s place, in the customer’s skill line with priorities', async () => {
    const s = await setup({
      sla: {
        policies: [
          { name: 'urgent', priority: 'urgent', firstResponse: '5m', nextResponse: '5m', resolution: '1d' },
          { name: 'rest', firstResponse: '1h', nextResponse: '1h', resolution: '1d' },
        ],
      },
    });
    await s.human.handoff(await s.say('t1', 'x'), { skill: 'tech' });
    await s.human.handoff(await s.say('b1', 'x'), { skill: 'billing' });
    const id = await s.say('u1', 'hello');
    await s.human.handoff(id, { skill: 'billing' });
    s.clock.advance(MIN);
    await s.human.handoff(await s.say('b2', 'x'), { skill: 'billing', priority: 'urgent' });
    await s.say('u1', 'anyone?');
    expect(await rowPlace(s, id)).toEqual({ place: 3, of: 3 });
    expect(await s.human.placeInLine(id)).toEqual({ place: 3, of: 3 });
    expect((await sent(s, id))[0]).toMatch(/^You are number 3 in line;/);
  });

  it('the wait at handoff counts the cases ahead in the line the conversation joins', async () => {
    const s = await setup();
    await s.human.handoff(await s.say('t1', 'x'), { skill: 'tech' });
    await s.human.handoff(await s.say('b1', 'x'), { skill: 'billing' });
    const id = await s.say('u1', 'hello');
    await s.human.handoff(id, { skill: 'billing' });
    const joining = (await s.desk.store.getConversation(id))!;
    const wait = await liveWaitEstimator()(s.desk.store, s.clock.now(), joining);
    expect(wait.queueLength).toBe((await rowPlace(s, id))!.place - 1);
    expect(wait.queueLength).toBe(1);
  });

  it('a desk’s own text replaces one language and keeps the other defaults; a wrong interval is refused', () => {
    const { whileQueued } = parseDeskConfig({
      customerUpdates: { whileQueued: { text: { en: 'Place {place} of {of}.' } } },
    }).customerUpdates;
    expect(whileQueued.text.en).toBe('Place {place} of {of}.');
    expect(whileQueued.text.it).toMatch(/^Sei il numero \{place\} in coda/);
    expect(() => parseDeskConfig({ customerUpdates: { whileQueued: { every: 'soon' } } })).toThrow(
      /customerUpdates\.whileQueued\.every/,
    );
  });

  it('a desk can turn the updates off', async () => {
    const s = await setup({ customerUpdates: { whileQueued: { enabled: false } } });
    const id = await s.say('u1', 'hello');
    await s.human.handoff(id);
    await s.say('u1', 'anyone?');
    expect(await sent(s, id)).toEqual([]);
  });

  it('a transfer back to the queue tells the customer someone else will answer, with place and wait', async () => {
    const s = await setup();
    const a = await s.agent('Ann', { role: 'supervisor' });
    const id = await s.say('u1', 'hello');
    await s.human.handoff(id);
    await s.human.claim(id, a);
    await s.human.transfer(id, a, { skill: 'billing' });
    expect(await sent(s, id)).toEqual([
      'We are passing you to another person from our team. You are number 1 in line; the expected wait is about 6 min.',
    ]);
  });

  it('a case requeued when its agent goes offline tells the customer, in their language', async () => {
    const s = await setup();
    const a = await s.agent('Ann');
    const id = await s.say('u1', 'ciao');
    await s.human.handoff(id, { language: 'it' });
    await s.human.claim(id, a);
    await s.human.setPresence(a, 'offline');
    expect(await sent(s, id)).toEqual([
      'Ti stiamo passando a un’altra persona del nostro team. Sei il numero 1 in coda; l’attesa prevista è di circa 6 min.',
    ]);
  });

  it('a reopened case tells the customer whether their agent or the queue has it', async () => {
    const s = await setup();
    const a = await s.agent('Ann');
    const first = await s.say('u1', 'help');
    await s.human.handoff(first);
    await s.human.claim(first, a);
    await s.human.resolve(first, a);
    const second = await s.say('u1', 'broken again');
    expect(await sent(s, second)).toEqual([
      'Welcome back: we have reopened your case, and the person who helped you before will answer you here.',
    ]);
    await s.human.resolve(second, a);
    await s.human.setPresence(a, 'offline');
    const third = await s.say('u1', 'and again');
    expect(await sent(s, third)).toEqual([
      expect.stringMatching(
        /^Welcome back: we have reopened your case\. You are number 1 in line; the expected wait is about \d+ min\.$/,
      ),
    ]);
  });
});
