/**
 * Erasing a customer on request (GDPR art. 17): the whole person (every
 * customer merged into the one named) is erased through Store.erase, under
 * their locks so that no message of theirs is stored meanwhile, and a
 * `customer.erased` event records who did it, why and how much was erased —
 * never what.
 */
import type { Clock } from '../clock.js';
import type { DomainEvent } from '../domain.js';
import { InvalidInputError, InvalidStateError } from '../errors.js';
import type { EventBus } from '../event-bus.js';
import { customerLock } from '../ingest.js';
import type { ErasureReport } from '../store/erasure.js';
import type { Store } from '../store/store.js';
import type { Locks } from '../util/keyed-mutex.js';
import { customerIdsOf, personOf } from './person.js';

export interface EraseDeps {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly locks: Locks;
}

export interface EraseRequest {
  readonly customerId: string;
  readonly reason: string;
  /** The supervisor who asked; none from the command line (the operator). */
  readonly agentId?: string;
}

export interface ErasureResult {
  /** Every customer id erased (the person's). */
  readonly customerIds: readonly string[];
  readonly erased: ErasureReport;
  readonly event: DomainEvent;
}

export const MAX_REASON_LENGTH = 500;
const ERASED = '[erased]';

export async function eraseCustomerData(deps: EraseDeps, req: EraseRequest): Promise<ErasureResult> {
  const reason = req.reason.trim();
  if (reason === '' || reason.length > MAX_REASON_LENGTH) {
    throw new InvalidInputError(
      `An erasure needs a reason of 1 to ${MAX_REASON_LENGTH} characters (e.g. "GDPR request #123"); it is kept in the audit.`,
    );
  }
  const person = await personOf(deps.store, req.customerId);
  const ids = customerIdsOf(person);
  const locks = ids.map(customerLock).sort();
  const run = (i: number, task: () => Promise<ErasureResult>): Promise<ErasureResult> =>
    i >= locks.length ? task() : deps.locks.run(locks[i] as string, () => run(i + 1, task));
  return run(0, async () => {
    for (const id of ids) {
      const open = await deps.store.findOpenConversation(id);
      if (open) {
        throw new InvalidStateError(
          `Customer ${id} has an open conversation (${open.id}, ${open.mode}); resolve it first, then erase the customer.`,
          { conversationId: open.id, mode: open.mode },
        );
      }
    }
    const erased = await deps.store.erase({ customerIds: ids });
    // The reason is the team's words: a name or a user id typed into it does not survive either.
    const personal = [person.customer, ...person.merged]
      .flatMap((c) => [c.displayName, ...c.identities.flatMap((i) => [i.displayName, i.externalId])])
      .filter((s): s is string => s !== undefined && s.length >= 3);
    const scrubbed = personal.reduce((text, s) => text.split(s).join(ERASED), reason);
    const { events } = await deps.store.commit({
      events: [
        {
          type: 'customer.erased',
          at: deps.clock.now().toISOString(),
          // Not `customerId`: an erasure of the same person again would erase this event's data too.
          agentId: req.agentId,
          data: {
            erasedCustomerId: person.customer.id,
            customers: ids.length,
            conversations: erased.conversations,
            messages: erased.messages,
            events: erased.events,
            reason: scrubbed,
            by: req.agentId ?? 'operator',
          },
        },
      ],
    });
    deps.bus.publish(events);
    return { customerIds: ids, erased, event: events[0] as DomainEvent };
  });
}
