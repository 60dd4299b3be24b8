import { describe, expect, it } from 'vitest';
import { Desk, MAX_TEXT_LENGTH, MemoryStore } from '../../core/index.js';

async function openDesk(): Promise<Desk> {
  const store = new MemoryStore();
  await store.open();
  return new Desk({ store });
}

const good = { channel: 'telegram', externalUserId: '42', channelMessageId: 'u1', text: 'hello' };

async function expectNothingStored(desk: Desk): Promise<void> {
  expect(await desk.store.countConversations()).toBe(0);
  expect(await desk.store.countMessages()).toBe(0);
  expect(await desk.store.lastEventSeq()).toBe(0);
  expect(await desk.store.findCustomerByIdentity('telegram', '42')).toBeUndefined();
}

describe('ingest refuses bad input with a typed error and stores nothing', () => {
  it.each([
    ['a missing customer id', { ...good, externalUserId: undefined }, 'E_INVALID_INPUT', /externalUserId/],
    ['a missing channel message id', { ...good, channelMessageId: undefined }, 'E_INVALID_INPUT', /channelMessageId/],
    ['text that is a number', { ...good, text: 42 }, 'E_INVALID_INPUT', /text/],
    ['attachments that are not a list', { ...good, attachments: 'photo' }, 'E_INVALID_INPUT', /attachments/],
    ['a body that is not an object', 'hello', 'E_INVALID_INPUT', /root|expected object/i],
    ['text over the limit', { ...good, text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }, 'E_TEXT_TOO_LONG', /4096/],
    ['an unknown channel', { ...good, channel: 'myspace' }, 'E_UNKNOWN_CHANNEL', /myspace/],
  ])('%s', async (_what, input, code, message) => {
    const desk = await openDesk();
    await expect(desk.receive(input)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    await expectNothingStored(desk);
  });

  it('accepts text of exactly the limit', async () => {
    const desk = await openDesk();
    const r = await desk.receive({ ...good, text: 'x'.repeat(MAX_TEXT_LENGTH) });
    expect(r.status).toBe('stored');
  });
});

describe('ingest continues a customer’s case', () => {
  it('a second message continues the open conversation; after resolution a new one opens', async () => {
    const desk = await openDesk();
    const first = await desk.receive(good);
    const second = await desk.receive({ ...good, channelMessageId: 'u2', text: 'are you there?' });
    if (first.status !== 'stored' || second.status !== 'stored') throw new Error('not stored');
    expect(second.conversation.id).toBe(first.conversation.id);
    expect(second.conversation.messageCount).toBe(2);
    await desk.store.commit({ conversations: [{ ...second.conversation, mode: 'resolved' }] });
    const third = await desk.receive({ ...good, channelMessageId: 'u3', text: 'new problem' });
    if (third.status !== 'stored') throw new Error('not stored');
    expect(third.conversation.id).not.toBe(first.conversation.id);
    expect(third.customer.id).toBe(first.customer.id);
  });

  it('simultaneous first messages from one new customer make one customer and one conversation', async () => {
    const desk = await openDesk();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => desk.receive({ ...good, channelMessageId: `c${i}`, text: `m${i}` })),
    );
    expect(await desk.store.countConversations()).toBe(1);
    const c = await desk.store.findCustomerByIdentity('telegram', '42');
    expect((await desk.store.listConversations({ customerId: c?.id }))[0]?.messageCount).toBe(20);
  });
});
