/**
 * One customer across channels. A customer proves that two identities are
 * theirs with a one-time code (`/link` on one channel, `/link CODE` on the
 * other), or an agent merges two customers. Every link keeps its evidence and
 * can be undone: unmerge restores both customers and their conversations.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { newId } from '../clock.js';
import type { Conversation, Customer, Identity, NewEvent } from '../domain.js';
import { CaredeskError, NotFoundError } from '../errors.js';
import type { EventBus } from '../event-bus.js';
import { customerLock } from '../ingest.js';
import type { Store } from '../store/store.js';
import type { Locks } from '../util/keyed-mutex.js';

export const LINK_CODE_TTL_MS = 10 * 60 * 1000;
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;
const CODES = 'link-codes';
const LINKS = 'customer-links';

export interface LinkDeps {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly locks: Locks;
}

const LinkCodeSchema = z.object({ customerId: z.string(), expiresAt: z.string() });

export const LinkEvidenceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('code'), code: z.string(), channel: z.string() }),
  z.object({ kind: z.literal('agent'), agentId: z.string(), reason: z.string().min(1).max(500) }),
  /**
   * The company's own site vouched for the identity (vouched.ts): its backend
   * signed, with WEBCHAT_SECRET, that its logged-in user `siteUserId` is also
   * `identity`. With `proof: 'signature'` the signed claim is kept whole
   * (`expires`, `identities`, `signature`), so it can be checked again later;
   * with `proof: 'secret'` the backend asked with the secret itself.
   */
  z.object({
    kind: z.literal('signed'),
    channel: z.string(),
    siteUserId: z.string(),
    identity: z.object({ channel: z.string(), externalId: z.string() }),
    proof: z.enum(['signature', 'secret']),
    identities: z.array(z.string()),
    expires: z.number().int().optional(),
    signature: z.string().optional(),
  }),
]);
export type LinkEvidence = z.infer<typeof LinkEvidenceSchema>;

export const CustomerLinkSchema = z.object({
  id: z.string(),
  survivorId: z.string(),
  mergedId: z.string(),
  evidence: LinkEvidenceSchema,
  movedIdentities: z.array(z.object({ channel: z.string(), externalId: z.string() })),
  movedConversationIds: z.array(z.string()),
  /** The merged customer's open conversation, closed because the survivor had one open too. */
  closed: z.object({ conversationId: z.string(), previousMode: z.string() }).optional(),
  at: z.string(),
  undone: z.object({ at: z.string(), by: z.string(), reason: z.string() }).optional(),
});
export type CustomerLink = z.infer<typeof CustomerLinkSchema>;

export class LinkCodeError extends CaredeskError {
  constructor(reason: 'unknown' | 'expired' | 'self') {
    super(
      'E_LINK_CODE',
      reason === 'self'
        ? 'This code was made on this same account; send it from your other channel.'
        : `This link code is ${reason === 'expired' ? 'expired' : 'not valid'}; send /link again to get a new one (codes last 10 minutes and work once).`,
      { reason },
    );
  }
}

/** `/link` on one channel: a fresh single-use code for this customer. */
export async function issueLinkCode(deps: LinkDeps, customerId: string): Promise<{ code: string; expiresAt: string }> {
  const code = Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
  const expiresAt = new Date(deps.clock.now().getTime() + LINK_CODE_TTL_MS).toISOString();
  await deps.store.commit({ records: [{ collection: CODES, id: code, value: { customerId, expiresAt } }] });
  return { code, expiresAt };
}

/** `/link CODE` on the other channel: the presenter is merged into the code's customer. */
export async function redeemLinkCode(
  deps: LinkDeps,
  rawCode: string,
  presenterId: string,
  channel: string,
): Promise<CustomerLink> {
  const code = rawCode.trim().toUpperCase();
  const found = LinkCodeSchema.safeParse(await deps.store.getRecord(CODES, code));
  if (!found.success) throw new LinkCodeError('unknown');
  if (found.data.expiresAt <= deps.clock.now().toISOString()) {
    await deps.store.commit({ records: [{ collection: CODES, id: code, value: null }] });
    throw new LinkCodeError('expired');
  }
  if (found.data.customerId === presenterId) throw new LinkCodeError('self');
  return mergeCustomers(deps, {
    survivorId: found.data.customerId,
    mergedId: presenterId,
    evidence: { kind: 'code', code, channel },
    consumeCode: code,
  });
}

export interface MergeRequest {
  readonly survivorId: string;
  readonly mergedId: string;
  readonly evidence: LinkEvidence;
  readonly consumeCode?: string;
}

