/**
 * One process owns a data directory. The lock is a file created exclusively
 * (`LOCK`, holding the owner's pid and host); a lock whose process is gone
 * (killed with -9, a crash) is recovered, under a short-lived recovery mutex
 * so that two starting processes cannot both take it over.
 */

import { mkdir, readFile, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreLockedError } from '../../errors.js';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

/** Lock files this process holds: a lock naming our own pid is stale unless listed here (containers reuse pids). */
const heldHere = new Set<string>();

/** A recovery mutex older than this was left by a process that died while recovering. */
const RECOVERY_STALE_MS = 10_000;

export class DataDirLock {
  private readonly file: string;
  private readonly recovery: string;
  private held = false;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'LOCK');
    this.recovery = join(dir, 'LOCK.recovering');
  }

  async acquire(): Promise<void> {
    const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    if (heldHere.has(this.file)) throw new StoreLockedError(this.dir, `this process, pid ${process.pid}`);
    if (await this.tryCreate(me)) return;
    await this.withRecoveryMutex(async () => {
      const owner = await this.readOwner();
      if (owner && (heldHere.has(this.file) || isAlive(owner))) throw new StoreLockedError(this.dir, describe(owner));
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

  private async tryCreate(me: LockOwner): Promise<boolean> {
    try {
      await writeFile(this.file, JSON.stringify(me), { flag: 'wx' });
      this.held = true;
      heldHere.add(this.file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  private async readOwner(): Promise<LockOwner | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as Partial<LockOwner>;
      if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
      return { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt) };
    } catch {
      // Missing, or half-written by a process killed while creating it: nobody holds it.
      return undefined;
    }
  }

  private async withRecoveryMutex(fn: () => Promise<void>): Promise<void> {
    try {
      await mkdir(this.recovery);
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

function isAlive(owner: LockOwner): boolean {
  // A lock from another host (a shared disk) cannot be checked from here: treat it as held.
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const describe = (o: LockOwner): string => `pid ${o.pid} on ${o.host}, since ${o.startedAt}`;

function ignoreMissing(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}
