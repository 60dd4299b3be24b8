import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Agent,
  type Conversation,
  type Customer,
  Desk,
  EmbeddedStore,
  type Message,
  type OutboxEntry,
} from '../../core/index.js';
import { CopyMismatchError, verifyCopy } from '../../core/store/postgres/import.js';
import { PostgresStore } from '../../core/store/postgres/index.js';
import { loadConfig } from '../../server/config.js';
import { copyDataDir } from '../../server/postgres-import.js';
import { caredesk } from '../cli/run-caredesk.js';
import { tempDir } from '../core/store/temp-dir.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const root = tempDir('caredesk-import-');
const deskDir = join(root, 'desk');
const databases: TestDatabase[] = [];
const stores: PostgresStore[] = [];

async function database(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const db = await createTestDatabase(options);
  databases.push(db);
  return db;
}
async function openPostgres(url: string): Promise<PostgresStore> {
  const store = new PostgresStore(url, { poolSize: 2 });
  stores.push(store);
  await store.open();
  return store;
}
const configFor = (url: string) => loadConfig({ DATABASE_URL: url, CAREDESK_FSYNC: 'false' });

afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  for (const db of databases) await db.drop().catch(() => undefined);
});

// Every timestamp distinct and in order, as a desk writes them.
let tick = Date.parse('2026-11-02T09:00:00.000Z');
const at = (): string => {
  tick += 1_000;
  return new Date(tick).toISOString();
};

const agent = (id: string, name: string, role: Agent['role']): Agent => ({
  id,
  name,
  role,
  skills: ['billing'],
  languages: ['en', 'it'],
  capacity: 3,
  presence: 'online',
  tokenHash: `hash-${id}`,
  createdAt: at(),
});

const customer = (id: string, identities: Customer['identities'], extra: Partial<Customer> = {}): Customer => ({
  id,
  identities,
  createdAt: at(),
  ...extra,
});

const conversation = (id: string, customerId: string, extra: Partial<Conversation> = {}): Conversation => {
  const t = at();
  return {
    id,
    customerId,
    channel: 'telegram',
    mode: 'bot',
    flow: 'care',
    tags: [],
    priority: 'normal',
    sla: {},
    createdAt: t,
    updatedAt: t,
    lastMessageAt: t,
    messageCount: 0,
    ...extra,
  };
};

let messageNo = 0;
const message = (c: Conversation, text: string, extra: Partial<Message> = {}): Message => ({
  id: `msg_${++messageNo}`,
  conversationId: c.id,
  customerId: c.customerId,
  channel: c.channel,
  direction: 'inbound',
  author: 'customer',
  text,
  attachments: [],
  channelMessageId: `tg-${messageNo}`,
  internal: false,
  createdAt: at(),
  ...extra,
});

const outbox = (id: string, m: Message, status: OutboxEntry['status'], extra: Partial<OutboxEntry> = {}) =>
  ({
    id,
    messageId: m.id,
    conversationId: m.conversationId,
    channel: m.channel,
    recipient: '4242',
    text: m.text,
    quickReplies: [{ label: 'Yes, solved', value: 'yes' }],
    status,
    attempts: status === 'pending' ? 0 : 1,
    notBefore: m.createdAt,
    createdAt: m.createdAt,
    ...extra,
  }) satisfies OutboxEntry;

/**
 * A desk as one in use looks: customers who wrote in through the real ingest,
 * one merged into another, open, queued, owned and resolved conversations
 * (some of them in the checkpoint's archive, some only in the journal's tail),
 * replies delivered, pending and failed, flow snapshots, agents and records.
 */
