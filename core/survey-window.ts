/**
 * The survey window of a resolved conversation. When a flow asks its survey
 * (CSAT, effort) after a case is resolved, the case stays resolved; for a
 * bounded time the customer's next messages that the flow takes as answers
 * are stored in that case and go to its flow, instead of opening a new one.
 *
 * Ingest finds the case through one small record per customer (a pointer to
 * the conversation), so the lookup costs one map read and no scan; the
 * conversation's `surveyUntil` stays the truth (a stale pointer is ignored).
 */
import type { Conversation } from './domain.js';
import type { ParsedInbound } from './ingest.js';
import type { Store, StoredRecord } from './store/store.js';

export const SURVEY_WINDOW_COLLECTION = 'survey-window';

/** Whether the flow of this conversation may still hear survey answers at `now`. */
export function surveyOpen(c: Conversation, now: Date): boolean {
  return c.mode === 'resolved' && c.surveyUntil !== undefined && now.toISOString() < c.surveyUntil;
}

/** The record that points ingest at the customer's case in its survey window (`null` value: forget it). */
export function surveyWindowRecord(c: Conversation, open: boolean): StoredRecord {
  return { collection: SURVEY_WINDOW_COLLECTION, id: c.customerId, value: open ? { conversationId: c.id } : null };
}

/** Decides whether a flow in its survey takes this message as an answer (the flow engine implements it). */
export interface SurveyAnswerTaker {
  takesSurveyAnswer(conversation: Conversation, inbound: ParsedInbound): Promise<boolean>;
}

/**
 * The customer's resolved conversation whose survey this message answers, if
 * any: its window is open and its flow takes the message as an answer. A
 * message the flow does not take (a new problem, "it still does not work")
 * opens a new conversation, which the human side treats as a reopen.
 */
export async function surveyAnswered(
  store: Store,
  taker: Partial<SurveyAnswerTaker> | undefined,
  customerId: string,
  inbound: ParsedInbound,
  now: Date,
): Promise<Conversation | undefined> {
  if (taker?.takesSurveyAnswer === undefined || inbound.kind === 'edit' || inbound.kind === 'unsupported')
    return undefined;
  const pointer = (await store.getRecord(SURVEY_WINDOW_COLLECTION, customerId)) as
    | { conversationId?: unknown }
    | undefined;
  if (typeof pointer?.conversationId !== 'string') return undefined;
  const c = await store.getConversation(pointer.conversationId);
  if (!c || c.customerId !== customerId || !surveyOpen(c, now)) return undefined;
  return (await taker.takesSurveyAnswer(c, inbound)) ? c : undefined;
}