/** Merges `mergedId` into `survivorId`: identities, conversations and history follow the survivor. */
export function mergeCustomers(deps: LinkDeps, req: MergeRequest): Promise<CustomerLink> {
  if (req.survivorId === req.mergedId) return Promise.reject(new LinkCodeError('self'));
  return withBoth(deps, req.survivorId, req.mergedId, async () => {
    const survivor = await live(deps.store, req.survivorId);
    const merged = await live(deps.store, req.mergedId);
    const now = deps.clock.now().toISOString();
    const conversations = await deps.store.listConversations({ customerId: merged.id });
    const survivorOpen = await deps.store.findOpenConversation(survivor.id);
    const mergedOpen = conversations.find((c) => c.mode !== 'resolved');
    const moved: Conversation[] = conversations.map((c) => ({ ...c, customerId: survivor.id, updatedAt: now }));
    let closed: CustomerLink['closed'];
    if (survivorOpen && mergedOpen) {
      // One customer has one open case: keep the survivor's, close the other as merged into it.
      closed = { conversationId: mergedOpen.id, previousMode: mergedOpen.mode };
      const i = moved.findIndex((c) => c.id === mergedOpen.id);
      moved[i] = {
        ...(moved[i] as Conversation),
        mode: 'resolved',
        resolvedAt: now,
        tags: [...mergedOpen.tags, 'merged'],
      };
    }
    const link: CustomerLink = {
      id: newId('evt').replace('evt_', 'lnk_'),
      survivorId: survivor.id,
      mergedId: merged.id,
      evidence: req.evidence,
      movedIdentities: merged.identities.map(({ channel, externalId }) => ({ channel, externalId })),
      movedConversationIds: conversations.map((c) => c.id),
      closed,
      at: now,
    };
    const event: NewEvent = {
      type: 'customer.merged',
      at: now,
      customerId: survivor.id,
      agentId: req.evidence.kind === 'agent' ? req.evidence.agentId : undefined,
      data: { linkId: link.id, mergedId: merged.id, evidence: req.evidence },
    };
    const result = await deps.store.commit({
      customers: [
        { ...merged, mergedInto: survivor.id },
        { ...survivor, identities: [...survivor.identities, ...merged.identities] },
      ],
      conversations: moved,
      events: [event],
      records: [
        { collection: LINKS, id: link.id, value: link },
        ...(req.consumeCode ? [{ collection: CODES, id: req.consumeCode, value: null }] : []),
      ],
    });
    deps.bus.publish(result.events);
    return link;
  });
}

/** Undoes a link: both customers and their conversations are as they were before it. */
export async function unmergeCustomers(
  deps: LinkDeps,
  linkId: string,
  by: { actor: string; reason: string },
): Promise<void> {
  const parsed = CustomerLinkSchema.safeParse(await deps.store.getRecord(LINKS, linkId));
  if (!parsed.success) throw new NotFoundError('customer link', linkId);
  const link = parsed.data;
  if (link.undone) throw new CaredeskError('E_LINK_UNDONE', `Link ${linkId} was already undone on ${link.undone.at}.`);
  await withBoth(deps, link.survivorId, link.mergedId, async () => {
    const survivor = await live(deps.store, link.survivorId);
    const merged = await deps.store.getCustomer(link.mergedId);
    if (!merged) throw new NotFoundError('customer', link.mergedId);
    const now = deps.clock.now().toISOString();
    const isMoved = (i: Identity): boolean =>
      link.movedIdentities.some((m) => m.channel === i.channel && m.externalId === i.externalId);
    const conversations: Conversation[] = [];
    for (const id of link.movedConversationIds) {
      const c = await deps.store.getConversation(id);
      if (!c) continue;
      const reopen = link.closed?.conversationId === id && c.tags.includes('merged');
      conversations.push({
        ...c,
        customerId: merged.id,
        updatedAt: now,
        ...(reopen
          ? {
              mode: link.closed?.previousMode as Conversation['mode'],
              resolvedAt: undefined,
              tags: c.tags.filter((t) => t !== 'merged'),
            }
          : {}),
      });
    }
    const { mergedInto: _gone, ...restored } = merged;
    const result = await deps.store.commit({
      customers: [{ ...survivor, identities: survivor.identities.filter((i) => !isMoved(i)) }, restored],
      conversations,
      events: [
        {
          type: 'customer.unmerged',
          at: now,
          customerId: survivor.id,
          data: { linkId, restoredId: merged.id, by: by.actor, reason: by.reason },
        },
      ],
      records: [
        { collection: LINKS, id: linkId, value: { ...link, undone: { at: now, by: by.actor, reason: by.reason } } },
      ],
    });
    deps.bus.publish(result.events);
  });
}

export async function listCustomerLinks(store: Store, customerId: string): Promise<CustomerLink[]> {
  const all = await store.listRecords(LINKS);
  return all
    .map((r) => CustomerLinkSchema.parse(r.value))
    .filter((l) => l.survivorId === customerId || l.mergedId === customerId);
}

async function live(store: Store, id: string): Promise<Customer> {
  const c = await store.getCustomer(id);
  if (!c) throw new NotFoundError('customer', id);
  if (c.mergedInto) {
    throw new CaredeskError('E_ALREADY_MERGED', `Customer ${id} was merged into ${c.mergedInto}; use that customer.`, {
      mergedInto: c.mergedInto,
    });
  }
  return c;
}

/** Both customers' locks, always taken in the same order so two merges cannot deadlock. */
function withBoth<T>(deps: LinkDeps, a: string, b: string, task: () => Promise<T>): Promise<T> {
  const [first, second] = [customerLock(a), customerLock(b)].sort() as [string, string];
  return deps.locks.run(first, () => deps.locks.run(second, task));
}
