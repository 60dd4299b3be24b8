/**
 * The person behind a customer id: the survivor of their links and every
 * customer merged into it by a link not undone. Export and erasure act on
 * the whole person, whichever of their ids is given.
 */
import type { Customer } from '../domain.js';
import { NotFoundError } from '../errors.js';
import { type CustomerLink, listCustomerLinks } from '../identity/index.js';
import type { Store } from '../store/store.js';

export interface Person {
  /** The customer the others were merged into (the one given, if it was never merged). */
  readonly customer: Customer;
  /** Customers merged into it, oldest link first. */
  readonly merged: readonly Customer[];
  /** Every link between them, undone ones too. */
  readonly links: readonly CustomerLink[];
}

export const customerIdsOf = (p: Person): string[] => [p.customer.id, ...p.merged.map((c) => c.id)];

export async function personOf(store: Store, customerId: string): Promise<Person> {
  let customer = await store.getCustomer(customerId);
  if (!customer) throw new NotFoundError('customer', customerId);
  const seen = new Set<string>([customer.id]);
  while (customer.mergedInto !== undefined && !seen.has(customer.mergedInto)) {
    const survivor: Customer | undefined = await store.getCustomer(customer.mergedInto);
    if (!survivor) break;
    seen.add(survivor.id);
    customer = survivor;
  }
  const merged: Customer[] = [];
  const links: CustomerLink[] = [];
  const ids = [customer.id];
  const done = new Set<string>();
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    for (const link of await listCustomerLinks(store, id)) {
      if (done.has(link.id)) continue;
      done.add(link.id);
      links.push(link);
      if (link.undone || link.survivorId !== id || ids.includes(link.mergedId)) continue;
      const m = await store.getCustomer(link.mergedId);
      if (!m) continue;
      ids.push(m.id);
      merged.push(m);
    }
  }
  return { customer, merged, links };
}
