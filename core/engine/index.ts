export {
  type FlowCatalog,
  FlowEngine,
  type FlowEngineOptions,
  matchQuickReply,
  type PersistedFlow,
  stateName,
} from './engine.js';
export { type FlowTimer, TIMER_COLLECTION } from './timers.js';
export type {
  FlowEffect,
  FlowEffectType,
  FlowEnv,
  FlowEvent,
  FlowEventType,
  SurveyQuestion,
  WaitInfo,
} from './types.js';
export { FLOW_EFFECT_TYPES } from './types.js';
export { liveWaitEstimator, type WaitEstimator } from './wait.js';
