/**
 * Erasing a customer, on every store: the same rules (core/store/erasure.ts)
 * on memory, embedded and PostgreSQL; on the embedded store, a byte search
 * of the whole data directory afterwards.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Customer,
  EmbeddedStore,
  type EmbeddedStoreOptions,
  MemoryStore,
  type NewEvent,
  type Store,
} from '../../../core/index.js';
import { PostgresStore } from '../../../core/store/postgres/postgres-store.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { conversation, message, outbox } from './store-contract.js';
import { tempDir } from './temp-dir.js';

const at = (n: number): string => new Date(Date.UTC(2026, 0, 5, 9, 0, n)).toISOString();
const NAME = 'Marco Rossi';
const SECRET = 'my IBAN is IT60X0542811101000000123456';
const REPLY = 'Thanks Marco, your IBAN ends in 3456';
const TELEGRAM_ID = 'tg-user-77310';
const BF_ID = 'bf-user-90211';
const WEBCHAT_ID = 'anon:Zx81kQ2mP0';

const marco: Customer = {
  id: 'cus_1',
  displayName: NAME,
  language: 'it',
  identities: [
    { channel: 'telegram', externalId: TELEGRAM_ID, displayName: NAME },
    { channel: 'botframework', externalId: BF_ID },
    { channel: 'webchat', externalId: WEBCHAT_ID },
  ],
  createdAt: at(0),
};
const merged: Customer = {
  id: 'cus_m',
  displayName: 'Marco R.',
  identities: [{ channel: 'botframework', externalId: BF_ID }],
  createdAt: at(0),
  mergedInto: 'cus_1',
};
const other: Customer = {
  id: 'cus_2',
  displayName: 'Ann Example',
  identities: [{ channel: 'telegram', externalId: 'tg-ann' }],
  createdAt: at(0),
};

const ev = (type: string, data: Record<string, unknown>, extra: Partial<NewEvent> = {}): NewEvent => ({
  type,
  at: at(3),
  data,
  ...extra,
});

/** A history of Marco (two conversations, one moved from the customer merged into him) and of Ann. */
async function seed(store: Store): Promise<void> {
  await store.commit({
    customers: [marco, merged, other],
    conversations: [conversation('cnv_1', 'cus_1', { lastMessagePreview: SECRET.slice(0, 40) })],
    messages: [
      message('m1', 'cnv_1', { text: SECRET, channelMessageId: `msg:${TELEGRAM_ID}:1` }),
      message('a1', 'cnv_2', { customerId: 'cus_2', text: 'Ann asks about her router' }),
    ],
    events: [
      ev('message.received', { text: SECRET, channel: 'telegram' }, { customerId: 'cus_1', conversationId: 'cnv_1' }),
      ev('customer.created', { channel: 'telegram', displayName: NAME }, { customerId: 'cus_1' }),
      ev('message.received', { text: 'Ann asks' }, { customerId: 'cus_2', conversationId: 'cnv_2' }),
    ],
    flowSnapshots: [{ conversationId: 'cnv_1', snapshot: { context: { question: SECRET } } }],
    records: [
      { collection: 'link-codes', id: 'ABCD2345', value: { customerId: 'cus_1', expiresAt: at(600) } },
      { collection: 'reply-context', id: `botframework\u0000${BF_ID}`, value: { serviceUrl: 'http://x', user: NAME } },
      { collection: 'flow-timers', id: 'cnv_1:reminder', value: { conversationId: 'cnv_1', name: 'reminder' } },
      { collection: 'canned', id: 'greet', value: { text: 'Hello!' } },
      // Web Chat's own records name the visitor by their Direct Line id only.
      { collection: 'directline.conversations', id: 'dl_marco', value: { userId: WEBCHAT_ID, identified: false } },
      {
        collection: 'directline.activities.dl_marco',
        id: '0000000000',
        value: { activity: { type: 'message', from: { id: WEBCHAT_ID, name: NAME }, text: SECRET } },
      },
      {
        collection: 'directline.activities.dl_ann',
        id: '0000000000',
        value: { activity: { type: 'message', from: { id: 'anon:Ann000001' }, text: 'Ann on the web' } },
      },
    ],
  });
  await store.commit({
    conversations: [conversation('cnv_2', 'cus_2'), conversation('cnv_m', 'cus_1', { handoffReason: SECRET })],
    messages: [message('mm1', 'cnv_m', { customerId: 'cus_m', text: `${NAME} here, ${SECRET}` })],
    outbox: [outbox('o1', { conversationId: 'cnv_1', recipient: TELEGRAM_ID, text: REPLY })],
  });
  await store.commit({
    messages: [message('r1', 'cnv_1', { direction: 'outbound', author: 'bot', text: REPLY })],
    deliveries: [{ outboxId: 'o1', attempts: 1, deliveredAt: at(5), channelMessageId: `msg:${TELEGRAM_ID}:2` }],
    events: [
      ev('survey.answered', { question: 'csat', score: 5 }, { customerId: 'cus_1', conversationId: 'cnv_1' }),
      ev('sla.breached', { target: 'firstResponse', reason: SECRET }, { conversationId: 'cnv_1' }),
    ],
  });
  await store.commit({
    conversations: [
      conversation('cnv_1', 'cus_1', { mode: 'resolved', resolvedAt: at(9), lastMessagePreview: REPLY.slice(0, 30) }),
      conversation('cnv_m', 'cus_1', { mode: 'resolved', resolvedAt: at(9) }),
    ],
  });
}

