import { describe, expect, it } from 'vitest';
import { Desk, MemoryStore } from '../../core/index.js';

async function openDesk(): Promise<Desk> {
  const store = new MemoryStore();
  await store.open();
  return new Desk({ store });
}

describe('ingest', () => {
  it('a first message opens a conversation for a new customer, and a redelivery is not stored twice', async () => {
    const desk = await openDesk();
    const first = await desk.receive({ channel: 'telegram', externalUserId: '42', channelMessageId: 'u1', text: 'hi' });
    const again = await desk.receive({ channel: 'telegram', externalUserId: '42', channelMessageId: 'u1', text: 'hi' });
    expect(first.status).toBe('stored');
    expect(again.status).toBe('duplicate');
    expect(await desk.store.countMessages()).toBe(1);
  });
});
