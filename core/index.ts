/**
 * caredesk's core: the domain, the store and the pipeline. It imports no
 * channel, UI or HTTP library; channels, the server and the TUI build on it.
 */

// The human side: agents, queue, SLA, KPIs
export * from './agents/index.js';
export { type Clock, type IdKind, ManualClock, newId, systemClock } from './clock.js';
// Advanced
export * from './cluster/index.js';
// The HTTP APIs' contract (admin API, control route)
export * from './contract/index.js';
export {
  type Arrival,
  type ConversationEngine,
  Desk,
  type DeskOptions,
  type HandoffPlanner,
  type HumanDecision,
  type HumanSide,
  type MessageStep,
  type OutboxKick,
  OutboxSignal,
  type StoredIngest,
} from './desk.js';
// Commonly used
export * from './domain.js';
// Flow engine
export * from './engine/index.js';
export * from './errors.js';
export { EventBus, type EventHandler, type EventOrigin, type SubscribeOptions } from './event-bus.js';
export * from './identity/index.js';
export type { Inbound, IngestDeps, IngestResult, ParsedInbound } from './ingest.js';
export { customerLock, InboundSchema, parseInbound } from './ingest.js';
export * from './kpi/index.js';
export { type Logger, silentLogger } from './logger.js';
export type { ChannelSender, SendOutcome } from './outbox/channel-sender.js';
export {
  type DeliveryOptions,
  OUTBOX_CLAIM_MS,
  OUTBOX_STALE_MS,
  OutboxDelivery,
  type PassResult,
} from './outbox/delivery.js';
export { draftOutbound, type Outbound, type OutboundDraft } from './outbox/outbound.js';
export {
  attachmentKindOf,
  type FileUpload,
  forgetStoredFiles,
  readStoredFile,
  STORED_FILES,
  type StoredFile,
  storedFileId,
  storeFiles,
} from './outbox/stored-files.js';
export { sendSystemReply } from './outbox/system-reply.js';
export { PENDING_COLLECTION, receiveMessage, resumePending } from './pipeline.js';
export * from './queue/index.js';
export * from './sla/index.js';
// Store
export * from './store/index.js';
export { type BackoffPolicy, backoffDelay, MAX_TIMEOUT_MS } from './util/backoff.js';
export { KeyedMutex, type Locks } from './util/keyed-mutex.js';
export { sameSecret } from './util/same-secret.js';
