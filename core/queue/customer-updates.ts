/**
 * What a waiting customer is told by the desk itself (`desk.customerUpdates`):
 * their place and wait when they write while queued (at most once per
 * interval), and what happens next when their case reopens or goes back to
 * the queue. Each update is a system reply drafted into the same write as
 * the change that caused it; the place is the one the queue row shows.
 */
import type { Conversation } from '../domain.js';
import { deskPace, minutesToWait } from '../engine/wait.js';
import { draftOutbound } from '../outbox/outbound.js';
import type { ConversationChange, QueueContext } from './context.js';
import { placeAmong } from './queue-view.js';

type Texts = Readonly<Record<string, string>>;
type Update = Required<Pick<ConversationChange, 'conversation' | 'messages' | 'outbox' | 'events'>>;

/** The customer writing while queued: told their place and wait, unless they were told within the interval. */
export function placeDue(ctx: QueueContext, c: Conversation, now: Date): boolean {
  const { enabled, every } = ctx.config.customerUpdates.whileQueued;
  if (!enabled || c.mode !== 'queued') return false;
  const told = c.sla.placeToldAt;
  return told === undefined || now.getTime() - Date.parse(told) >= every;
}

/**
 * A system reply to the customer of `c` (as it will be written), in their
 * language, with `{place}`, `{of}` and `{wait}` filled in from the live queue.
 * Undefined when the customer is gone.
 */
export async function tellCustomer(
  ctx: QueueContext,
  c: Conversation,
  texts: Texts,
  now: Date,
): Promise<Update | undefined> {
  const { store } = ctx.desk;
  const customer = await store.getCustomer(c.customerId);
  if (!customer) return undefined;
  let text = pickText(texts, c.language ?? customer.language);
  if (c.mode === 'queued' && /\{(place|of|wait)\}/.test(text)) {
    const { place, of } = placeAmong(await store.listConversations({ modes: ['queued'] }), c);
    const wait = minutesToWait(place - 1, await deskPace(store, c.skill));
    text = fill(text, { place, of, wait });
  }
  const out = draftOutbound({ conversation: c, customer, author: 'system', text, now });
  return {
    conversation: { ...c, messageCount: c.messageCount + 1, sla: { ...c.sla, placeToldAt: now.toISOString() } },
    messages: [out.message],
    outbox: out.outbox ? [out.outbox] : [],
    events: [out.event],
  };
}

/** `change` with the update told in the same write. */
export function withUpdate(change: ConversationChange, update: Update | undefined): ConversationChange {
  if (!update) return change;
  return {
    ...change,
    conversation: update.conversation,
    messages: [...(change.messages ?? []), ...update.messages],
    outbox: [...(change.outbox ?? []), ...update.outbox],
    events: [...change.events, ...update.events],
  };
}

/** The text for `language` (`pt-BR` falls back to `pt`), else English, else any. */
export function pickText(texts: Texts, language: string | undefined): string {
  const lang = language?.toLowerCase();
  return (lang && (texts[lang] ?? texts[lang.split(/[-_]/)[0]!])) ?? texts.en ?? Object.values(texts)[0] ?? '';
}

function fill(text: string, values: Record<string, number>): string {
  return text.replace(/\{(place|of|wait)\}/g, (_, key: string) => String(values[key]));
}
