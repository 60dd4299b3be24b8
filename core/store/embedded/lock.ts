/**
 * One process owns a data directory. The lock is a file created exclusively
 * (`LOCK`, mode 0600) that records who took it: pid, the process's start
 * time, host, command line and when. A lock whose process is gone (killed
 * with -9, a crash) is taken over, under a short-lived recovery mutex so that
 * two starting processes cannot both take it over.
 *
 * Whether it is gone is read from /proc/<pid>/stat, not from kill(pid, 0):
 * that succeeds on a zombie (a process killed with -9 whose parent does not
 * reap it, for as long as it does not: in a container, PID 1 may reap late)
 * and on a pid that now belongs to an unrelated process. A zombie is dead; a
 * process that started at another time than the one recorded is another
 * process. Without /proc (macOS, Windows) kill(pid, 0) is all there is.
 * A lock taken on another host (a disk shared with a standby) is never taken
 * over: its process cannot be seen from here.
 */

import { mkdir, readFile, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { StoreLockedError, type StoreLockOwner } from '../../errors.js';

/** The LOCK file as written. `startedAt` is what locks written before start times were recorded call `takenAt`. */
const LockFileSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  startTime: z.number().int().nonnegative().nullable().optional(),
  command: z.string().optional(),
  takenAt: z.string().optional(),
  startedAt: z.string().optional(),
});

interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** Field 22 of /proc/<pid>/stat, clock ticks from boot to the process's start; undefined where unknown. */
  readonly startTime: number | undefined;
  readonly command: string | undefined;
  readonly takenAt: string | undefined;
}

/** Lock files this process holds: a lock naming our own pid is stale unless listed here (containers reuse pids). */
const heldHere = new Set<string>();

/** A recovery mutex older than this was left by a process that died while recovering. */
const RECOVERY_STALE_MS = 10_000;
/** Command lines are cut to this in the LOCK file and in messages. */
const COMMAND_CHARS = 300;

