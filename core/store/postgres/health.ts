/**
 * Whether the database answers, told once: when it stops answering the log
 * says so once (not once per message) and every caller gets a
 * StoreUnavailableError (503, channels not acknowledged, so they redeliver);
 * the first query that works again says it is back.
 */
import { CaredeskError, ConfigError, StoreUnavailableError } from '../../errors.js';
import type { Logger } from '../../logger.js';

/**
 * SQLSTATE classes and codes that mean "the server is not there right now",
 * not "this statement is wrong": connection exceptions (08), the server
 * shutting down or starting (57P01–57P03), too many connections (53300).
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_SYSCALLS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

export function isUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_STATES.has(code))) return true;
  if (typeof code === 'string' && UNAVAILABLE_SYSCALLS.has(code)) return true;
  // node-postgres says these in words only.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    err.message,
  );
}

export class DatabaseHealth {
  private up = true;

  constructor(
    private readonly location: string,
    private readonly logger: Logger,
  ) {}

  get isUp(): boolean {
    return this.up;
  }

  async run<T>(query: () => Promise<T>): Promise<T> {
    // Only a query started after the database went away says it is back: one that was under way
    // when the server stopped can still succeed after the first failures.
    const startedUp = this.up;
    try {
      const result = await query();
      if (!this.up && !startedUp) {
        this.up = true;
        this.logger.info({ database: this.location }, 'the database answers again; caredesk goes on');
      }
      return result;
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      this.failed(err);
      throw new StoreUnavailableError(this.location, err);
    }
  }

  /** A connection failed (also an idle one, outside any query). */
  failed(err: unknown): void {
    if (!isUnavailable(err) || !this.up) return;
    this.up = false;
    this.logger.error(
      { database: this.location, err: err instanceof Error ? err.message : String(err) },
      'the database cannot be reached: caredesk stops acknowledging channels (they redeliver) and answers 503 until it is back',
    );
  }
}

/** What the server said when it refused us, by SQLSTATE: what to fix, in one line. */
const REFUSALS: Readonly<Record<string, string>> = {
  '28P01': 'the password in DATABASE_URL is not the role’s',
  '28000': 'the server does not let this role in from here (pg_hba.conf)',
  '3D000': 'there is no such database: create it (createdb, or CREATE DATABASE) or fix its name in DATABASE_URL',
  '42501':
    'the role lacks a privilege it needs: run `caredesk migrate` as the schema’s owner, and grant the runtime role what docs/postgres.md lists',
};

/**
 * A database error met outside the message path (opening the store, a
 * migration) as one line for the operator; undefined when it is not the
 * server refusing us (let it through as it is).
 */
export function explainDatabaseError(err: unknown, location: string, starting: boolean): CaredeskError | undefined {
  if (err instanceof CaredeskError) return err;
  if (isUnavailable(err)) {
    const why = err instanceof Error ? err.message : String(err);
    return starting
      ? new ConfigError(
          `The database at ${location} cannot be reached (${why}); caredesk cannot start without it. Start PostgreSQL (or fix DATABASE_URL), then start caredesk again.`,
          { location },
        )
      : new StoreUnavailableError(location, err);
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  const advice = typeof code === 'string' ? REFUSALS[code] : undefined;
  if (advice === undefined) return undefined;
  return new ConfigError(
    `The database at ${location} refused: ${err instanceof Error ? err.message : String(err)} — ${advice}.`,
    { location, sqlstate: code },
  );
}
