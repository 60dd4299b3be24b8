export { advisoryKey, LIVE_CHANNEL, PostgresCoordinator } from './coordinator.js';
export { explainDatabaseError } from './health.js';
export { PostgresStore, type PostgresStoreOptions, redact } from './postgres-store.js';
export { keyOfRecord, recordKey } from './rows.js';
export {
  assertSchema,
  MIGRATIONS,
  type Migration,
  type MigrationStatus,
  migrate,
  migrationStatus,
  SCHEMA_VERSION,
  schemaVersion,
} from './schema.js';
