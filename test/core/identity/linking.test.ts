import { describe, expect, it } from 'vitest';
import {
  customerHistory,
  customerTimeline,
  Desk,
  listCustomerLinks,
  ManualClock,
  MemoryStore,
  mergeCustomers,
  unmergeCustomers,
} from '../../../core/index.js';

async function openDesk(clock = new ManualClock()): Promise<Desk> {
  const store = new MemoryStore();
  await store.open();
  return new Desk({ store, clock });
}

let n = 0;
async function say(desk: Desk, channel: 'telegram' | 'botframework', user: string, text: string) {
  (desk.clock as ManualClock).advance(1000);
  const r = await desk.receive({ channel, externalUserId: user, channelMessageId: `m${++n}`, text });
  await desk.idle();
  if (r.status !== 'stored') throw new Error('not stored');
  return r;
}

async function lastSystemReply(desk: Desk, conversationId: string): Promise<string> {
  const messages = await desk.store.listMessages(conversationId);
  return messages.filter((m) => m.author === 'system').at(-1)?.text ?? '';
}

async function getCode(desk: Desk, channel: 'telegram' | 'botframework', user: string): Promise<string> {
  const r = await say(desk, channel, user, '/link');
  const reply = await lastSystemReply(desk, r.conversation.id);
  const code = /code is ([A-Z0-9]+)/.exec(reply)?.[1];
  if (!code) throw new Error(`no code in "${reply}"`);
  return code;
}

describe('one customer across channels', () => {
  it('a customer who links Telegram and Bot Framework with a code ends up with one history', async () => {
    const desk = await openDesk();
    await say(desk, 'telegram', 'tg-1', 'my sim does not work');
    const code = await getCode(desk, 'telegram', 'tg-1');
    const onBf = await say(desk, 'botframework', 'bf-1', `/link ${code}`);

    const tg = await desk.store.findCustomerByIdentity('telegram', 'tg-1');
    const bf = await desk.store.findCustomerByIdentity('botframework', 'bf-1');
    expect(bf?.id).toBe(tg?.id);
    expect(tg?.identities.map((i) => i.channel).sort()).toEqual(['botframework', 'telegram']);
    expect(await lastSystemReply(desk, (await desk.store.findOpenConversation(tg!.id))!.id)).toMatch(/linked/);

    // The customer goes on writing in Bot Framework: it continues the same open case.
    const next = await say(desk, 'botframework', 'bf-1', 'still no signal');
    expect(next.conversation.customerId).toBe(tg?.id);
    const history = await customerHistory(desk.store, tg!.id);
    const timeline = await customerTimeline(desk.store, tg!.id);
    const texts = timeline.filter((m) => m.author === 'customer').map((m) => m.text);
    expect(texts).toEqual(['my sim does not work', '/link', `/link ${code}`, 'still no signal']);
    expect(history.length).toBe(2);
    const channels = new Set(timeline.map((m) => m.channel));
    expect(channels).toEqual(new Set(['telegram', 'botframework']));
    expect(onBf.customer.id).not.toBe(tg?.id);
  });

  it('a link code works once and only for ten minutes', async () => {
    const clock = new ManualClock();
    const desk = await openDesk(clock);
    const code = await getCode(desk, 'telegram', 'tg-2');
    clock.advance(11 * 60 * 1000);
    const late = await say(desk, 'botframework', 'bf-2', `/link ${code}`);
    expect(await lastSystemReply(desk, late.conversation.id)).toMatch(/expired/);
    expect((await desk.store.findCustomerByIdentity('botframework', 'bf-2'))?.id).not.toBe(
      (await desk.store.findCustomerByIdentity('telegram', 'tg-2'))?.id,
    );

    const fresh = await getCode(desk, 'telegram', 'tg-2');
    await say(desk, 'botframework', 'bf-2', `/link ${fresh}`);
    const third = await say(desk, 'botframework', 'bf-3', `/link ${fresh}`);
    expect(await lastSystemReply(desk, third.conversation.id)).toMatch(/not valid/);
  });

  it('an agent merge records who and why, and unmerge restores both customers and their cases', async () => {
    const desk = await openDesk();
    const a = await say(desk, 'telegram', 'tg-4', 'billing question');
    const b = await say(desk, 'botframework', 'bf-4', 'same person here');
    const link = await mergeCustomers(desk, {
      survivorId: a.customer.id,
      mergedId: b.customer.id,
      evidence: { kind: 'agent', agentId: 'agt_1', reason: 'same phone number on both' },
    });
    expect(link.closed?.conversationId).toBe(b.conversation.id);
    expect((await desk.store.getConversation(b.conversation.id))?.mode).toBe('resolved');
    expect((await listCustomerLinks(desk.store, a.customer.id))[0]?.evidence).toMatchObject({ agentId: 'agt_1' });

    await unmergeCustomers(desk, link.id, { actor: 'agt_1', reason: 'wrong person' });
    expect((await desk.store.findCustomerByIdentity('botframework', 'bf-4'))?.id).toBe(b.customer.id);
    expect((await desk.store.getCustomer(a.customer.id))?.identities).toHaveLength(1);
    const restored = await desk.store.getConversation(b.conversation.id);
    expect(restored).toMatchObject({ customerId: b.customer.id, mode: 'bot' });
    expect(restored?.tags).not.toContain('merged');
    const events = (await desk.store.listEvents(0, 100)).map((e) => e.type);
    expect(events).toEqual(expect.arrayContaining(['customer.merged', 'customer.unmerged']));
  });

  it('a customer cannot link an account to itself', async () => {
    const desk = await openDesk();
    const code = await getCode(desk, 'telegram', 'tg-5');
    const r = await say(desk, 'telegram', 'tg-5', `/link ${code}`);
    expect(await lastSystemReply(desk, r.conversation.id)).toMatch(/other channel/);
  });
});
