/**
 * The Store contract: what every Store implementation must do, written only
 * against the Store interface so the PostgreSQL store can run it unchanged.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Agent, Conversation, Customer, Message, OutboxEntry, Store } from '../../../core/index.js';

export interface StoreFactory {
  /** A fresh, empty, opened store. */
  create(): Promise<Store>;
  /** Closes `store` and opens the same data again (persistent stores only). */
  reopen?(store: Store): Promise<Store>;
}

const at = (n: number): string => new Date(Date.UTC(2026, 0, 5, 9, 0, n)).toISOString();

export const customer = (id: string, externalId = id): Customer => ({
  id,
  identities: [{ channel: 'telegram', externalId }],
  createdAt: at(0),
});

export const conversation = (id: string, customerId: string, extra: Partial<Conversation> = {}): Conversation => ({
  id,
  customerId,
  channel: 'telegram',
  mode: 'bot',
  flow: 'care',
  tags: [],
  priority: 'normal',
  sla: {},
  createdAt: at(0),
  updatedAt: at(0),
  lastMessageAt: at(0),
  messageCount: 0,
  ...extra,
});

export const message = (id: string, conversationId: string, extra: Partial<Message> = {}): Message => ({
  id,
  conversationId,
  customerId: 'cus_1',
  channel: 'telegram',
  direction: 'inbound',
  author: 'customer',
  text: `text of ${id}`,
  attachments: [],
  internal: false,
  createdAt: at(1),
  ...extra,
});

export const outbox = (id: string, extra: Partial<OutboxEntry> = {}): OutboxEntry => ({
  id,
  messageId: `msg_${id}`,
  conversationId: 'cnv_1',
  channel: 'telegram',
  recipient: '42',
  text: 'hello',
  quickReplies: [],
  status: 'pending',
  attempts: 0,
  notBefore: at(0),
  createdAt: at(0),
  ...extra,
});

const agent = (id: string, tokenHash: string): Agent => ({
  id,
  name: `Agent ${id}`,
  role: 'agent',
  skills: ['billing'],
  languages: ['en'],
  capacity: 3,
  presence: 'online',
  tokenHash,
  createdAt: at(0),
});

