/**
 * One error base class with a stable machine `code`. Messages tell the user
 * what to do next; HTTP maps codes to statuses in one place (server/).
 */
export type ErrorCode =
  | 'E_INVALID_INPUT'
  | 'E_TEXT_TOO_LONG'
  | 'E_UNKNOWN_CHANNEL'
  | 'E_NOT_FOUND'
  | 'E_CONFIG'
  | 'E_LISTEN'
  | 'E_STORE_CORRUPT'
  | 'E_STORE_LOCKED'
  | 'E_STORE_VERSION'
  | 'E_STORE_CLOSED'
  | 'E_STORE_WRITE'
  | 'E_STORE_SCHEMA'
  | 'E_STORE_UNAVAILABLE'
  | 'E_CLAIM_CONFLICT'
  | 'E_FLOW_UNKNOWN'
  | 'E_FLOW_LOAD'
  | 'E_FILE_EXISTS'
  | 'E_TOOL_MISSING'
  | 'E_CHANNEL_DOWN'
  | 'E_LINK_CODE'
  | 'E_LINK_UNDONE'
  | 'E_ALREADY_MERGED'
  | 'E_FORBIDDEN'
  | 'E_INVALID_STATE'
  | 'E_UNAUTHORIZED'
  | 'E_RATE_LIMITED'
  | 'E_REPLY_WINDOW_CLOSED';

export class CaredeskError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Outside input that does not fit the schema; `issues` lists each problem with its path. */
export class InvalidInputError extends CaredeskError {
  constructor(message: string, details: Record<string, unknown> = {}, code: ErrorCode = 'E_INVALID_INPUT') {
    super(code, message, details);
  }
}

export class NotFoundError extends CaredeskError {
  constructor(what: string, id: string) {
    super('E_NOT_FOUND', `No ${what} with id "${id}". Check the id; list them to see which exist.`, { what, id });
  }
}

export class ConfigError extends CaredeskError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_CONFIG', message, details);
  }
}

/** The HTTP server could not listen where the configuration says (port taken, no permission, unknown host). */
export class ListenError extends CaredeskError {
  constructor(host: string, port: number, reason: string, options?: ErrorOptions) {
    super(
      'E_LISTEN',
      `Cannot listen on ${host}:${port}: ${reason}. Choose another port with PORT (or --port), or another address with HOST (or --host).`,
      { host, port, reason },
      options,
    );
  }
}

/** A data file that cannot be read as caredesk wrote it. caredesk never overwrites it. */
export class StoreCorruptError extends CaredeskError {
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(
      'E_STORE_CORRUPT',
      `Data file ${file} is corrupt (${reason}). caredesk did not modify it. Restore it from a backup, or move the data directory aside to start empty.`,
      { file, reason },
      options,
    );
  }
}

/** What a data directory's LOCK file says of the process holding it. */
export interface StoreLockOwner {
  readonly pid: number;
  readonly host: string;
  readonly command?: string | undefined;
  /** When it took the lock (ISO 8601). */
  readonly since?: string | undefined;
  /** The LOCK file itself: on another host, removing it is how to free the directory once that host is gone. */
  readonly lockFile: string;
  /** It runs on another host (a disk shared with a standby): this host cannot tell whether it still runs. */
  readonly otherHost: boolean;
}

/** `holder` says what holds the directory (pid, command, since when); `owner` is its LOCK file, when one was read. */
export class StoreLockedError extends CaredeskError {
  constructor(dir: string, holder: string, owner?: StoreLockOwner) {
    super(
      'E_STORE_LOCKED',
      owner?.otherHost
        ? `Data directory ${dir} is locked from another host (${holder}); this host cannot tell whether that process still runs. Stop it on ${owner.host} first, or, if ${owner.host} is gone for good, remove ${owner.lockFile} and start again.`
        : `Data directory ${dir} is in use by another caredesk process (${holder}). Stop it first, or point CAREDESK_DATA_DIR at another directory.`,
      { dir, holder, ...owner },
    );
  }
}

export class StoreVersionError extends CaredeskError {
  constructor(file: string, found: unknown, supported: number) {
    super(
      'E_STORE_VERSION',
      `Data file ${file} has schema version ${String(found)}; this caredesk reads version ${supported}. Use a caredesk release that matches the data.`,
      { file, found, supported },
    );
  }
}

export class StoreClosedError extends CaredeskError {
  constructor() {
    super('E_STORE_CLOSED', 'The store is closed; open it before reading or writing.');
  }
}