async function buildDesk(dir: string): Promise<void> {
  const store = new EmbeddedStore(dir, { fsync: false });
  await store.open();
  const desk = new Desk({ store });
  for (const [user, text] of [
    ['7001', 'hello, my router blinks red'],
    ['7002', 'ciao, la fattura è sbagliata'],
    ['7001', 'still blinking'],
  ] as const) {
    await desk.receive({
      channel: 'telegram',
      externalUserId: user,
      channelMessageId: `in-${user}-${text.length}`,
      text,
    });
  }

  const ann = agent('agt_ann', 'Ann Smith', 'supervisor');
  const bo = agent('agt_bo', 'Bo Li', 'agent');
  const gone = agent('agt_gone', 'Left Already', 'agent');
  await store.commit({ agents: [ann, bo, gone] });
  await store.commit({ removeAgents: [gone.id] });

  const ada = customer('cus_ada', [
    { channel: 'telegram', externalId: 'ada-tg', displayName: 'Ada' },
    { channel: 'botframework', externalId: 'ada-teams' },
  ]);
  const bea = customer('cus_bea', [{ channel: 'devchat', externalId: 'bea' }], { language: 'it' });
  const twin = customer('cus_twin', [{ channel: 'telegram', externalId: 'twin-tg' }]);
  await store.commit({ customers: [ada, bea, twin] });

  const adaOld = conversation('cnv_ada_old', ada.id, { topic: 'billing' });
  const adaOldMessages = [
    message(adaOld, 'I was charged twice'),
    message(adaOld, 'Sorry about that, refunded.', { direction: 'outbound', author: 'agent', agentId: bo.id }),
    message(adaOld, 'internal: refund #991', {
      direction: 'outbound',
      author: 'agent',
      agentId: bo.id,
      internal: true,
    }),
  ];
  const twinCase = conversation('cnv_twin', twin.id);
  const twinMessages = [message(twinCase, 'is this the same Ada? 👋 — “quotes”, \\ backslash, \u0000 nul')];
  await store.commit({
    conversations: [adaOld, twinCase],
    messages: [...adaOldMessages, ...twinMessages],
    events: [
      { type: 'conversation.opened', at: at(), conversationId: adaOld.id, customerId: ada.id, data: {} },
      { type: 'message.received', at: at(), conversationId: twinCase.id, customerId: twin.id, data: { n: 1 } },
    ],
    flowSnapshots: [
      { conversationId: adaOld.id, snapshot: { value: 'awaitingAnswer', context: { tries: 1 } } },
      { conversationId: twinCase.id, snapshot: { value: 'greeting' } },
    ],
    records: [
      { collection: 'link-codes', id: 'K7Q2', value: { customerId: ada.id, expiresAt: at() } },
      { collection: 'link-codes', id: 'OLD1', value: { customerId: bea.id } },
      { collection: 'canned', id: 'refund', value: { text: 'Your refund is on its way.' } },
    ],
  });
  const reply = adaOldMessages[1] as Message;
  await store.commit({
    outbox: [
      outbox('out_delivered', reply, 'pending'),
      outbox('out_failed', reply, 'failed', { lastError: 'blocked' }),
    ],
  });
  await store.commit({
    deliveries: [{ outboxId: 'out_delivered', attempts: 2, deliveredAt: at(), channelMessageId: 'tg-out-1' }],
    events: [{ type: 'message.delivered', at: at(), conversationId: adaOld.id, data: { outboxId: 'out_delivered' } }],
    records: [{ collection: 'link-codes', id: 'OLD1', value: null }],
  });

  // Ada's old case is resolved and the twin merged into her; then a checkpoint: both go to the archive.
  await store.commit({
    conversations: [
      { ...adaOld, mode: 'resolved', resolvedAt: at(), messageCount: 3, lastMessageAt: at() },
      { ...twinCase, customerId: ada.id, mode: 'resolved', resolvedAt: at(), lastMessageAt: at() },
    ],
    customers: [
      { ...twin, mergedInto: ada.id },
      { ...ada, identities: [...ada.identities, { channel: 'telegram', externalId: 'twin-tg' }] },
    ],
    flowSnapshots: [{ conversationId: adaOld.id, snapshot: null }],
    events: [
      { type: 'conversation.resolved', at: at(), conversationId: adaOld.id, agentId: bo.id, data: {} },
      { type: 'customer.merged', at: at(), customerId: ada.id, data: { merged: twin.id } },
    ],
  });
  // Many events, so that the copy reads old ones from the journal, not from the store's recent ones.
  for (let i = 0; i < 3; i++) {
    await store.commit({
      events: Array.from({ length: 2_000 }, (_, k) => ({
        type: 'sla.checked',
        at: at(),
        data: { round: i, k },
      })),
    });
  }
  await store.checkpoint();

  // After the checkpoint: only in the journal's tail.
  const adaNew = conversation('cnv_ada_new', ada.id, {
    mode: 'agent',
    assignee: bo.id,
    priority: 'high',
    tags: ['vip'],
    sla: { queuedAt: at(), firstResponseDueAt: at() },
    reopenOf: adaOld.id,
  });
  const beaCase = conversation('cnv_bea', bea.id, { channel: 'devchat', mode: 'queued', skill: 'billing' });
  const adaNewMessages = [
    message(adaNew, 'charged twice AGAIN', {
      attachments: [{ kind: 'image', ref: 'file-1', name: 'invoice.png', mimeType: 'image/png', size: 2048 }],
    }),
    message(adaNew, 'Looking into it now.', { direction: 'outbound', author: 'agent', agentId: bo.id }),
  ];
  const beaMessages = [message(beaCase, 'ciao?', { channel: 'devchat', channelMessageId: undefined })];
  await store.commit({
    conversations: [adaNew, beaCase],
    messages: [...adaNewMessages, ...beaMessages],
    outbox: [outbox('out_pending', adaNewMessages[1] as Message, 'pending')],
    flowSnapshots: [
      { conversationId: adaNew.id, snapshot: { value: 'handedOff' } },
      { conversationId: beaCase.id, snapshot: { value: 'awaitingAnswer', context: { lang: 'it' } } },
    ],
    events: [{ type: 'conversation.assigned', at: at(), conversationId: adaNew.id, agentId: bo.id, data: {} }],
    records: [{ collection: 'canned', id: 'hello', value: { text: 'Hello!' } }],
  });
  await store.close();
}

