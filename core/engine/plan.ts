/**
 * Turns one flow step (the effects a flow emitted and its new snapshot) into
 * the single WriteBatch the engine commits: reply Messages + OutboxEntries,
 * the conversation's update, the events, the snapshot and the timers.
 */

import {
  type Conversation,
  type Customer,
  conversationWith,
  type Message,
  type NewEvent,
  type OutboxEntry,
  type QuickReply,
} from '../domain.js';
import { draftOutbound } from '../outbox/outbound.js';
import type { HandoffPlanner } from '../pipeline.js';
import type { StoredRecord, WriteBatch } from '../store/store.js';
import { surveyWindowRecord } from './survey-window.js';
import { type FlowTimer, TIMER_COLLECTION, timerId } from './timers.js';
import type { FlowEffect } from './types.js';

/** What the engine persists per conversation: XState's snapshot plus the quick replies last offered. */
export interface PersistedFlow {
  readonly v: 1;
  readonly flow: string;
  readonly xstate: unknown;
  readonly quickReplies: readonly QuickReply[];
  /**
   * Different at every step: a process whose live actor has another stamp
   * than the stored snapshot knows another process stepped the flow since.
   */
  readonly stamp?: string;
}

export interface StepInput {
  readonly conversation: Conversation;
  readonly customer: Customer | undefined;
  readonly now: Date;
  readonly effects: readonly FlowEffect[];
  readonly flowState: string;
  /** The flow reached a final state: the conversation is closed. */
  readonly finished: boolean;
  /** `null` forgets the snapshot. */
  readonly persisted: PersistedFlow | null;
  readonly pendingTimers: readonly FlowTimer[];
  /** The step was started by a human giving the conversation back: the bot owns it again. */
  readonly takeBack: boolean;
  readonly firedTimer?: string;
  readonly failure?: { readonly reason: string; readonly flow: string };
  /** The human side's handoff (routing rules, SLA clocks); without it a handoff only queues the conversation. */
  readonly planHandoff?: HandoffPlanner;
}

export interface PlannedStep {
  readonly batch: WriteBatch;
  readonly timersSet: readonly FlowTimer[];
  readonly timersCleared: readonly string[];
  readonly finished: boolean;
}

