/**
 * The contract between the engine (core) and flows: the events a flow
 * receives and the effects it emits. Flows never touch the store or a
 * channel; the engine turns their effects into one store commit.
 */
import type { Attachment, Priority, QuickReply } from '../domain.js';

/** What the live queue says about waiting for a human, given to the flow with every event. */
export interface WaitInfo {
  /** Expected minutes until an agent answers, at least 1 (see liveWaitEstimator). */
  readonly minutes: number;
  /** Conversations queued now, this one not included. */
  readonly queueLength: number;
  /** Whether the team works now (business hours). */
  readonly open: boolean;
  /** When the team is back, if it is closed now (ISO timestamp). */
  readonly reopensAt?: string;
}

/** Facts about the world at the moment of the event; flows read time from here, never from Date.now(). */
export interface FlowEnv {
  readonly now: string;
  readonly conversationId: string;
  readonly channel: string;
  readonly wait: WaitInfo;
}

export type FlowEvent =
  | {
      readonly type: 'customer.message';
      readonly text: string;
      readonly attachments: readonly Attachment[];
      /** Language the channel reported, if any. */
      readonly language?: string;
      readonly env: FlowEnv;
    }
  | { readonly type: 'customer.action'; readonly value: string; readonly env: FlowEnv }
  | { readonly type: 'agent.handback'; readonly agentId: string; readonly env: FlowEnv }
  | { readonly type: 'conversation.resolved'; readonly env: FlowEnv }
  | {
      readonly type: 'timer.fired';
      readonly name: string;
      /** When it was due (ISO timestamp): never after `env.now`, before it when it fires late (after downtime). */
      readonly dueAt: string;
      readonly env: FlowEnv;
    };

export type FlowEventType = FlowEvent['type'];

export type SurveyQuestion = 'csat' | 'effort';

export type FlowEffect =
  | { readonly type: 'reply'; readonly text: string; readonly quickReplies?: readonly QuickReply[] }
  | {
      readonly type: 'handoff';
      readonly reason: string;
      readonly topic?: string;
      readonly language?: string;
      readonly skill?: string;
    }
  | { readonly type: 'resolve' }
  | { readonly type: 'tag'; readonly tag: string }
  | { readonly type: 'setPriority'; readonly priority: Priority }
  | { readonly type: 'survey'; readonly question: SurveyQuestion; readonly score: number }
  /**
   * The flow asks its survey on a resolved case: for `windowMs` the customer's
   * messages the flow takes as answers reach it; the case stays resolved.
   */
  | { readonly type: 'survey.open'; readonly windowMs: number }
  /** Delayed transitions are kept by the engine (a store record), so they survive a restart. */
  | { readonly type: 'timer.set'; readonly name: string; readonly delayMs: number }
  | { readonly type: 'timer.cancel'; readonly name: string };

export type FlowEffectType = FlowEffect['type'];
export const FLOW_EFFECT_TYPES: readonly FlowEffectType[] = [
  'reply',
  'handoff',
  'resolve',
  'tag',
  'setPriority',
  'survey',
  'survey.open',
  'timer.set',
  'timer.cancel',
];