/** Every read of the Store interface gives the same answer on both stores. */
async function expectSameAnswers(embedded: EmbeddedStore, copy: PostgresStore): Promise<void> {
  expect(await copy.countConversations()).toBe(await embedded.countConversations());
  expect(await copy.countMessages()).toBe(await embedded.countMessages());
  expect(await copy.lastEventSeq()).toBe(await embedded.lastEventSeq());

  for (const c of embedded.customers()) {
    expect(await copy.getCustomer(c.id)).toEqual(c);
    for (const i of c.identities) {
      expect(await copy.findCustomerByIdentity(i.channel, i.externalId)).toEqual(
        await embedded.findCustomerByIdentity(i.channel, i.externalId),
      );
    }
    expect(await copy.findOpenConversation(c.id)).toEqual(await embedded.findOpenConversation(c.id));
    expect(await copy.listConversations({ customerId: c.id })).toEqual(
      await embedded.listConversations({ customerId: c.id }),
    );
  }

  const conversations = await embedded.listConversations();
  expect(await copy.listConversations()).toEqual(conversations);
  for (const filter of [
    { modes: ['resolved' as const] },
    { modes: ['queued' as const, 'agent' as const] },
    { limit: 2 },
  ]) {
    expect(await copy.listConversations(filter)).toEqual(await embedded.listConversations(filter));
  }
  for (const c of conversations) {
    expect(await copy.getConversation(c.id)).toEqual(c);
    const messages = await embedded.listMessages(c.id);
    expect(await copy.listMessages(c.id)).toEqual(messages);
    for (const m of messages) {
      if (m.direction === 'inbound' && m.channelMessageId !== undefined) {
        expect(await copy.findMessageIdByChannelId(m.channel, m.channelMessageId)).toBe(m.id);
      }
    }
    expect(await copy.getFlowSnapshot(c.id)).toEqual(await embedded.getFlowSnapshot(c.id));
  }

  const last = await embedded.lastEventSeq();
  expect(await copy.listEvents(0, last + 10)).toEqual(await embedded.listEvents(0, last + 10));
  expect(await copy.listEvents(17, 5)).toEqual(await embedded.listEvents(17, 5));

  for (const filter of [{}, { status: 'pending' as const }, { status: 'delivered' as const }]) {
    expect(await copy.listOutbox(filter)).toEqual(await embedded.listOutbox(filter));
  }
  for (const o of await embedded.listOutbox()) expect(await copy.getOutboxEntry(o.id)).toEqual(o);

  expect(await copy.listAgents()).toEqual(await embedded.listAgents());
  for (const a of await embedded.listAgents()) expect(await copy.findAgentByTokenHash(a.tokenHash)).toEqual(a);

  for (const collection of embedded.recordCollections()) {
    expect(await copy.listRecords(collection)).toEqual(await embedded.listRecords(collection));
  }
}

