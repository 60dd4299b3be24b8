/**
 * Starts caredesk: open the store, make the Desk, serve HTTP. Shutting down
 * runs the same steps backwards (stop taking requests, let the flows started
 * so far finish, flush and release the store), on close() or on SIGINT/SIGTERM.
 */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import {
  type Coordination,
  Desk,
  EventFollower,
  FlowEngine,
  HumanDesk,
  ListenError,
  type Logger,
  policyWaitEstimator,
  SoloCoordination,
  type Store,
} from '../core/index.js';
import { careKnowledge } from '../flows/care/flow.js';
import { loadFlowRegistry } from '../flows/project/index.js';
import { adminPlugin } from './admin/index.js';
import { buildServer, type ServerPlugin } from './app.js';
import { type Channels, enabledChannels } from './channels.js';
import type { Config } from './config.js';
import { controlPlugin } from './control/index.js';
import { Duties } from './duties.js';
import { metricsPlugin } from './metrics.js';
import { openStore } from './store.js';

export interface StartOptions {
  /** Default: pino at the configured level, JSON lines on stdout. */
  readonly logger?: pino.Logger;
  readonly plugins?: readonly ServerPlugin[];
  /** Shut down on SIGINT/SIGTERM (default true; tests running in-process turn it off). */
  readonly handleSignals?: boolean;
}

export interface ServerHandle {
  readonly app: FastifyInstance;
  readonly desk: Desk;
  readonly human: HumanDesk;
  /** How this process coordinates with the desk's others (alone: SoloCoordination). */
  readonly coordination: Coordination;
  /** Whether this process does the duties now (polling, delivery, timers). */
  readonly duties: Duties;
  /** Where the server answers, with the actual port (PORT=0 picks one). */
  readonly url: string;
  /** Stops the server; the same shutdown a signal starts. Safe to call twice. */
  close(): Promise<void>;
  /** Settles when the server has shut down, however that started. */
  readonly closed: Promise<void>;
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<ServerHandle> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const store: Store = await openStore(config, logger);