/** Everything the Store interface lets one read about the desk, as one text. */
async function everythingReadable(store: Store): Promise<string> {
  const parts: unknown[] = [
    await store.getCustomer('cus_1'),
    await store.getCustomer('cus_m'),
    await store.listConversations(),
    await store.listEvents(0, 1000),
    await store.listOutbox(),
    await store.getFlowSnapshot('cnv_1'),
  ];
  for (const c of ['cnv_1', 'cnv_m', 'cnv_2']) parts.push(await store.listMessages(c));
  for (const c of [
    'link-codes',
    'reply-context',
    'flow-timers',
    'canned',
    'directline.conversations',
    'directline.activities.dl_marco',
  ])
    parts.push(await store.listRecords(c));
  return JSON.stringify(parts);
}

interface Factory {
  create(): Promise<Store>;
  reopen?(store: Store): Promise<Store>;
}

function describeErasure(name: string, factory: Factory): void {
  describe(`erasing a customer: ${name}`, () => {
    it('leaves nothing personal of them, and every count, id and KPI figure of their cases', async () => {
      let store = await factory.create();
      await seed(store);
      const before = {
        conversations: await store.countConversations(),
        messages: await store.countMessages(),
        lastSeq: await store.lastEventSeq(),
      };

      const report = await store.erase({ customerIds: ['cus_1', 'cus_m'] });
      expect(report).toMatchObject({ customers: 2, conversations: 2, messages: 3, events: 4 });

      for (let round = 0; round < (factory.reopen ? 2 : 1); round++) {
        if (round === 1) store = await (factory.reopen as NonNullable<Factory['reopen']>)(store);
        const text = await everythingReadable(store);
        for (const personal of [NAME, 'Marco R.', SECRET, REPLY, TELEGRAM_ID, BF_ID, WEBCHAT_ID, 'IBAN']) {
          expect(text).not.toContain(personal);
        }
        const customer = await store.getCustomer('cus_1');
        expect(customer).toMatchObject({ id: 'cus_1', createdAt: at(0) });
        expect(customer?.displayName).toBeUndefined();
        expect(await store.findCustomerByIdentity('telegram', TELEGRAM_ID)).toBeUndefined();
        expect(await store.findCustomerByIdentity('botframework', BF_ID)).toBeUndefined();
        expect(await store.findMessageIdByChannelId('telegram', `msg:${TELEGRAM_ID}:1`)).toBeUndefined();

        // The cases stay, counted, with their shape: what the KPIs read.
        expect(await store.countConversations()).toBe(before.conversations);
        expect(await store.countMessages()).toBe(before.messages);
        expect(await store.lastEventSeq()).toBe(before.lastSeq);
        const cases = await store.listConversations({ customerId: 'cus_1' });
        expect(cases.map((c) => [c.id, c.mode]).sort()).toEqual([
          ['cnv_1', 'resolved'],
          ['cnv_m', 'resolved'],
        ]);
        expect((await store.listMessages('cnv_1')).map((m) => [m.id, m.direction, m.text])).toEqual([
          ['m1', 'inbound', ''],
          ['r1', 'outbound', ''],
        ]);
        const events = await store.listEvents(0, 100);
        expect(events.map((e) => e.type)).toEqual([
          'message.received',
          'customer.created',
          'message.received',
          'survey.answered',
          'sla.breached',
        ]);
        expect(events[3]?.data).toEqual({ question: 'csat', score: 5 });
        expect(events[4]?.data).toEqual({ target: 'firstResponse' });
        expect(events[0]?.data).toEqual({ channel: 'telegram' });
        expect(await store.getFlowSnapshot('cnv_1')).toBeUndefined();
        expect(await store.getRecord('link-codes', 'ABCD2345')).toBeUndefined();
        expect(await store.getRecord('flow-timers', 'cnv_1:reminder')).toBeUndefined();
        expect(await store.getRecord('reply-context', `botframework\u0000${BF_ID}`)).toBeUndefined();

        // Everyone else is as they were.
        expect(await store.getRecord('canned', 'greet')).toEqual({ text: 'Hello!' });
        expect(await store.listRecords('directline.activities.dl_ann')).toHaveLength(1);
        expect(await store.getCustomer('cus_2')).toEqual(other);
        expect(await store.findCustomerByIdentity('telegram', 'tg-ann')).toEqual(other);
        expect((await store.listMessages('cnv_2'))[0]?.text).toBe('Ann asks about her router');
        expect(events[2]?.data).toEqual({ text: 'Ann asks' });
      }
      await store.close();
    });

    it('lets the same person come back as a new customer, and keeps every write made during the erasure', async () => {
      const store = await factory.create();
      await seed(store);
      const during = Array.from({ length: 20 }, (_, i) =>
        store.commit({ messages: [message(`a-${i}`, 'cnv_2', { customerId: 'cus_2', text: `Ann ${i}` })] }),
      );
      await Promise.all([store.erase({ customerIds: ['cus_1', 'cus_m'] }), ...during]);
      expect((await store.listMessages('cnv_2')).map((m) => m.text)).toEqual([
        'Ann asks about her router',
        ...Array.from({ length: 20 }, (_, i) => `Ann ${i}`),
      ]);
      const back: Customer = {
        ...marco,
        id: 'cus_new',
        identities: [{ channel: 'telegram', externalId: TELEGRAM_ID }],
      };
      await store.commit({ customers: [back] });
      expect((await store.findCustomerByIdentity('telegram', TELEGRAM_ID))?.id).toBe('cus_new');
      await store.close();
    });
  });
}