async function withDesk<T>(dir: string, fn: (store: EmbeddedStore) => Promise<T>): Promise<T> {
  const store = new EmbeddedStore(dir, { fsync: false });
  await store.open();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  mkdirSync(deskDir);
  await buildDesk(deskDir);
});

describe('caredesk migrate --from-data-dir', () => {
  let copied: TestDatabase;

  it('a desk copied into PostgreSQL answers every read as its data directory did', async () => {
    copied = await database();
    const lines: string[] = [];
    const summary = await copyDataDir(deskDir, configFor(copied.url), (line) => lines.push(line));

    const conversations = await withDesk(deskDir, (s) => s.countConversations());
    expect(summary.transcripts).toBe(conversations);
    expect(lines).toContain(`verified: ${conversations} transcripts match`);
    expect(lines.join('\n')).toMatch(/copied \d+ customers and 2 agents/);

    const copy = await openPostgres(copied.url);
    await withDesk(deskDir, (embedded) => expectSameAnswers(embedded, copy));
    // The merged twin's identity leads to Ada, as it did.
    expect((await copy.findCustomerByIdentity('telegram', 'twin-tg'))?.id).toBe('cus_ada');
    expect(await copy.getFlowSnapshot('cnv_ada_old')).toBeUndefined();
    expect(await copy.getRecord('link-codes', 'OLD1')).toBeUndefined();
  });

  it('a server on the copy numbers its next event after the desk’s last one', async () => {
    const copy = await openPostgres(copied.url);
    const last = await copy.lastEventSeq();
    const { events } = await copy.commit({ events: [{ type: 'sla.checked', at: at(), data: {} }] });
    expect(events[0]?.seq).toBe(last + 1);
  });

  it('refuses a database that already holds a desk, and leaves it as it was', async () => {
    const copy = await openPostgres(copied.url);
    const before = await copy.countConversations();
    await expect(copyDataDir(deskDir, configFor(copied.url), () => undefined)).rejects.toThrow(
      /is not empty \(it holds customers, customer identities, conversations, messages, events.*Point DATABASE_URL/,
    );
    expect(await copy.countConversations()).toBe(before);
  });

  it('a copy that fails half-way leaves the database empty, and running it again copies the desk', async () => {
    const db = await database();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      // The disk fills up, say, when Bea's message is written: after the customers and most conversations.
      await admin.query(`CREATE FUNCTION fail_on_bea() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.conversation_id = 'cnv_bea' THEN RAISE EXCEPTION 'could not extend file: No space left on device'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER fail_on_bea BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION fail_on_bea()`);
      const lines: string[] = [];
      await expect(copyDataDir(deskDir, configFor(db.url), (line) => lines.push(line))).rejects.toThrow(
        /Copying into .* failed \(could not extend file: No space left on device\)\. Nothing was kept/,
      );
      expect(lines.at(-1)).toMatch(/^Nothing was kept: the copy was rolled back and the database is empty again/);
      const left = await admin.query<{ n: string }>(
        'SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM conversations) + (SELECT count(*) FROM messages) + (SELECT count(*) FROM events) AS n',
      );
      expect(Number(left.rows[0]?.n)).toBe(0);

      await admin.query('DROP TRIGGER fail_on_bea ON messages');
      const summary = await copyDataDir(deskDir, configFor(db.url), () => undefined);
      expect(summary.transcripts).toBe(await withDesk(deskDir, (s) => s.countConversations()));
    } finally {
      await admin.end();
    }
  });

  it('refuses a database whose schema was not created, saying to run caredesk migrate', async () => {
    const bare = await database({ migrated: false });
    await expect(copyDataDir(deskDir, configFor(bare.url), () => undefined)).rejects.toMatchObject({
      code: 'E_STORE_SCHEMA',
    });
  });

  it('refuses a directory that holds no desk, instead of copying an empty one', async () => {
    const db = await database();
    const empty = join(root, 'not-a-desk');
    mkdirSync(empty);
    await expect(copyDataDir(empty, configFor(db.url), () => undefined)).rejects.toThrow(
      /is not a caredesk data directory/,
    );
  });

  it('the command creates the schema, copies the desk and prints the verification', async () => {
    const db = await database({ migrated: false });
    const run = await caredesk(['migrate', '--from-data-dir', deskDir], { DATABASE_URL: db.url });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('applied 0001 desk');
    const conversations = await withDesk(deskDir, (s) => s.countConversations());
    expect(run.stdout).toContain(`verified: ${conversations} transcripts match`);
    const copy = await openPostgres(db.url);
    await withDesk(deskDir, (embedded) => expectSameAnswers(embedded, copy));
  }, 60_000);

  it('refuses a data directory that a running caredesk holds, saying to stop it first', async () => {
    const db = await database();
    const held = new EmbeddedStore(deskDir, { fsync: false });
    await held.open();
    try {
      const run = await caredesk(['migrate', '--from-data-dir', deskDir], { DATABASE_URL: db.url });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/is in use by another caredesk process \(.*\)\. Stop it first.*\[E_STORE_LOCKED\]/);
    } finally {
      await held.close();
    }
    const copy = await openPostgres(db.url);
    expect(await copy.countConversations()).toBe(0);
  }, 60_000);
});

