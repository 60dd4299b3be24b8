// Commonly used

// Advanced
export * as deskActions from './actions.js';
export {
  type HandoffInput,
  HandoffInputSchema,
  planHandoff,
  type TransferTarget,
  TransferTargetSchema,
} from './actions.js';
export { note, reply } from './agent-messages.js';
export {
  type CannedInput,
  CannedInputSchema,
  type CannedResponse,
  createCanned,
  getCanned,
  listCanned,
  removeCanned,
  updateCanned,
} from './canned.js';
export {
  type DeskConfig,
  type DeskConfigInput,
  DeskConfigSchema,
  DurationSchema,
  parseDeskConfig,
  type RoutingRule,
  RoutingRuleSchema,
  type SlaPolicy,
  SlaPolicySchema,
  type Team,
  TeamSchema,
} from './config.js';
export type { FlowControl, QueueContext } from './context.js';
export {
  type ConversationDetail,
  type ConversationRow,
  type ConversationRowFilter,
  ConversationRowFilterSchema,
  type CustomerSummary,
  conversationDetail,
  listConversationRows,
  type PlaceInLine,
  placesInLine,
} from './conversation-rows.js';
export { decideCustomerMessage } from './customer-messages.js';
export { HumanDesk, type HumanDeskOptions } from './human-desk.js';
export { applyOwnership, type Ownership } from './ownership.js';
export {
  botMaySpeak,
  decideOwnership,
  modeOf,
  type OwnershipContext,
  type OwnershipDecision,
  type OwnershipEvent,
  type OwnershipSnapshot,
  ownershipMachine,
  ownershipSnapshot,
} from './ownership-machine.js';
export { compareUrgency, listQueue, placeInLine, type QueueFilter, QueueFilterSchema } from './queue-view.js';
export { autoAssign, fits, pickAgent, teamFor } from './routing.js';
export { bumpPriority, priorityRank, routeByRules } from './routing-rules.js';
export { escalateOverdue, nextClockworkAt, reassignSilent, superviseQueue } from './supervision.js';
export { policyWaitEstimator } from './wait-by-policy.js';
