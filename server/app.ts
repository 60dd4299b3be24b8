/**
 * caredesk's HTTP server: health, and the routes channels and the admin API
 * mount as plugins. Errors leave through http-errors.ts only, so every error
 * answer has the same shape.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import {
  CaredeskError,
  type Coordination,
  type DatabaseReport,
  type Desk,
  type HumanDesk,
  SoloCoordination,
} from '../core/index.js';
import type { Config } from './config.js';
import { errorHandler, notFoundHandler } from './http-errors.js';

export interface ServerContext {
  readonly config: Config;
  readonly desk: Desk;
  /** The human side: agents, the queue, desk actions, KPIs. */
  readonly human: HumanDesk;
  /** How this process works with the desk's others (default: alone). */
  readonly coordination?: Coordination;
}

/**
 * Mounts routes on the server (a channel's webhook, the admin API). Each runs
 * in its own fastify scope: its hooks and body parsers do not leak into the
 * others, and the error mapping still applies to it.
 */
export type ServerPlugin = (app: FastifyInstance, context: ServerContext) => void | Promise<void>;

export interface BuildServerOptions extends ServerContext {
  /** pino's logger, or anything with its shape. */
  readonly logger: FastifyBaseLogger;
  readonly plugins?: readonly ServerPlugin[];
}

export interface HealthBody {
  readonly status: 'ok' | 'unavailable';
  /** The data directory when asked from this machine; otherwise only the store's kind (`embedded`, `memory`). */
  readonly store: string;
  readonly conversations?: number;
  /** The PostgreSQL store's database: reachable, its schema version, the connection pool's use. */
  readonly database?: DatabaseReport;
  readonly error?: { readonly code: string; readonly message: string };
  /** Which process answered, whether it does the duties, and the desk's processes connected now. */
  readonly process?: ProcessReport;
}

export interface ProcessReport {
  readonly name: string;
  /** Long polling Telegram, delivering the outbox, firing timers: one process of the desk at a time. */
  readonly duties: boolean;
  /** Every process of the desk connected to its database now, by name (this one when alone). */
  readonly processes: readonly string[];
}

export function buildServer(options: BuildServerOptions): FastifyInstance {
  const { config, desk, human, logger } = options;
  const coordination = options.coordination ?? new SoloCoordination(config.processName);
  // A line per request costs more than the request at webhook rates: only when debugging.
  const logRequests = config.logLevel === 'debug' || config.logLevel === 'trace';
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: !logRequests }),
    // A bad URL or an over-long path parameter is answered by the router itself: same error shape.
    frameworkErrors: errorHandler,
    // request.ip (what the admin API throttles by) is the client's only behind a proxy named here.
    trustProxy: config.trustProxy === undefined ? false : [...config.trustProxy],
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  app.get('/healthz', async (request, reply): Promise<HealthBody> => {
    // /healthz needs no token, so the absolute data path (a map of the host's disk) is for this machine's operator only.
    const store = fromThisMachine(request) ? desk.store.location : config.store;
    const database = await desk.store.database?.();
    const process: ProcessReport = {
      name: coordination.processName,
      duties: coordination.hasDuties,
      processes: await coordination.processes().catch(() => []),
    };
    if (database && !database.reachable) {
      void reply.status(503).header('retry-after', '5');
      const error = { code: 'E_STORE_UNAVAILABLE', message: `The database cannot be reached: ${database.error}` };
      return { status: 'unavailable', store, database, error, process };
    }
    try {
      return { status: 'ok', store, conversations: await desk.store.countConversations(), database, process };
    } catch (err) {
      if (!(err instanceof CaredeskError)) throw err;
      void reply.status(503);
      return { status: 'unavailable', store, error: { code: err.code, message: err.message }, process };
    }
  });

  const context: ServerContext = { config, desk, human, coordination };
  for (const plugin of options.plugins ?? []) {
    void app.register(async (scope) => plugin(scope, context));
  }
  return app;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/**
 * From this machine, as the control route judges it: a loopback address or
 * the server's own, and not relayed — a proxy on this machine forwards for others.
 */
function fromThisMachine(request: FastifyRequest): boolean {
  const { headers } = request;
  if (headers['x-forwarded-for'] !== undefined || headers.forwarded !== undefined || headers['x-real-ip'] !== undefined)
    return false;
  const remote = request.socket.remoteAddress;
  return remote !== undefined && (LOOPBACK.test(remote) || remote === request.socket.localAddress);
}
