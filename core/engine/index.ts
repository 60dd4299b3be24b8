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
export {
  // The SLA's business hours (core/sla) are richer; the wait estimate will move onto them.
  type BusinessHours as FlowBusinessHours,
  DEFAULT_BUSINESS_HOURS,
  isOpen as isOpenForFlows,
  liveWaitEstimator,
  nextOpening,
  type WaitEstimator,
} from './wait.js';
