/**
 * The store a configuration names, made and opened: the embedded one in
 * CAREDESK_DATA_DIR (default), PostgreSQL at DATABASE_URL, or memory. The
 * PostgreSQL client is loaded only when asked for.
 */
import { ConfigError, EmbeddedStore, type Logger, MemoryStore, type Store } from '../core/index.js';
import type { Config } from './config.js';

export async function openStore(config: Config, logger: Logger): Promise<Store> {
  if (config.store === 'memory') {
    const store = new MemoryStore();
    await store.open();
    logger.warn({ store: 'memory' }, 'caredesk keeps its data in memory only: everything is lost when it stops');
    return store;
  }
  if (config.store === 'postgres') {
    const store = await postgresStore(config, logger);
    await store.open();
    logger.info({ database: store.location }, `caredesk database: ${store.location}`);
    return store;
  }
  const store = new EmbeddedStore(config.dataDir, { fsync: config.fsync });
  await store.open();
  logger.info({ dataDir: store.location }, `caredesk data directory: ${store.location}`);
  if (!config.fsync) logger.warn({}, 'CAREDESK_FSYNC is false: a power cut can lose the last acknowledged writes');
  return store;
}

/** A PostgreSQL store for the configured database, not opened yet. */
export async function postgresStore(config: Config, logger?: Logger) {
  const url = config.database.url;
  if (url === undefined) throw new ConfigError('DATABASE_URL is not set; set it to the PostgreSQL database’s URL.');
  const { PostgresStore } = await import('../core/store/postgres/index.js');
  return new PostgresStore(url, {
    poolSize: config.database.poolSize,
    statementTimeoutMs: config.database.statementTimeoutMs,
    logger,
  });
}
