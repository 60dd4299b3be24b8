export { EmbeddedStore, type EmbeddedStoreOptions } from './embedded/embedded-store.js';
export {
  ERASED_EXTERNAL_ID,
  type ErasureReport,
  type ErasureTarget,
  eraseEventData,
  isErasedCustomer,
} from './erasure.js';
export { MemoryStore } from './memory-store.js';
export type {
  CommitResult,
  ConversationFilter,
  DatabaseReport,
  DeliveryWrite,
  FlowSnapshotWrite,
  OutboxFilter,
  Store,
  StoredRecord,
  WriteBatch,
} from './store.js';