describe('verifying a copy', () => {
  let db: TestDatabase;
  let client: pg.Client;
  const deskCopy = join(root, 'desk-for-verify');

  beforeAll(async () => {
    cpSync(deskDir, deskCopy, { recursive: true });
    db = await database();
    await copyDataDir(deskCopy, configFor(db.url), () => undefined);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
  });

  const verify = () => withDesk(deskCopy, (s) => verifyCopy(s, client, 'the test database'));

  it('names the conversation whose transcript was changed in the database, and the message', async () => {
    const target = await withDesk(deskCopy, (s) => s.listMessages('cnv_ada_old'));
    const second = target[1] as Message;
    await client.query(`UPDATE messages SET doc = $2::json WHERE id = $1`, [
      second.id,
      JSON.stringify({ ...second, text: 'Sorry about that.' }),
    ]);
    const failure = await verify().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(CopyMismatchError);
    expect((failure as Error).message).toContain(
      `conversation cnv_ada_old's transcript differs at message 2 of 3 (${second.id})`,
    );
    await client.query(`UPDATE messages SET doc = $2::json WHERE id = $1`, [second.id, JSON.stringify(second)]);
    const conversations = await withDesk(deskCopy, (s) => s.countConversations());
    await expect(verify()).resolves.toMatchObject({ transcripts: conversations });
  });

  it('names a missing message, a changed event, a changed conversation and a wrong count', async () => {
    await client.query('BEGIN');
    try {
      await client.query(`DELETE FROM messages WHERE conversation_id = 'cnv_bea'`);
      await client.query(
        `UPDATE events SET doc = json_build_object('type', 'sla.breached', 'at', at, 'data', '{}'::json) WHERE seq = 5`,
      );
      await client.query(`DELETE FROM agents WHERE id = 'agt_bo'`);
      await client.query(
        `UPDATE conversations SET doc = json_build_object('id', id, 'priority', 'low') WHERE id = 'cnv_ada_new'`,
      );
      const failure = await verify().catch((err: unknown) => err);
      expect(failure).toMatchObject({ code: 'E_STORE_CORRUPT' });
      const message = (failure as Error).message;
      expect(message).toContain('agents: 2 in the data directory, 1 in the database');
      expect(message).toMatch(/messages: \d+ in the data directory, \d+ in the database/);
      expect(message).toMatch(/event 5 \([a-z.]+\) differs in the database/);
      expect(message).toContain(
        "conversation cnv_bea's transcript has 1 messages in the data directory, 0 in the database",
      );
    } finally {
      await client.query('ROLLBACK');
    }
  });
});