describeErasure('memory', {
  async create() {
    const store = new MemoryStore();
    await store.open();
    return store;
  },
});

const root = tempDir('caredesk-erase-');
let n = 0;
const dirs = new WeakMap<Store, string>();

function embedded(name: string, options: EmbeddedStoreOptions): Factory {
  const factory: Factory = {
    async create() {
      const dir = join(root, `s${++n}`);
      const store = new EmbeddedStore(dir, options);
      await store.open();
      dirs.set(store, dir);
      return store;
    },
    async reopen(store) {
      const dir = dirs.get(store) as string;
      await store.close();
      const again = new EmbeddedStore(dir, options);
      await again.open();
      dirs.set(again, dir);
      return again;
    },
  };
  describeErasure(name, factory);
  return factory;
}

embedded('embedded (defaults)', {});
const tiny = embedded('embedded (checkpoint and new segment every few KB)', {
  checkpointBytes: 2_000,
  segmentBytes: 4_000,
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('erasure on the embedded store, on disk', () => {
  it('leaves no byte of the customer in any file of the data directory: journal segments, checkpoint, archive', async () => {
    let store = await tiny.create();
    const dir = dirs.get(store) as string;
    await seed(store);
    // Enough history after it for several segments, checkpoints and archived (resolved) conversations.
    for (let i = 0; i < 60; i++) {
      await store.commit({
        conversations: [conversation(`x${i}`, 'cus_2', { mode: i % 2 ? 'resolved' : 'bot' })],
        messages: [
          message(`xm${i}`, `x${i}`, { customerId: 'cus_2', text: `filler ${i} `.repeat(8) }),
          message(`mx${i}`, 'cnv_1', { text: `${SECRET} #${i}` }),
        ],
      });
    }
    store = await (tiny.reopen as NonNullable<Factory['reopen']>)(store);
    const hasMarco = filesUnder(dir).some((f) => readFileSync(f).includes(SECRET));
    expect(hasMarco).toBe(true);
    expect(filesUnder(join(dir, 'journal')).length).toBeGreaterThan(3);

    // What a crash in the middle of a checkpoint or of an earlier erasure leaves behind.
    writeFileSync(join(dir, 'state.json.tmp-4242'), SECRET);
    writeFileSync(join(dir, 'journal', '00000001.jsonl.tmp'), SECRET);

    await store.erase({ customerIds: ['cus_1', 'cus_m'] });
    await store.close();

    for (const file of filesUnder(dir)) {
      const bytes = readFileSync(file);
      for (const personal of [NAME, 'Marco R.', SECRET, 'IBAN', REPLY, TELEGRAM_ID, BF_ID]) {
        expect(bytes.includes(personal), `${personal} in ${file}`).toBe(false);
      }
    }
    const again = new EmbeddedStore(dir, { checkpointBytes: 2_000, segmentBytes: 4_000 });
    await again.open();
    expect(await again.listMessages('cnv_1')).toHaveLength(62);
    expect((await again.listMessages('x7'))[0]?.text).toBe('filler 7 '.repeat(8));
    await again.close();
  });
});

describe('erasing a customer: postgres', () => {
  let db: TestDatabase;
  const stores: PostgresStore[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await db.drop();
  });
  const open = async (): Promise<PostgresStore> => {
    const store = new PostgresStore(db.url, { poolSize: 4 });
    stores.push(store);
    await store.open();
    return store;
  };
  describeErasure('postgres', {
    async create() {
      const store = await open();
      await (store as unknown as { pool: { query(s: string): Promise<unknown> } }).pool.query(
        `TRUNCATE customers, customer_identities, conversations, messages, events, outbox, outbox_claims, flow_snapshots, agents, records;
         UPDATE desk_counters SET last_event_seq = 0, message_count = 0`,
      );
      return store;
    },
    async reopen(store) {
      await store.close();
      return open();
    },
  });
});