  // The care bot's articles: a folder of the team's own, read now (an invalid one stops the start) and on SIGHUP.
  if (config.knowledgeDir) careKnowledge.reload(config.knowledgeDir);
  const flows = await loadFlowRegistry(config.flows);
  let engine!: FlowEngine;
  let human!: HumanDesk;
  // Several processes on one database coordinate through it; alone, a process coordinates with nobody.
  const coordination =
    store.coordinator?.({ processName: config.processName, logger }) ?? new SoloCoordination(config.processName);
  const shared = coordination.shared;
  // The composition root: the desk builds its parts in order (the bot side, then the human side).
  const desk = new Desk({
    store,
    logger,
    locks: coordination,
    flowFor: flows.flowFor,
    // The wait a flow tells a customer follows the same hours as the case's SLA clocks (its channel's policy).
    engine: (d) => {
      engine = new FlowEngine(d, {
        flows,
        estimateWait: policyWaitEstimator(config.desk),
        sharedStore: shared,
        holdsTimers: !shared,
      });
      return engine;
    },
    human: (d) => {
      human = new HumanDesk(d, { config: config.desk });
      return human;
    },
  });
  // Other processes' events reach this one's supervisors and clockwork.
  const follower = shared ? new EventFollower({ store, bus: desk.bus, logger }) : undefined;
  let duties: Duties | undefined;
  let shuttingDown = false;
  await coordination.start({
    commit: (news) => follower?.heard(news),
    reconnected: () => {
      follower?.catchUp();
      desk.outbox.kick();
    },
    live: (payload) => desk.live.heard(payload),
    dutiesTaken: () => duties?.take(),
    dutiesLost: () => duties?.giveUp(shuttingDown ? 'shutdown' : 'lost'),
  });
  desk.live.connect(coordination, logger);
  await follower?.start();
  await engine.start();
  // Messages a crash left stored but unhandled are answered before new ones come in.
  const resumed = await desk.resumePending();
  if (resumed > 0) logger.info({ resumed }, 'handled messages left pending by the last run');
  const channels = await enabledChannels(config, desk, logger, { shared });
  // The channels' limits are the desk's: each process sends at its share (the count looked at now and then).
  const sharing = shared ? shareLimitsOf(coordination, desk.live, channels, logger) : undefined;
  const app = buildServer({
    config,
    desk,
    human,
    coordination,
    logger,
    plugins: [...channels.plugins, adminPlugin, controlPlugin, metricsPlugin, ...(options.plugins ?? [])],
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app.close().catch(() => undefined);
    await engine.stop();
    follower?.stop();
    await coordination.close();
    await store.close();
    throw asListenError(err, config) ?? err;
  }
  const url = serverUrl(app, config.host);
  logger.info({ url }, `caredesk listening on ${url}`);
  const held = new Duties({ channels, engine, human, logger });
  duties = held;
  try {
    await channels.start();
    // Alone: the duties at once. With others: when no other process holds them (now, or once it dies).
    coordination.seekDuties();
    await held.settled();
  } catch (err) {
    shuttingDown = true;
    await coordination.releaseDuties();
    await held.settled();
    await app.close().catch(() => undefined);
    await channels.stop().catch(() => undefined);
    await engine.stop();
    follower?.stop();
    await coordination.close();
    await store.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting without waiting for the shutdown to finish');
      process.exit(1);
    }
    logger.info({ signal }, 'shutting down (send the signal again to exit at once)');
    close().catch(() => {
      process.exitCode = 1;
    });
  };
  // SIGHUP reloads the care bot's knowledge base; an invalid file keeps the articles it had.
  const onHangup = (): void => {
    try {
      const loaded = careKnowledge.reload();
      logger.info(loaded, `care knowledge base reloaded: ${loaded.articles} articles`);
    } catch (err) {
      logger.error({ err }, 'care knowledge base not reloaded; the bot answers from the articles it had');
    }
  };
  const handleSignals = options.handleSignals ?? true;
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('SIGHUP', onHangup);
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      try {
        // Given up first, so that another process takes them at once.
        shuttingDown = true;
        await coordination.releaseDuties();
        await held.settled();
        await app.close();
        clearInterval(sharing);
        await channels.stop();
        await engine.stop();
        await desk.idle();
        follower?.stop();
        await coordination.close();
        await store.close();
        logger.info({ store: store.location }, 'caredesk stopped');
      } catch (err) {
        logger.error({ err }, 'shutdown failed');
        throw err;
      } finally {
        if (handleSignals) {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          process.off('SIGHUP', onHangup);
        }
        markClosed();
      }
    })();
    return closing;
  }

  return { app, desk, human, coordination, duties: held, url, close, closed };
}

/** How often a process counts the desk's processes, to send at its share of a channel's limits. */
const SHARE_LIMITS_EVERY_MS = 5_000;

/** What a process tells the others as it starts: they count again at once, so as not to send over the desk's limit. */
const PROCESS_JOINED_SIGNAL = 'process.joined';

function shareLimitsOf(
  coordination: Coordination,
  live: Desk['live'],
  channels: Channels,
  logger: Logger,
): NodeJS.Timeout {
  const count = () =>
    coordination.processes().then(
      (names) => channels.shareLimits(names.length),
      (err: unknown) => logger.debug({ err }, 'processes not counted; the channels keep their share'),
    );
  live.on(PROCESS_JOINED_SIGNAL, () => void count());
  live.tell(PROCESS_JOINED_SIGNAL, {});
  void count();
  // A process gone is noticed at the next count (until then the others send below their share, never above).
  const timer = setInterval(() => void count(), SHARE_LIMITS_EVERY_MS);
  timer.unref();
  return timer;
}

/** The errors a user meets when the address is wrong or taken, worded for them; others pass through. */
function asListenError(err: unknown, config: Config): ListenError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    EADDRINUSE: 'the port is already used by another program',
    EACCES: 'this user may not use that port (ports below 1024 need privileges)',
    EADDRNOTAVAIL: 'that address does not belong to this machine',
    ENOTFOUND: 'the host name does not resolve',
    EAI_AGAIN: 'the host name does not resolve',
  };
  const reason = code === undefined ? undefined : reasons[code];
  return reason === undefined ? undefined : new ListenError(config.host, config.port, reason, { cause: err });
}

function serverUrl(app: FastifyInstance, host: string): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
