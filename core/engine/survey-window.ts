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
import type { Conversation } from '../domain.js';
import type { StoredRecord } from '../store/store.js';

export const SURVEY_WINDOW_COLLECTION = 'survey-window';

/** Whether the flow of this conversation may still hear survey answers at `now`. */
export function surveyOpen(c: Conversation, now: Date): boolean {
  return c.mode === 'resolved' && c.surveyUntil !== undefined && now.toISOString() < c.surveyUntil;
}

/** The record that points ingest at the customer's case in its survey window (`null` value: forget it). */
export function surveyWindowRecord(c: Conversation, open: boolean): StoredRecord {
  return { collection: SURVEY_WINDOW_COLLECTION, id: c.customerId, value: open ? { conversationId: c.id } : null };
}