export class DataDirLock {
  private readonly file: string;
  private readonly recovery: string;
  private held = false;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'LOCK');
    this.recovery = join(dir, 'LOCK.recovering');
  }

  async acquire(): Promise<void> {
    if (heldHere.has(this.file)) throw new StoreLockedError(this.dir, `this process, pid ${process.pid}`);
    const me: LockOwner = {
      pid: process.pid,
      host: hostname(),
      startTime: (await procStat('self'))?.startTime,
      command: (await commandLine('self')) ?? ownCommandLine(),
      takenAt: new Date().toISOString(),
    };
    if (await this.tryCreate(me)) return;
    await this.withRecoveryMutex(async () => {
      const owner = await this.readOwner();
      if (owner) await this.refuseIfHeld(owner);
      await unlink(this.file).catch(ignoreMissing);
      if (!(await this.tryCreate(me))) throw new StoreLockedError(this.dir, 'another process took it just now');
    });
  }

  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    heldHere.delete(this.file);
    const owner = await this.readOwner();
    if (owner?.pid === process.pid) await unlink(this.file).catch(ignoreMissing);
  }

  private async refuseIfHeld(owner: LockOwner): Promise<void> {
    const details = (command: string | undefined, otherHost: boolean): StoreLockOwner => ({
      pid: owner.pid,
      host: owner.host,
      command,
      since: owner.takenAt,
      lockFile: this.file,
      otherHost,
    });
    if (owner.host !== hostname()) {
      throw new StoreLockedError(this.dir, describe(owner, true), details(owner.command, true));
    }
    if (heldHere.has(this.file)) throw new StoreLockedError(this.dir, `this process, pid ${process.pid}`);
    // Our pid, but not a lock of ours: left by an earlier process that had it (containers reuse pids).
    if (owner.pid === process.pid) return;
    const seen = await holderOnThisHost(owner);
    if (seen.runs) {
      const command = seen.command ?? owner.command;
      throw new StoreLockedError(this.dir, describe({ ...owner, command }, false), details(command, false));
    }
  }

  private async tryCreate(me: LockOwner): Promise<boolean> {
    const content = {
      pid: me.pid,
      startTime: me.startTime ?? null,
      host: me.host,
      command: me.command,
      takenAt: me.takenAt,
    };
    try {
      await writeFile(this.file, JSON.stringify(content), { flag: 'wx', mode: 0o600 });
      this.held = true;
      heldHere.add(this.file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  private async readOwner(): Promise<LockOwner | undefined> {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(this.file, 'utf8'));
    } catch {
      // Missing, or half-written by a process killed while creating it: nobody holds it.
      return undefined;
    }
    const parsed = LockFileSchema.safeParse(json);
    if (!parsed.success) return undefined;
    const { pid, host, startTime, command, takenAt, startedAt } = parsed.data;
    return { pid, host, startTime: startTime ?? undefined, command, takenAt: takenAt ?? startedAt };
  }

  private async withRecoveryMutex(fn: () => Promise<void>): Promise<void> {
    try {
      await mkdir(this.recovery, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (await stat(this.recovery)).mtimeMs;
      if (age < RECOVERY_STALE_MS) throw new StoreLockedError(this.dir, 'another process is starting on it');
    }
    try {
      await fn();
    } finally {
      await rmdir(this.recovery).catch(ignoreMissing);
    }
  }
}

/** Whether the process that took the lock still runs, and its command line when /proc shows it. */
async function holderOnThisHost(owner: LockOwner): Promise<{ runs: boolean; command?: string | undefined }> {
  const seen = await procStat(owner.pid);
  if (!seen) return { runs: signalReaches(owner.pid) };
  // Z: a zombie, X: being reaped. Both ended; kill(pid, 0) still reaches them.
  if (seen.state === 'Z' || seen.state === 'X') return { runs: false };
  const command = await commandLine(owner.pid);
  if (owner.startTime !== undefined) return { runs: seen.startTime === owner.startTime, command };
  // No start time recorded (a lock from an older caredesk, or one taken without /proc): judge by the command.
  if (owner.command !== undefined) return { runs: command === owner.command, command };
  return { runs: command !== undefined && looksLikeCaredesk(command), command };
}

/** Where /proc cannot tell: a zombie or a reused pid looks alive here. */
function signalReaches(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user (or hidden from /proc by hidepid).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface ProcessStat {
  /** Field 3: R, S, D, T… while it runs; Z (zombie) or X (dead) once it has ended. */
  readonly state: string;
  readonly startTime: number;
}

/** /proc/<pid>/stat, or undefined where there is no /proc or it does not show that pid. */
async function procStat(pid: number | 'self'): Promise<ProcessStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2, the name in parentheses, may hold spaces and parentheses: count fields from the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = Number(fields[19]);
  if (!state || !Number.isSafeInteger(startTime)) return undefined;
  return { state, startTime };
}

/** /proc/<pid>/cmdline as one line; undefined without /proc, or for a zombie (it has none). */
async function commandLine(pid: number | 'self'): Promise<string | undefined> {
  try {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    return args.length > 0 ? args.join(' ').slice(0, COMMAND_CHARS) : undefined;
  } catch {
    return undefined;
  }
}

function ownCommandLine(): string {
  return [process.execPath, ...process.execArgv, ...process.argv.slice(1)].join(' ').slice(0, COMMAND_CHARS);
}

/** Node (caredesk runs on it, whatever the directory it was installed in is called) or anything named caredesk. */
function looksLikeCaredesk(command: string): boolean {
  return /^node/.test(basename(command.split(' ')[0] ?? '')) || command.includes('caredesk');
}

function describe(o: LockOwner, otherHost: boolean): string {
  const where = otherHost ? ` on ${o.host}` : '';
  const what = o.command ? `: ${o.command}` : '';
  const since = o.takenAt ? `, since ${o.takenAt}` : '';
  return `pid ${o.pid}${where}${what}${since}`;
}

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}
