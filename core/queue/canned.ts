/**
 * Canned responses: the team's saved replies, kept as small documents in
 * the store (`canned` records). Creating, changing and removing one is an
 * event with the acting agent, like every admin action.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { MAX_TEXT_LENGTH, type NewEvent } from '../domain.js';
import { describeIssues, InvalidInputError, NotFoundError } from '../errors.js';
import type { EventBus } from '../event-bus.js';
import type { Store } from '../store/store.js';

const COLLECTION = 'canned';

const CannedText = z.string().min(1).max(MAX_TEXT_LENGTH);

export const CannedInputSchema = z.object({
  title: z.string().trim().min(1).max(128),
  // Kept as written (leading line breaks may be meant), but a reply of spaces only is no reply.
  text: CannedText.refine((t) => t.trim() !== '', 'is blank; write the reply it should insert'),
  /** Shown to agents with one of these skills first; empty: everyone. */
  skills: z.array(z.string().max(64)).max(32).default([]),
  language: z.string().max(16).optional(),
});
export type CannedInput = z.input<typeof CannedInputSchema>;

// Not blank-checked: a response stored before that check must stay readable (and removable).
export const CannedResponseSchema = CannedInputSchema.extend({
  text: CannedText,
  id: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
});
export type CannedResponse = z.infer<typeof CannedResponseSchema>;

export interface CannedDeps {
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
}

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw new InvalidInputError(`The canned response is invalid: ${describeIssues(r.error.issues)}`);
  return r.data;
}

async function write(deps: CannedDeps, id: string, value: CannedResponse | null, event: NewEvent): Promise<void> {
  const result = await deps.store.commit({ records: [{ collection: COLLECTION, id, value }], events: [event] });
  deps.bus.publish(result.events);
}

export async function listCanned(store: Store): Promise<CannedResponse[]> {
  const all = (await store.listRecords(COLLECTION)).flatMap(({ value }) => {
    const r = CannedResponseSchema.safeParse(value);
    return r.success ? [r.data] : [];
  });
  return all.sort((a, b) => a.title.localeCompare(b.title));
}

export async function getCanned(store: Store, id: string): Promise<CannedResponse> {
  const r = CannedResponseSchema.safeParse(await store.getRecord(COLLECTION, id));
  if (!r.success) throw new NotFoundError('canned response', id);
  return r.data;
}

export async function createCanned(deps: CannedDeps, raw: CannedInput, agentId: string): Promise<CannedResponse> {
  const input = parse(CannedInputSchema, raw);
  const at = deps.clock.now().toISOString();
  const canned: CannedResponse = {
    ...input,
    id: `can_${randomUUID().slice(0, 12)}`,
    createdBy: agentId,
    updatedAt: at,
  };
  await write(deps, canned.id, canned, {
    type: 'canned.created',
    at,
    agentId,
    data: { cannedId: canned.id, title: canned.title },
  });
  return canned;
}

export async function updateCanned(
  deps: CannedDeps,
  id: string,
  raw: Partial<CannedInput>,
  agentId: string,
): Promise<CannedResponse> {
  const current = await getCanned(deps.store, id);
  const change = parse(CannedInputSchema.partial(), raw);
  const at = deps.clock.now().toISOString();
  const canned: CannedResponse = { ...current, ...change, updatedAt: at };
  await write(deps, id, canned, { type: 'canned.updated', at, agentId, data: { cannedId: id } });
  return canned;
}

export async function removeCanned(deps: CannedDeps, id: string, agentId: string): Promise<void> {
  await getCanned(deps.store, id);
  const at = deps.clock.now().toISOString();
  await write(deps, id, null, { type: 'canned.removed', at, agentId, data: { cannedId: id } });
}
