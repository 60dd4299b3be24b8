/**
 * Identities a company vouches for. Its website knows the logged-in person
 * (their Web Chat identity) and, from its own records, their identity on
 * another channel (the Telegram user id its Telegram login gave it…). Its
 * backend signs that; the channel checks the signature and hands the claim
 * here, and the customers are linked as a `/link` code links them — with the
 * signed claim as the link's evidence, so it can be checked again and undone.
 *
 * An identity that has not written yet has no customer to link: the claim is
 * presented again on every visit (each token request), so the link is made on
 * the first visit after it has.
 */
import { type Clock, newId } from '../clock.js';
import type { Channel, Customer } from '../domain.js';
import { identityLock } from '../ingest.js';
import { type CustomerLink, type LinkDeps, type LinkEvidence, mergeCustomers } from './linking.js';

export interface ChannelIdentity {
  readonly channel: Channel;
  readonly externalId: string;
}

export interface VouchedClaim {
  /** The identity the claim came with (Web Chat's `user:<site user id>`), and the name the site gave. */
  readonly presenter: ChannelIdentity & { readonly displayName?: string };
  /** The identities the site says are the same person. */
  readonly vouched: readonly ChannelIdentity[];
  /** What each link records besides the identity it links. */
  readonly evidence: Omit<Extract<LinkEvidence, { kind: 'signed' }>, 'kind' | 'identity'>;
}

/**
 * Merges the presenter's customer and every vouched identity's into one
 * (the vouched one survives: it is usually the older, with the history);
 * returns the links made, none when they already are one customer.
 */
export async function linkVouchedIdentities(deps: LinkDeps, claim: VouchedClaim): Promise<CustomerLink[]> {
  const links: CustomerLink[] = [];
  for (const identity of claim.vouched) {
    const other = await deps.store.findCustomerByIdentity(identity.channel, identity.externalId);
    if (!other) continue;
    const presenter = await presenterCustomer(deps, claim.presenter);
    if (presenter.id === other.id) continue;
    links.push(
      await mergeCustomers(deps, {
        survivorId: other.id,
        mergedId: presenter.id,
        evidence: { kind: 'signed', ...claim.evidence, identity: { ...identity } },
      }),
    );
  }
  return links;
}

/**
 * The presenter's customer, made now if they have not written yet (under the
 * identity's lock, as the message path makes one): a merge needs two customers.
 */
function presenterCustomer(
  deps: LinkDeps & { readonly clock: Clock },
  presenter: VouchedClaim['presenter'],
): Promise<Customer> {
  return deps.locks.run(identityLock(presenter.channel, presenter.externalId), async () => {
    const known = await deps.store.findCustomerByIdentity(presenter.channel, presenter.externalId);
    if (known) return known;
    const now = deps.clock.now().toISOString();
    const customer: Customer = {
      id: newId('cus'),
      identities: [
        { channel: presenter.channel, externalId: presenter.externalId, displayName: presenter.displayName },
      ],
      displayName: presenter.displayName,
      createdAt: now,
    };
    const result = await deps.store.commit({
      customers: [customer],
      events: [{ type: 'customer.created', at: now, customerId: customer.id, data: { channel: presenter.channel } }],
    });
    deps.bus.publish(result.events);
    return customer;
  });
}
