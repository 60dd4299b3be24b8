/**
 * What copying a desk into PostgreSQL reads from the desk it copies: the
 * Store interface plus the few listings it lacks (the embedded store has
 * them), and the walk over every conversation that the copy and its
 * verification share.
 */
import type { Conversation, Customer } from '../../domain.js';
import type { Store } from '../store.js';

/** A desk to copy: a Store that can also list its customers, flow snapshots and record collections. */
export interface DeskSource extends Store {
  /** Every customer, merged ones too. */
  customers(): Iterable<Customer>;
  /** The ids of the conversations that have a flow snapshot. */
  flowSnapshotIds(): Iterable<string>;
  recordCollections(): Iterable<string>;
}

/**
 * Every conversation, a page of about `pageSize` at a time, customer by
 * customer (a customer's conversations are never split across two pages):
 * only a page's conversations are in memory at once, however big the desk.
 */
export async function* conversationPages(
  source: DeskSource,
  pageSize: number,
): AsyncGenerator<Conversation[], void, undefined> {
  let page: Conversation[] = [];
  for (const customer of source.customers()) {
    const theirs = await source.listConversations({ customerId: customer.id });
    // As listed (newest first, ties in the order opened): PostgreSQL breaks ties of activity by insertion order.
    for (const c of theirs) page.push(c);
    if (page.length >= pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

/** Every customer, `pageSize` at a time. */
export function* customerPages(source: DeskSource, pageSize: number): Generator<Customer[], void, undefined> {
  let page: Customer[] = [];
  for (const customer of source.customers()) {
    page.push(customer);
    if (page.length >= pageSize) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}
