/**
 * `caredesk demo` without the terminal UI: a real server on a throw-away data
 * directory, a team with a supervisor account, and simulated customers
 * writing in English and Italian over the Bot Framework protocol.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig, type ServerHandle, startServer } from '../../server/index.js';
import type { CustomerLine } from './customer.js';
import { Simulation } from './simulation.js';
import { createTeam, type DemoAccount, startTeamWork } from './team.js';

export interface DemoOptions {
  /** How many customers come in all. */
  readonly customers: number;
  /** How many arrive per minute. */
  readonly perMinute: number;
  /** Leave the temporary directory (data and log) in place when the demo stops. */
  readonly keep: boolean;
  /** A colleague works some English cases on their own (default true). */
  readonly teamWork?: boolean;
  /** How long the colleague pauses before and between cases, and between their messages (ms). Default 45 s and 5 s. */
  readonly teamPace?: { readonly breakMs: number; readonly stepMs: number };
  /** A customer's pause before answering (ms). Default 2–6 s. */
  readonly thinkMs?: readonly [number, number];
  readonly onLine?: (line: CustomerLine) => void;
}

export interface Demo {
  readonly url: string;
  readonly supervisor: DemoAccount;
  /** The temporary directory: `data/` (the store) and `caredesk.log`. */
  readonly root: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly server: ServerHandle;
  /** Lets the customers come and the team work (separate, so that the caller can print first). */
  start(): void;
  /** Stops customers, team and server, then removes the directory unless `keep`. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const root = mkdtempSync(join(tmpdir(), 'caredesk-demo-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'caredesk.log');
  const removeRoot = () => {
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  };
  // The terminal belongs to the UI (or to the summary): the server logs to a file.
  const logger = pino({ level: 'info' }, pino.destination({ dest: logFile, sync: true }));
  // Only what the demo sets: a Telegram token or config file in the environment must not reach a demo.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', CAREDESK_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
  let server: ServerHandle;
  try {
    server = await startServer(config, { logger, handleSignals: false });
  } catch (err) {
    removeRoot();
    throw err;
  }
  const logError = (what: string) => (err: unknown) => logger.warn({ err }, `demo: ${what}`);

  let team: Awaited<ReturnType<typeof createTeam>>;
  try {
    team = await createTeam(server.human);
  } catch (err) {
    await server.close();
    removeRoot();
    throw err;
  }
  const [worker] = team.colleagues;
  let stopping: Promise<void> | undefined;
  let work: { stop(): Promise<void> } | undefined;
  const simulation = new Simulation({
    server: server.url,
    customers: options.customers,
    perMinute: options.perMinute,
    thinkMs: options.thinkMs ?? [2_000, 6_000],
    nudgeAfterMs: 60_000,
    onLine: options.onLine,
    onError: logError('a simulated customer'),
  });
  const start = (): void => {
    if (stopping) return;
    simulation.start();
    if ((options.teamWork ?? true) && worker && !work) {
      const pace = options.teamPace ?? { breakMs: 45_000, stepMs: 5_000 };
      work = startTeamWork(server.human, worker, { ...pace, onError: logError('a colleague') });
    }
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      simulation.halt();
      await work?.stop();
      // The customers' channels stay open until the server has delivered what it was sending.
      // A customer's keep-alive connection that was mid-request when the close began is not
      // closed by it once idle, and would hold the shutdown for the keep-alive timeout (72 s).
      const sweep = setInterval(() => server.app.server.closeIdleConnections(), 100);
      try {
        await server.close();
      } finally {
        clearInterval(sweep);
        await simulation.stop();
        logger.flush();
        removeRoot();
      }
    })();
    return stopping;
  };

  return { url: server.url, supervisor: team.supervisor, root, dataDir, logFile, server, start, stop };
}
