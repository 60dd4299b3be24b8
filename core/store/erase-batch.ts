/**
 * The write that erases a customer from a store's live state: their
 * customers, conversations (archived ones too), outbox entries, records and
 * flow snapshots, as erasure.ts rules. History (messages, events, what the
 * journal holds) is each store's to rewrite.
 */
import {
  type ErasureReport,
  type ErasureScope,
  eraseConversation,
  eraseCustomer,
  eraseOutbox,
  type Mutable,
} from './erasure.js';
import type { StoreState } from './state.js';
import type { StoredRecord, WriteBatch } from './store.js';

export function erasureBatch(state: StoreState, scope: ErasureScope, report: Mutable<ErasureReport>): WriteBatch {
  const customers = [...scope.customerIds].flatMap((id) => {
    const c = state.customers.get(id);
    if (!c) return [];
    scope.addIdentities(c);
    return [eraseCustomer(c)];
  });
  const conversations = [...scope.customerIds].flatMap((customerId) => state.listConversations({ customerId }));
  for (const c of conversations) scope.addConversation(c.id);
  const outbox = [...scope.conversationIds].flatMap((conversationId) => state.listOutbox({ conversationId }));
  for (const o of outbox) scope.addOutbox(o.id);
  const records: StoredRecord[] = [];
  for (const [collection, byId] of state.records) {
    for (const [id, value] of byId) {
      if (scope.ownsRecord({ id, value }, collection)) records.push({ collection, id, value: null });
    }
  }
  report.customers = customers.length;
  report.conversations = conversations.length;
  report.outbox = outbox.length;
  report.records = records.length;
  return {
    customers,
    conversations: conversations.map(eraseConversation),
    outbox: outbox.map(eraseOutbox),
    records,
    flowSnapshots: [...scope.conversationIds].map((conversationId) => ({ conversationId, snapshot: null })),
  };
}
