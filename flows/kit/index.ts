/**
 * The flow kit, as flow authors import it: `import { defineFlow, reply } from 'caredesk/flows'`.
 * Everything a flow file needs is here, XState's `setup` and `assign` too, so
 * that a project depends on caredesk alone and gets the XState caredesk runs.
 * Keep this list short and stable: each name is a promise to every project.
 */

// XState, re-exported: the machine a flow builds is run by the same XState as caredesk's engine.
export { and, assign, not, or, setup } from 'xstate';
// Types of what a flow hears and emits.
export type { FlowEffect, FlowEnv, FlowEvent, QuickReply, SurveyQuestion, WaitInfo } from '../../core/index.js';
// Commonly used: define a flow, say things, hand off.
export {
  CONVERSATION_START,
  connected,
  defineFlow,
  type Flow,
  type FlowInput,
  type FlowSamples,
  flowTypes,
  type StoredSnapshot,
  said,
} from './define.js';
export {
  cancelTimer,
  type HandoffSpec,
  handoff,
  lateBy,
  openSurvey,
  quickReplies,
  recordSurvey,
  reply,
  resolveConversation,
  setPriority,
  startTimer,
  tag,
  timerIs,
} from './effects.js';
