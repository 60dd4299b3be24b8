/**
 * A customer's data as one JSON document (GDPR art. 15 and 20): who they
 * are on each channel, their links, every conversation with its messages,
 * and their survey answers. Read through the Store interface only, so every
 * store gives the same document.
 */
import type { Conversation, Customer, Message } from '../domain.js';
import type { CustomerLink } from '../identity/index.js';
import type { Store } from '../store/store.js';
import { customerIdsOf, personOf } from './person.js';

export const EXPORT_FORMAT = 'caredesk.customer-export.v1';

export interface SurveyAnswer {
  readonly conversationId: string;
  readonly question: string;
  readonly score: number;
  readonly at: string;
}

export interface CustomerExport {
  readonly format: typeof EXPORT_FORMAT;
  readonly exportedAt: string;
  readonly customer: Customer;
  /** The customers merged into `customer` (each identity they came with is in `customer.identities` too). */
  readonly mergedCustomers: readonly Customer[];
  readonly links: readonly CustomerLink[];
  /** Oldest first, each with its messages (internal notes left out: they are the team's, not the customer's). */
  readonly conversations: ReadonlyArray<{ readonly conversation: Conversation; readonly messages: readonly Message[] }>;
  readonly surveyAnswers: readonly SurveyAnswer[];
}

/** Events read at a time while looking for survey answers. */
const PAGE = 1_000;

export async function exportCustomer(store: Store, customerId: string, now: Date): Promise<CustomerExport> {
  const person = await personOf(store, customerId);
  const ids = customerIdsOf(person);
  const seen = new Set<string>();
  const conversations: Conversation[] = [];
  for (const id of ids) {
    for (const c of await store.listConversations({ customerId: id })) {
      if (!seen.has(c.id)) conversations.push(c);
      seen.add(c.id);
    }
  }
  conversations.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const cases = [];
  for (const conversation of conversations) {
    const messages = (await store.listMessages(conversation.id)).filter((m) => !m.internal);
    cases.push({ conversation, messages });
  }
  return {
    format: EXPORT_FORMAT,
    exportedAt: now.toISOString(),
    customer: person.customer,
    mergedCustomers: person.merged,
    links: person.links,
    conversations: cases,
    surveyAnswers: await surveyAnswers(store, seen),
  };
}

/** Survey answers live only as events: the whole event history is read (an export is rare). */
async function surveyAnswers(store: Store, conversationIds: ReadonlySet<string>): Promise<SurveyAnswer[]> {
  const out: SurveyAnswer[] = [];
  const last = await store.lastEventSeq();
  for (let after = 0; after < last; after += PAGE) {
    for (const e of await store.listEvents(after, PAGE)) {
      if (e.type !== 'survey.answered' || e.conversationId === undefined || !conversationIds.has(e.conversationId))
        continue;
      if (typeof e.data.question !== 'string' || typeof e.data.score !== 'number') continue;
      out.push({ conversationId: e.conversationId, question: e.data.question, score: e.data.score, at: e.at });
    }
  }
  return out;
}