export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.create();
      return async () => {
        await store.close().catch(() => undefined);
      };
    });

    /** Runs the checks now and, for persistent stores, again after a reopen. */
    async function andAfterReopen(check: (s: Store) => Promise<void>): Promise<void> {
      await check(store);
      if (factory.reopen) {
        store = await factory.reopen(store);
        await check(store);
      }
    }

    it('finds a customer by any of their identities', async () => {
      await store.commit({ customers: [customer('cus_1', '42')] });
      await andAfterReopen(async (s) => {
        expect((await s.findCustomerByIdentity('telegram', '42'))?.id).toBe('cus_1');
        expect(await s.findCustomerByIdentity('telegram', '43')).toBeUndefined();
        expect(await s.findCustomerByIdentity('botframework', '42')).toBeUndefined();
        expect((await s.getCustomer('cus_1'))?.identities).toHaveLength(1);
      });
    });

    it('keeps identities whatever characters a channel puts in its ids', async () => {
      const odd = 'a\tb,c\nd%e\u0001f';
      await store.commit({ customers: [customer('cus_odd', odd)] });
      await andAfterReopen(async (s) => {
        expect((await s.findCustomerByIdentity('telegram', odd))?.id).toBe('cus_odd');
        expect((await s.getCustomer('cus_odd'))?.identities[0]?.externalId).toBe(odd);
      });
    });

    it('the open conversation is the one not resolved', async () => {
      await store.commit({
        customers: [customer('cus_1')],
        conversations: [conversation('cnv_old', 'cus_1', { mode: 'resolved' }), conversation('cnv_new', 'cus_1')],
      });
      await andAfterReopen(async (s) => {
        expect((await s.findOpenConversation('cus_1'))?.id).toBe('cnv_new');
      });
      await store.commit({ conversations: [conversation('cnv_new', 'cus_1', { mode: 'resolved' })] });
      await andAfterReopen(async (s) => {
        expect(await s.findOpenConversation('cus_1')).toBeUndefined();
      });
    });

    it('lists conversations newest activity first, filtered by mode, channel, customer and assignee', async () => {
      await store.commit({
        conversations: [
          conversation('cnv_a', 'cus_1', { lastMessageAt: at(1), mode: 'queued' }),
          conversation('cnv_b', 'cus_2', { lastMessageAt: at(3), mode: 'agent', assignee: 'agt_1' }),
          conversation('cnv_c', 'cus_3', { lastMessageAt: at(2), channel: 'botframework' }),
        ],
      });
      await andAfterReopen(async (s) => {
        expect((await s.listConversations()).map((c) => c.id)).toEqual(['cnv_b', 'cnv_c', 'cnv_a']);
        expect((await s.listConversations({ modes: ['queued', 'agent'] })).map((c) => c.id)).toEqual([
          'cnv_b',
          'cnv_a',
        ]);
        expect((await s.listConversations({ channel: 'botframework' })).map((c) => c.id)).toEqual(['cnv_c']);
        expect((await s.listConversations({ customerId: 'cus_1' })).map((c) => c.id)).toEqual(['cnv_a']);
        expect((await s.listConversations({ assignee: 'agt_1' })).map((c) => c.id)).toEqual(['cnv_b']);
        expect(await s.listConversations({ limit: 1 })).toHaveLength(1);
        expect(await s.countConversations()).toBe(3);
      });
    });

    it("lists a customer's conversations, following one that moves to another customer (a merge) and back", async () => {
      await store.commit({
        customers: [customer('cus_1'), customer('cus_2')],
        conversations: [
          conversation('cnv_a', 'cus_1', { lastMessageAt: at(1), mode: 'resolved' }),
          conversation('cnv_b', 'cus_1', { lastMessageAt: at(2) }),
          conversation('cnv_c', 'cus_2', { lastMessageAt: at(3) }),
        ],
      });
      const ids = async (s: Store, customerId: string) => (await s.listConversations({ customerId })).map((c) => c.id);
      expect(await ids(store, 'cus_1')).toEqual(['cnv_b', 'cnv_a']);
      await store.commit({ conversations: [conversation('cnv_b', 'cus_2', { lastMessageAt: at(2) })] });
      await andAfterReopen(async (s) => {
        expect(await ids(s, 'cus_1')).toEqual(['cnv_a']);
        expect(await ids(s, 'cus_2')).toEqual(['cnv_c', 'cnv_b']);
      });
      await store.commit({ conversations: [conversation('cnv_b', 'cus_1', { lastMessageAt: at(2) })] });
      expect(await ids(store, 'cus_1')).toEqual(['cnv_b', 'cnv_a']);
      expect(await ids(store, 'cus_2')).toEqual(['cnv_c']);
      expect(await ids(store, 'cus_9')).toEqual([]);
    });

    it('lists the newest resolved conversations first, however many there are, resolved before a restart or after', async () => {
      await store.commit({
        conversations: [1, 5, 3, 2].map((i) =>
          conversation(`cnv_r${i}`, `cus_${i}`, {
            lastMessageAt: at(i),
            mode: 'resolved',
            channel: i === 3 ? 'botframework' : 'telegram',
          }),
        ),
      });
      await andAfterReopen(async (s) => {
        expect((await s.listConversations({ modes: ['resolved'], limit: 2 })).map((c) => c.id)).toEqual([
          'cnv_r5',
          'cnv_r3',
        ]);
        expect(
          (await s.listConversations({ modes: ['resolved'], channel: 'telegram', limit: 2 })).map((c) => c.id),
        ).toEqual(['cnv_r5', 'cnv_r2']);
      });
      // Resolved since the restart: a live one among the archived.
      await store.commit({
        conversations: [conversation('cnv_r4', 'cus_4', { lastMessageAt: at(4), mode: 'resolved' })],
      });
      await andAfterReopen(async (s) => {
        expect((await s.listConversations({ modes: ['resolved'], limit: 3 })).map((c) => c.id)).toEqual([
          'cnv_r5',
          'cnv_r4',
          'cnv_r3',
        ]);
        expect((await s.listConversations({ limit: 10 })).map((c) => c.id)).toEqual([
          'cnv_r5',
          'cnv_r4',
          'cnv_r3',
          'cnv_r2',
          'cnv_r1',
        ]);
      });
    });

    it('lists only the conversations active since a time, resolved ones before a restart included', async () => {
      await store.commit({
        conversations: [1, 2, 3, 4].map((i) =>
          conversation(`cnv_a${i}`, `cus_${i}`, { lastMessageAt: at(i * 10), mode: i % 2 ? 'resolved' : 'bot' }),
        ),
      });
      await andAfterReopen(async (s) => {
        const ids = async (since: string) =>
          (await s.listConversations({ activeSince: since })).map((c) => c.id).sort();
        expect(await ids(at(20))).toEqual(['cnv_a2', 'cnv_a3', 'cnv_a4']);
        expect(await ids(at(21))).toEqual(['cnv_a3', 'cnv_a4']);
        expect(await ids(at(41))).toEqual([]);
        expect(await ids(at(0))).toHaveLength(4);
      });
    });

    it('keeps each conversation’s messages in the order they were appended', async () => {
      await store.commit({ messages: [message('m1', 'cnv_1'), message('m2', 'cnv_2')] });
      await store.commit({ messages: [message('m3', 'cnv_1'), message('m4', 'cnv_1')] });
      await Promise.all([5, 6, 7].map((i) => store.commit({ messages: [message(`m${i}`, 'cnv_1')] })));
      await andAfterReopen(async (s) => {
        expect((await s.listMessages('cnv_1')).map((m) => m.id)).toEqual(['m1', 'm3', 'm4', 'm5', 'm6', 'm7']);
        expect((await s.listMessages('cnv_2')).map((m) => m.text)).toEqual(['text of m2']);
        expect(await s.listMessages('cnv_none')).toEqual([]);
        expect(await s.countMessages()).toBe(7);
      });
    });

    it('keeps a message, a conversation and an outbox entry whatever characters their text holds, a NUL included', async () => {
      const odd = 'a\u0000b \\u0000 "quoted" \n é 🎉';
      await store.commit({
        conversations: [conversation('cnv_nul', 'cus_1', { lastMessagePreview: odd })],
        messages: [message('m_nul', 'cnv_nul', { text: odd })],
        outbox: [outbox('o_nul', { text: odd, conversationId: 'cnv_nul' })],
        flowSnapshots: [{ conversationId: 'cnv_nul', snapshot: { said: odd } }],
        events: [{ type: 'message.received', at: at(1), conversationId: 'cnv_nul', data: { text: odd } }],
      });
      await andAfterReopen(async (s) => {
        expect((await s.listMessages('cnv_nul')).map((m) => m.text)).toEqual([odd]);
        expect((await s.getConversation('cnv_nul'))?.lastMessagePreview).toBe(odd);
        expect((await s.getOutboxEntry('o_nul'))?.text).toBe(odd);
        expect(await s.getFlowSnapshot('cnv_nul')).toEqual({ said: odd });
        expect((await s.listEvents(0, 10)).map((e) => e.data.text)).toEqual([odd]);
      });
    });

    it('remembers which channel message ids it has seen, to drop redeliveries', async () => {
      await store.commit({ messages: [message('m1', 'cnv_1', { channelMessageId: 'u-100' })] });
      await andAfterReopen(async (s) => {
        expect(await s.findMessageIdByChannelId('telegram', 'u-100')).toBe('m1');
        expect(await s.findMessageIdByChannelId('botframework', 'u-100')).toBeUndefined();
        expect(await s.findMessageIdByChannelId('telegram', 'u-101')).toBeUndefined();
      });
    });

    it('numbers events 1..n in commit order, also across concurrent commits, and pages through them', async () => {
      const event = (i: number) => ({ type: 'message.received', at: at(i), data: { i } });
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.commit({ events: [event(2 * i), event(2 * i + 1)] })),
      );
      const seqs = results.flatMap((r) => r.events.map((e) => e.seq));
      expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      await andAfterReopen(async (s) => {
        expect(await s.lastEventSeq()).toBe(100);
        const page = await s.listEvents(10, 5);
        expect(page.map((e) => e.seq)).toEqual([11, 12, 13, 14, 15]);
        expect((await s.listEvents(98, 10)).map((e) => e.seq)).toEqual([99, 100]);
        expect(await s.listEvents(100, 10)).toEqual([]);
      });
    });

    it('pages events older than what a store keeps at hand', async () => {
      for (let i = 0; i < 10; i++) {
        await store.commit({
          events: Array.from({ length: 1000 }, (_, j) => ({
            type: 'message.sent',
            at: at(0),
            data: { n: i * 1000 + j },
          })),
        });
      }
      await andAfterReopen(async (s) => {
        const first = await s.listEvents(0, 3);
        expect(first.map((e) => [e.seq, e.data.n])).toEqual([
          [1, 0],
          [2, 1],
          [3, 2],
        ]);
        expect((await s.listEvents(4999, 2)).map((e) => e.data.n)).toEqual([4999, 5000]);
      });
    });

    it('upserts outbox entries and lists them by status, oldest first', async () => {
      await store.commit({ outbox: [outbox('o1'), outbox('o2'), outbox('o3', { conversationId: 'cnv_2' })] });
      await store.commit({ outbox: [outbox('o1', { status: 'delivered', attempts: 1, channelMessageId: '77' })] });
      await andAfterReopen(async (s) => {
        expect((await s.listOutbox({ status: 'pending' })).map((o) => o.id)).toEqual(['o2', 'o3']);
        expect((await s.listOutbox({ conversationId: 'cnv_2' })).map((o) => o.id)).toEqual(['o3']);
        expect(await s.getOutboxEntry('o1')).toMatchObject({ status: 'delivered', channelMessageId: '77' });
        expect(await s.getOutboxEntry('nope')).toBeUndefined();
      });
    });

    it('marks a pending entry delivered by its id, keeping everything else of it', async () => {
      const reply = outbox('o1', { text: 'an article', quickReplies: [{ label: 'Yes', value: 'yes' }], attempts: 2 });
      await store.commit({ outbox: [reply, outbox('o2')] });
      await store.commit({
        deliveries: [{ outboxId: 'o1', attempts: 3, deliveredAt: at(5), channelMessageId: 'msg:42:7' }],
      });
      // One the store no longer has changes nothing (and is not an error).
      await store.commit({ deliveries: [{ outboxId: 'gone', attempts: 1, deliveredAt: at(6) }] });
      await store.commit({ deliveries: [{ outboxId: 'o2', attempts: 1, deliveredAt: at(7) }] });
      await andAfterReopen(async (s) => {
        expect(await s.getOutboxEntry('o1')).toEqual({
          ...reply,
          status: 'delivered',
          attempts: 3,
          deliveredAt: at(5),
          channelMessageId: 'msg:42:7',
        });
        expect(await s.getOutboxEntry('o2')).toEqual({
          ...outbox('o2'),
          status: 'delivered',
          attempts: 1,
          deliveredAt: at(7),
        });
        expect(await s.getOutboxEntry('gone')).toBeUndefined();
        expect(await s.listOutbox({ status: 'pending' })).toEqual([]);
      });
    });

    it('lists pending entries through retries, failures and deliveries, oldest first', async () => {
      await store.commit({ outbox: [outbox('o1'), outbox('o2'), outbox('o3', { conversationId: 'cnv_2' })] });
      // A retry keeps o1 pending (and in its place); o2 fails; o3 is delivered; o4 is new.
      await store.commit({ outbox: [outbox('o1', { attempts: 1, lastError: 'timeout' })] });
      await store.commit({ outbox: [outbox('o2', { status: 'failed', attempts: 1 }), outbox('o4')] });
      await store.commit({ outbox: [outbox('o3', { status: 'delivered', attempts: 1 })] });
      await andAfterReopen(async (s) => {
        expect((await s.listOutbox({ status: 'pending' })).map((o) => o.id)).toEqual(['o1', 'o4']);
        expect(await s.listOutbox({ status: 'pending', conversationId: 'cnv_2' })).toEqual([]);
        expect((await s.listOutbox({ status: 'pending', limit: 1 })).map((o) => o.attempts)).toEqual([1]);
        expect((await s.listOutbox({ status: 'failed' })).map((o) => o.id)).toEqual(['o2']);
      });
    });

    it('keeps the latest flow snapshot of a conversation and forgets it on request', async () => {
      await store.commit({ flowSnapshots: [{ conversationId: 'cnv_1', snapshot: { value: 'greeting', n: 1 } }] });
      await store.commit({ flowSnapshots: [{ conversationId: 'cnv_1', snapshot: { value: 'answering', n: 2 } }] });
      await store.commit({ flowSnapshots: [{ conversationId: 'cnv_2', snapshot: { value: 'x' } }] });
      await store.commit({ flowSnapshots: [{ conversationId: 'cnv_2', snapshot: null }] });
      await andAfterReopen(async (s) => {
        expect(await s.getFlowSnapshot('cnv_1')).toEqual({ value: 'answering', n: 2 });
        expect(await s.getFlowSnapshot('cnv_2')).toBeUndefined();
      });
    });

    it('finds agents by token hash, and forgets removed agents and replaced tokens', async () => {
      await store.commit({ agents: [agent('agt_1', 'hash-1'), agent('agt_2', 'hash-2')] });
      await store.commit({ agents: [agent('agt_1', 'hash-1b')], removeAgents: ['agt_2'] });
      await andAfterReopen(async (s) => {
        expect((await s.findAgentByTokenHash('hash-1b'))?.id).toBe('agt_1');
        expect(await s.findAgentByTokenHash('hash-1')).toBeUndefined();
        expect(await s.findAgentByTokenHash('hash-2')).toBeUndefined();
        expect((await s.listAgents()).map((a) => a.id)).toEqual(['agt_1']);
        expect(await s.getAgent('agt_2')).toBeUndefined();
      });
    });

    it('stores small records by collection, and deletes them with null', async () => {
      await store.commit({
        records: [
          { collection: 'canned', id: 'c1', value: { text: 'Hello!' } },
          { collection: 'canned', id: 'c2', value: { text: 'Bye' } },
          { collection: 'other', id: 'c1', value: 1 },
        ],
      });
      await store.commit({ records: [{ collection: 'canned', id: 'c2', value: null }] });
      await andAfterReopen(async (s) => {
        expect(await s.getRecord('canned', 'c1')).toEqual({ text: 'Hello!' });
        expect(await s.getRecord('canned', 'c2')).toBeUndefined();
        expect(await s.listRecords('canned')).toEqual([{ id: 'c1', value: { text: 'Hello!' } }]);
        expect(await s.getRecord('other', 'c1')).toBe(1);
      });
    });

    it('keeps records whatever characters their keys hold (a NUL between a channel and a chat id, backslashes)', async () => {
      const keys = ['telegram\u000042', 'a\\0b', 'c\\\u0000\\d', 'plain'];
      await store.commit({ records: keys.map((id, n) => ({ collection: 'reply-context', id, value: { n } })) });
      await andAfterReopen(async (s) => {
        for (const [n, id] of keys.entries()) expect(await s.getRecord('reply-context', id)).toEqual({ n });
        expect(await s.getRecord('reply-context', 'telegram42')).toBeUndefined();
        expect((await s.listRecords('reply-context')).map((r) => r.id)).toEqual(keys);
      });
    });

    it('makes a whole batch visible at once', async () => {
      const pending = store.commit({
        customers: [customer('cus_9')],
        conversations: [conversation('cnv_9', 'cus_9')],
        messages: [message('m9', 'cnv_9', { customerId: 'cus_9' })],
        events: [{ type: 'conversation.opened', at: at(0), conversationId: 'cnv_9', data: {} }],
      });
      const during = await Promise.all([store.getCustomer('cus_9'), store.getConversation('cnv_9')]);
      expect(during.every((x) => x === undefined) || during.every((x) => x !== undefined)).toBe(true);
      await pending;
      await andAfterReopen(async (s) => {
        expect(await s.getCustomer('cus_9')).toBeDefined();
        expect(await s.getConversation('cnv_9')).toBeDefined();
        expect(await s.listMessages('cnv_9')).toHaveLength(1);
        expect(await s.lastEventSeq()).toBe(1);
      });
    });

    it('refuses to write once closed', async () => {
      await store.close();
      await expect(store.commit({ records: [{ collection: 'x', id: 'y', value: 1 }] })).rejects.toMatchObject({
        code: 'E_STORE_CLOSED',
      });
    });
  });
}
