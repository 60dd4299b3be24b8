/**
 * How a CLI command reaches a data directory without ever corrupting it:
 * it opens the store itself when the directory's lock is free, and asks the
 * server that holds the lock otherwise (its control route, found through
 * control.json). A server that is starting or stopping is waited for.
 */
import { accessSync, constants, existsSync, readdirSync, realpathSync } from 'node:fs';
import { ConfigError, Desk, EmbeddedStore, HumanDesk, type Store, StoreLockedError } from '../../core/index.js';
import type { Config } from '../config.js';
import { postgresStore } from '../store.js';
import { ControlBusyError, ControlClient, ControlConnectionError } from './client.js';
import { type ControlFile, controlFilePath, readControlFile, removeControlFile } from './control-file.js';
import { ControlUnavailableError } from './errors.js';
import { type DeskOperations, localOperations } from './operations.js';

export interface DeskSession {
  readonly ops: DeskOperations;
  /** `store`: this process opened the data directory; otherwise the server that owns it answered. */
  readonly via: 'store' | { readonly url: string; readonly pid: number };
  /** Releases the data directory (or does nothing, through a server). */
  close(): Promise<void>;
}

export interface OpenDeskOptions {
  /** Create the data directory if there is none yet (adding the first supervisor). Default: refuse. */
  readonly create?: boolean;
  /** How long to wait for a server that is starting or stopping, or for another command to finish (default 10 s). */
  readonly waitMs?: number;
}

interface Attempt {
  readonly session?: DeskSession;
  /** Why the lock's holder cannot be asked, for the message if waiting does not help. */
  readonly reason: string;
  /** Waiting cannot help: say so at once. */
  readonly final?: boolean;
  readonly advice?: string;
}

export async function openDesk(config: Config, options: OpenDeskOptions = {}): Promise<DeskSession> {
  // PostgreSQL takes any number of clients at once: the command works on the database itself.
  if (config.store === 'postgres') return databaseSession(config);
  const dir = config.dataDir;
  if (config.store !== 'embedded') {
    throw new ConfigError(
      `CAREDESK_STORE is "${config.store}": a server on the memory store keeps its agents and conversations inside its own process, where this command cannot reach them. Use the embedded store (the default) to manage them from the command line.`,
    );
  }
  if (!options.create && !existsSync(dir)) {
    throw new ConfigError(
      `There is no data directory at ${dir}. Point --data-dir (or CAREDESK_DATA_DIR) at the directory caredesk serve uses.`,
      { dataDir: dir },
    );
  }
  if (existsSync(dir) && !looksLikeDataDir(dir)) {
    // Opening creates journal/ and state.json: not in a directory given by mistake (a home, a project).
    throw new ConfigError(
      `${dir} does not look like a caredesk data directory: it is not empty and has no journal/ or state.json. Point --data-dir (or CAREDESK_DATA_DIR) at the directory caredesk serve uses.`,
      { dataDir: dir },
    );
  }
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  for (;;) {
    const store = new EmbeddedStore(dir, { fsync: config.fsync });
    let locked: StoreLockedError;
    try {
      await store.open();
      return localSession(store, config);
    } catch (err) {
      if (!(err instanceof StoreLockedError)) throw err;
      // Held from another host: its server is not ours to ask, and the error says what to do.
      if (err.details.otherHost === true) throw err;
      locked = err;
    }
    const attempt = await askServer(dir);
    if (attempt.session) return attempt.session;
    if (attempt.final || Date.now() >= deadline) {
      const holder = `another caredesk process (${String(locked.details.holder)})`;
      throw new ControlUnavailableError(dir, holder, attempt.reason, attempt.advice);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function localSession(store: EmbeddedStore, config: Config): DeskSession {
  // This process holds the lock, so no server runs here: a control.json is what a killed one left behind.
  removeControlFile(config.dataDir);
  return storeSession(store, config);
}

async function databaseSession(config: Config): Promise<DeskSession> {
  const store = await postgresStore(config);
  await store.open();
  return storeSession(store, config);
}

/** A desk of this process's own on an opened store, released on close. */
function storeSession(store: Store, config: Config): DeskSession {
  const desk = new Desk({ store });
  const human = new HumanDesk(desk, { config: config.desk });
  return {
    ops: localOperations(human),
    via: 'store',
    async close() {
      await desk.idle();
      await store.close();
    },
  };
}

async function askServer(dir: string): Promise<Attempt> {
  if (!readable(controlFilePath(dir))) {
    return {
      final: true,
      reason: 'its control.json is readable only by the user that runs it (it holds the secret of its control route)',
      advice: 'Run the command as that user, on this machine.',
    };
  }
  const control = readControlFile(dir);
  if (!control) {
    return {
      reason: 'it takes no commands (there is no control.json: it is not a caredesk serve, or one still starting)',
    };
  }
  if (!isRunning(control.pid)) {
    return { reason: `its control.json names pid ${control.pid}, which is not running (a server that was killed)` };
  }
  const client = new ControlClient(control);
  try {
    const status = await client.status();
    if (!sameDirectory(status.dataDir, dir)) {
      return { reason: `its control.json leads to the server of another data directory (${status.dataDir})` };
    }
  } catch (err) {
    if (err instanceof ControlConnectionError) {
      return { reason: `its control route at ${control.url} does not answer (${err.code})` };
    }
    if (err instanceof ControlBusyError) return { reason: `the server at ${control.url} is shutting down` };
    throw err;
  }
  return { session: remoteSession(client, control), reason: '' };
}

function remoteSession(client: ControlClient, control: ControlFile): DeskSession {
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ControlConnectionError || err instanceof ControlBusyError)) throw err;
      const why = err instanceof ControlConnectionError ? err.code : 'it is shutting down';
      throw new ControlUnavailableError(
        control.dataDir,
        `caredesk serve (pid ${control.pid}, ${control.url})`,
        `it stopped answering (${why}) before it confirmed`,
        'If you were changing something, run caredesk agents list to see whether the change was made before trying again.',
      );
    }
  };
  const ops: DeskOperations = {
    createAgent: (input) => guard(() => client.createAgent(input)),
    listAgents: () => guard(() => client.listAgents()),
    removeAgent: (id) => guard(() => client.removeAgent(id)),
    rotateToken: (id) => guard(() => client.rotateToken(id)),
    kpis: (since, by) => guard(() => client.kpis(since, by)),
    exportCustomer: (id) => guard(() => client.exportCustomer(id)),
    eraseCustomer: (id, reason) => guard(() => client.eraseCustomer(id, reason)),
    backup: (dir) => guard(() => client.backup(dir)),
  };
  return { ops, via: { url: control.url, pid: control.pid }, close: async () => undefined };
}

/** True when there is no file (nothing to be refused) or this user may read it. */
function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function looksLikeDataDir(dir: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    // Not a directory, or unreadable: the store's own open says what is wrong.
    return true;
  }
  return entries.length === 0 || entries.includes('journal') || entries.includes('state.json');
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sameDirectory(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