/** Turn zod issues into one readable line per problem, e.g. `text: Too big`. */
export function describeIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** The disk refused a write. The store stops accepting writes so that memory never runs ahead of disk. */
export class StoreWriteError extends CaredeskError {
  constructor(location: string, cause: unknown) {
    super(
      'E_STORE_WRITE',
      `Writing to ${location} failed (${cause instanceof Error ? cause.message : String(cause)}). Nothing after the last acknowledged write was kept; free disk space or fix permissions, then restart caredesk.`,
      { location },
      { cause },
    );
  }
}

/**
 * The database's schema is not the one this caredesk reads: none or an older
 * one (run `caredesk migrate`), or a newer one (a caredesk rolled back).
 */
export class StoreSchemaError extends CaredeskError {
  constructor(location: string, found: number, expected: number) {
    super(
      'E_STORE_SCHEMA',
      found < expected
        ? `The database at ${location} has schema version ${found}; this caredesk needs version ${expected}. Run \`caredesk migrate\` first.`
        : `The database at ${location} has schema version ${found}, newer than this caredesk knows (${expected}): it was upgraded by a newer caredesk. Run that release (or newer); this one refuses to write, so as not to damage the data.`,
      { location, found, expected },
    );
  }
}

/** The database cannot be reached (down, restarting, network). Nothing was written; try again once it is back. */
export class StoreUnavailableError extends CaredeskError {
  constructor(location: string, cause: unknown) {
    super(
      'E_STORE_UNAVAILABLE',
      `The database at ${location} cannot be reached (${cause instanceof Error ? cause.message : String(cause)}). Nothing was lost; caredesk goes on by itself once the database is back. Check that PostgreSQL runs and DATABASE_URL points at it.`,
      { location },
      { cause },
    );
  }
}

/** The store's database is away for now (not a refusal): wait and try again, nothing to give up on. */
export const isStoreUnavailable = (err: unknown): boolean =>
  err instanceof CaredeskError && err.code === 'E_STORE_UNAVAILABLE';

/** Any failure of the store itself (not of the input): what was asked is not stored, so nothing may be acknowledged. */
export const isStoreFailure = (err: unknown): boolean =>
  err instanceof CaredeskError && err.code.startsWith('E_STORE_');

/** Two agents claimed the same conversation; the other one was first. */
export class ClaimConflictError extends CaredeskError {
  constructor(conversationId: string, owner: string | undefined) {
    super(
      'E_CLAIM_CONFLICT',
      `Conversation ${conversationId} was already taken${owner ? ` by agent ${owner}` : ''}; pick another one from the queue.`,
      { conversationId, owner },
    );
  }
}

/** The agent may not do this: the conversation is not theirs, or the action is for supervisors. */
export class ForbiddenError extends CaredeskError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_FORBIDDEN', message, details);
  }
}

/** The conversation is not in a state where this action makes sense (e.g. resolving it twice). */
export class InvalidStateError extends CaredeskError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('E_INVALID_STATE', message, details);
  }
}

/** No agent has this token (or, with a message, the caller is not who it must be: a channel's secret, a JWT). */
export class UnauthorizedError extends CaredeskError {
  constructor(
    message = 'The token is missing or not valid; ask a supervisor for a new one (caredesk agents rotate-token).',
  ) {
    super('E_UNAUTHORIZED', message);
  }
}

/** Too many failed attempts from one place; `retryAfterSeconds` says when to try again. */
export class RateLimitedError extends CaredeskError {
  constructor(retryAfterSeconds: number) {
    super(
      'E_RATE_LIMITED',
      `Too many failed attempts to sign in from this address; wait ${retryAfterSeconds} s and try again with a valid token.`,
      { retryAfterSeconds },
    );
  }
}

/** The channel no longer takes a reply in this conversation: its reply window after the customer's last message has closed. */
export class ReplyWindowClosedError extends CaredeskError {
  constructor(conversationId: string, channel: string, closedAt: Date) {
    super(
      'E_REPLY_WINDOW_CLOSED',
      `The ${channel} reply window of conversation ${conversationId} closed at ${closedAt.toISOString()}: ${channel} takes a reply only for a limited time after the customer's last message, so this reply was not sent. Add a note for the team, or wait for the customer to write again (that opens the window anew).`,
      { conversationId, channel, closedAt: closedAt.toISOString() },
    );
  }
}
