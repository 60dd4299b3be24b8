/**
 * How several caredesk processes on one database act as one desk, with
 * PostgreSQL as the only coordinator. Each process keeps ONE connection of
 * its own for this (not from the store's pool), named after the process:
 *
 * - key locks: a conversation's customer, an identity… held across processes
 *   with session advisory locks. Only `pg_try_advisory_lock` is used, batched
 *   (every key asked for in the same moment goes in one query), so the
 *   connection never blocks and a key held elsewhere is simply asked again a
 *   few milliseconds later;
 * - duties: the work exactly one process does (long polling Telegram,
 *   delivering the outbox, firing timers), held with one more advisory lock.
 *   A process that dies loses its connection, the server releases its locks,
 *   and another process takes the duties at its next try (every second);
 * - announcements: LISTEN to the commits the others make (the store adds a
 *   NOTIFY to every commit, see rows.ts) and to live signals (who views or
 *   types, a channel asking to wait).
 *
 * When the connection is lost, the locks and the duties it held are lost with
 * it: the duties are given up at once (the process stops polling and
 * delivering) and the connection is made again.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Coordination, CoordinationEvents } from '../../cluster/coordination.js';
import { StoreUnavailableError } from '../../errors.js';
import { type Logger, silentLogger } from '../../logger.js';
import { KeyedMutex } from '../../util/keyed-mutex.js';
import { COMMITS_CHANNEL, parseCommitAnnouncement } from './rows.js';

/** Where live signals (viewers, typing, a channel's wait) go between processes. */
export const LIVE_CHANNEL = 'caredesk_live';

/** The duties' advisory lock: any constant of our own (the migrations use "caredesk"). */
const DUTIES_KEY = '7161637275646573'; // "qacrudes", as a decimal-safe hex

/** How often a process without the duties asks for them. */
const DUTY_TRY_MS = 1_000;

/** Longest wait between two asks for a key another process holds. */
const MAX_LOCK_BACKOFF_MS = 40;

export interface CoordinatorOptions {
  /** The process's name, shown by the server in pg_stat_activity (`caredesk:<name>`) and /healthz. */
  readonly processName: string;
  /** The store's writer id: its own commits' announcements are not news. */
  readonly writer: string;
  readonly logger?: Logger;
  readonly connectTimeoutMs?: number;
  /** How long a lock waits for the connection to come back before failing (default 5 s). */
  readonly lockWaitMs?: number;
}

interface LockAsk {
  readonly key: string;
  readonly settle: (granted: boolean) => void;
}

export class PostgresCoordinator implements Coordination {
  readonly shared = true;
  private client: pg.Client | undefined;
  /** Bumped at every new connection: a lock taken on an older one is gone with it. */
  private generation = 0;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private readonly local = new KeyedMutex();
  private asks: LockAsk[] = [];
  private unlocks: string[] = [];
  private flushing = false;
  private dutyTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private holdsDuties = false;
  private wantsDuties = false;
  private readonly logger: Logger;
  private listeners: CoordinationEvents = {};
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly url: string,
    private readonly options: CoordinatorOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  get processName(): string {
    return this.options.processName;
  }

  /** Whether this process holds the duties now. */
  get hasDuties(): boolean {
    return this.holdsDuties;
  }

  /** Connects (and LISTENs); `events` hears what the others do from now on. */
  async start(events: CoordinationEvents): Promise<void> {
    this.listeners = events;
    this.closed = false;
    await this.connect();
  }

  /** Asks for the duties now and every second until this process holds them. */
  seekDuties(): void {
    this.wantsDuties = true;
    void this.tryDuties();
  }

  /** Gives the duties up (shutdown): another process takes them at its next try, not after a timeout. */
  async releaseDuties(): Promise<void> {
    this.wantsDuties = false;
    clearTimeout(this.dutyTimer);
    if (!this.holdsDuties) return;
    this.holdsDuties = false;
    this.listeners.dutiesLost?.();
    await this.client?.query('SELECT pg_advisory_unlock($1::bigint)', [DUTIES_KEY]).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.releaseDuties();
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    for (const wake of this.waiters) wake();
    await client?.end().catch(() => undefined);
  }