export function planStep(s: StepInput): PlannedStep {
  const at = s.now.toISOString();
  const conversationId = s.conversation.id;
  const customerId = s.conversation.customerId;
  /** An event of this step: a literal each, cheaper than spreading one shared base into every event. */
  const event = (type: string, data: Record<string, unknown>): NewEvent => ({
    at,
    conversationId,
    customerId,
    type,
    data,
  });
  let c: Conversation = conversationWith(s.conversation, { updatedAt: at, flowState: s.flowState });
  // A human handing back gives the flow the conversation again. A resolve does not: the case stays resolved.
  if (s.takeBack) c = conversationWith(c, { mode: 'bot', assignee: undefined, handingBackSince: undefined });
  let surveyWindow: boolean | undefined;
  const messages: Message[] = [];
  const outbox: OutboxEntry[] = [];
  const events: NewEvent[] = [];
  const records: StoredRecord[] = [];
  const timersSet: FlowTimer[] = [];
  const timersCleared = new Set<string>();
  if (s.firedTimer) timersCleared.add(s.firedTimer);

  if (s.failure) events.push(event('flow.failed', { reason: s.failure.reason, flow: s.failure.flow }));
  for (const e of s.effects) {
    switch (e.type) {
      case 'reply': {
        if (!s.customer) break;
        const out = draftOutbound({
          conversation: c,
          customer: s.customer,
          author: 'bot',
          text: e.text,
          quickReplies: e.quickReplies,
          now: s.now,
        });
        messages.push(out.message);
        if (out.outbox) outbox.push(out.outbox);
        events.push(out.event);
        c = conversationWith(c, { messageCount: c.messageCount + 1 });
        break;
      }
      case 'handoff':
        // A resolved case is not reopened by its flow (a failing survey): the customer's next words reopen it.
        if (c.mode === 'resolved') break;
        if (s.planHandoff && c.mode === 'bot') {
          const tagged = conversationWith(c, {
            tags: e.topic && !c.tags.includes(e.topic) ? [...c.tags, e.topic] : c.tags,
          });
          const planned = s.planHandoff(
            tagged,
            { reason: e.reason.slice(0, 256), topic: e.topic, language: e.language, skill: e.skill },
            s.now,
          );
          c = planned.conversation;
          events.push(...planned.events);
          break;
        }
        c = conversationWith(c, {
          mode: 'queued',
          handoffReason: e.reason.slice(0, 256),
          topic: e.topic ?? c.topic,
          language: e.language ?? c.language,
          tags: e.topic && !c.tags.includes(e.topic) ? [...c.tags, e.topic] : c.tags,
          sla: { ...c.sla, queuedAt: at },
        });
        events.push(
          event('handoff.requested', {
            reason: e.reason,
            topic: e.topic,
            language: e.language ?? c.language,
            skill: e.skill,
          }),
        );
        break;
      case 'resolve':
        // Resolved the moment the bot says so (lists, KPIs, a second resolve refused); a survey may follow.
        if (c.mode === 'bot') {
          c = conversationWith(c, { mode: 'resolved', resolvedAt: c.resolvedAt ?? at });
          events.push(event('conversation.resolved', { by: 'bot', from: 'bot' }));
        }
        break;
      case 'tag':
        if (!c.tags.includes(e.tag) && c.tags.length < 64) {
          c = conversationWith(c, { tags: [...c.tags, e.tag] });
          events.push(event('conversation.tagged', { tag: e.tag }));
        }
        break;
      case 'setPriority':
        if (c.priority !== e.priority) {
          c = conversationWith(c, { priority: e.priority });
          events.push(event('conversation.prioritized', { priority: e.priority }));
        }
        break;
      case 'survey':
        events.push(event('survey.answered', { question: e.question, score: e.score }));
        break;
      case 'survey.open':
        // Only a resolved case has a survey window; an open one reaches its flow anyway.
        if (c.mode === 'resolved' && e.windowMs > 0) {
          c = conversationWith(c, { surveyUntil: new Date(s.now.getTime() + e.windowMs).toISOString() });
          surveyWindow = true;
        }
        break;
      case 'timer.set': {
        const timer = {
          conversationId: c.id,
          name: e.name,
          dueAt: new Date(s.now.getTime() + e.delayMs).toISOString(),
        };
        timersSet.push(timer);
        timersCleared.delete(e.name);
        break;
      }
      case 'timer.cancel':
        timersCleared.add(e.name);
        break;
    }
  }
  const finished = s.finished || s.failure !== undefined;
  if (finished) {
    // A finished flow keeps no timers.
    for (const t of s.pendingTimers) timersCleared.add(t.name);
    timersSet.length = 0;
    if (c.mode === 'bot') {
      if (!c.resolvedAt) events.push(event('conversation.resolved', { by: 'bot', closed: true }));
      c = conversationWith(c, { mode: 'resolved', resolvedAt: c.resolvedAt ?? at });
    }
    if (c.surveyUntil !== undefined) {
      c = conversationWith(c, { surveyUntil: undefined });
      surveyWindow = false;
    }
  }
  if (surveyWindow !== undefined) records.push(surveyWindowRecord(c, surveyWindow));
  for (const t of timersSet)
    records.push({ collection: TIMER_COLLECTION, id: timerId(t.conversationId, t.name), value: t });
  for (const name of timersCleared) {
    if (!timersSet.some((t) => t.name === name))
      records.push({ collection: TIMER_COLLECTION, id: timerId(c.id, name), value: null });
  }
  if (c.mode !== s.conversation.mode && c.mode !== 'queued') {
    events.push(event('conversation.mode_changed', { from: s.conversation.mode, to: c.mode }));
  }
  return {
    batch: {
      conversations: [c],
      messages,
      outbox,
      events,
      records,
      flowSnapshots: [{ conversationId: c.id, snapshot: finished ? null : s.persisted }],
    },
    timersSet,
    timersCleared: [...timersCleared].filter((n) => !timersSet.some((t) => t.name === n)),
    finished,
  };
}
