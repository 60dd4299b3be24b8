import { afterAll, beforeAll } from 'vitest';
import { PostgresStore } from '../../../core/store/postgres/postgres-store.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { describeStoreContract } from './store-contract.js';

let db: TestDatabase;
const stores: PostgresStore[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  await db.drop();
});

/** Each test starts from empty tables: truncating is quicker than a database per test. */
async function emptyStore(): Promise<PostgresStore> {
  const store = new PostgresStore(db.url, { poolSize: 4 });
  stores.push(store);
  await store.open();
  await (store as unknown as { pool: { query(s: string): Promise<unknown> } }).pool.query(
    `TRUNCATE customers, customer_identities, conversations, messages, events, outbox, outbox_claims, flow_snapshots, agents, records;
     UPDATE desk_counters SET last_event_seq = 0, message_count = 0`,
  );
  return store;
}

describeStoreContract('postgres', {
  create: emptyStore,
  async reopen(store) {
    await store.close();
    const again = new PostgresStore(db.url, { poolSize: 4 });
    stores.push(again);
    await again.open();
    return again;
  },
});