  /** Tells the other processes something live (JSON; PostgreSQL takes up to 8000 bytes). */
  async announce(payload: unknown): Promise<void> {
    const text = JSON.stringify(payload);
    await this.client?.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, text]);
  }

  /** The processes connected to the desk's database now, by name (this one included). */
  async processes(): Promise<string[]> {
    const client = this.client;
    if (!client) return [];
    const r = await client.query<{ name: string }>(
      `SELECT substr(application_name, 10) AS name FROM pg_stat_activity
       WHERE datname = current_database() AND application_name LIKE 'caredesk:%' ORDER BY 1`,
    );
    return r.rows.map((row) => row.name);
  }

  /** Runs `task` holding `key` in this process and in every other one of the desk. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(key, async () => {
      const lockKey = advisoryKey(key);
      const generation = await this.acquire(lockKey);
      try {
        return await task();
      } finally {
        // Not awaited: the next ask on this connection is sent after it, in order.
        if (generation === this.generation && this.client) {
          this.unlocks.push(lockKey);
          this.scheduleFlush();
        }
      }
    });
  }

  private async acquire(lockKey: string): Promise<number> {
    let backoff = 1;
    const deadline = Date.now() + (this.options.lockWaitMs ?? 5_000);
    for (;;) {
      if (!this.client) await this.connectedWithin(deadline);
      const generation = this.generation;
      const granted = await new Promise<boolean>((settle) => {
        this.asks.push({ key: lockKey, settle });
        this.scheduleFlush();
      });
      if (granted && generation === this.generation) return generation;
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, MAX_LOCK_BACKOFF_MS);
    }
  }

  private async connectedWithin(deadline: number): Promise<void> {
    while (!this.client) {
      const left = deadline - Date.now();
      if (this.closed || left <= 0) {
        throw new StoreUnavailableError('the desk’s coordination connection', new Error('not connected'));
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => void this.flush());
  }

  /** Sends what was asked since the last flush: the unlocks first, then the asks, each in one query. */
  private async flush(): Promise<void> {
    try {
      while (this.asks.length > 0 || this.unlocks.length > 0) {
        const asks = this.asks;
        const unlocks = this.unlocks;
        this.asks = [];
        this.unlocks = [];
        const client = this.client;
        if (!client) {
          for (const ask of asks) ask.settle(false);
          continue;
        }
        try {
          if (unlocks.length > 0) {
            await client.query('SELECT count(pg_advisory_unlock(k)) FROM unnest($1::bigint[]) AS k', [unlocks]);
          }
          if (asks.length > 0) {
            const r = await client.query<{ k: string }>(
              'SELECT k::text AS k FROM unnest($1::bigint[]) AS k WHERE pg_try_advisory_lock(k)',
              [asks.map((a) => a.key)],
            );
            const granted = new Map<string, number>();
            for (const { k } of r.rows) granted.set(k, (granted.get(k) ?? 0) + 1);
            for (const ask of asks) {
              const left = granted.get(ask.key) ?? 0;
              if (left > 0) granted.set(ask.key, left - 1);
              ask.settle(left > 0);
            }
          }
        } catch (err) {
          // The connection failed: what it held is gone (lost() runs on its error event).
          for (const ask of asks) ask.settle(false);
          this.logger.debug({ err }, 'coordination query failed');
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.url,
        application_name: `caredesk:${this.options.processName}`.slice(0, 63),
        connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5_000,
        keepAlive: true,
      });
      client.on('error', (err) => this.lost(client, err));
      client.on('end', () => this.lost(client, new Error('connection ended')));
      client.on('notification', (n) => this.heard(n.channel, n.payload ?? ''));
      try {
        await client.connect();
        await client.query(`LISTEN ${COMMITS_CHANNEL}; LISTEN ${LIVE_CHANNEL}`);
      } catch (err) {
        await client.end().catch(() => undefined);
        throw err;
      }
      const first = this.generation === 0;
      this.generation += 1;
      this.client = client;
      for (const wake of this.waiters) wake();
      this.waiters.clear();
      if (!first) {
        this.logger.info({ process: this.processName }, 'coordination connection back');
        this.listeners.reconnected?.();
      }
      if (this.wantsDuties) void this.tryDuties();
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.generation += 1;
    if (this.holdsDuties) {
      this.holdsDuties = false;
      this.logger.warn({ err, process: this.processName }, 'coordination connection lost: giving up the duties');
      this.listeners.dutiesLost?.();
    }
    void client.end().catch(() => undefined);
    this.reconnectSoon(250);
  }

  private reconnectSoon(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch((err: unknown) => {
        this.logger.debug({ err }, 'coordination connection not back yet');
        this.reconnectSoon(Math.min(delayMs * 2, 5_000));
      });
    }, delayMs);
    this.reconnectTimer.unref();
  }

  private async tryDuties(): Promise<void> {
    clearTimeout(this.dutyTimer);
    if (!this.wantsDuties || this.holdsDuties || this.closed) return;
    const client = this.client;
    const generation = this.generation;
    if (client) {
      try {
        const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [DUTIES_KEY]);
        if (r.rows[0]?.ok && generation === this.generation && this.wantsDuties) {
          this.holdsDuties = true;
          this.logger.info({ process: this.processName }, 'this process now holds the duties');
          this.listeners.dutiesTaken?.();
          return;
        }
      } catch (err) {
        this.logger.debug({ err }, 'could not ask for the duties');
      }
    }
    this.dutyTimer = setTimeout(() => void this.tryDuties(), DUTY_TRY_MS);
    this.dutyTimer.unref();
  }

  private heard(channel: string, payload: string): void {
    if (channel === COMMITS_CHANNEL) {
      const news = parseCommitAnnouncement(payload);
      if (!news) return;
      const own = news.writer === this.options.writer;
      this.listeners.commit?.(
        news.events ? { own, outbox: news.outbox, events: news.events } : { own, outbox: news.outbox },
      );
      return;
    }
    if (channel === LIVE_CHANNEL) {
      try {
        this.listeners.live?.(JSON.parse(payload));
      } catch {
        // Not ours or not JSON: nothing to do with it.
      }
    }
  }
}

/** A lock name as an advisory lock key: 64 bits of its hash (a collision only makes two keys wait for each other). */
export function advisoryKey(name: string): string {
  return createHash('sha1').update(name).digest().readBigInt64BE(0).toString();
}
