/**
 * Who is calling: `Authorization: Bearer <token>` names an agent (core's
 * `authenticate`). A presented token is checked first, and a valid one is
 * always let in: nobody can lock the team out by failing on purpose, from
 * their own address or from behind the same proxy.
 *
 * Failed sign-ins are counted per address and per token (by its first
 * characters, so no whole secret is kept); past a few of either in a window,
 * the next failures are answered 429 with Retry-After until the window ends:
 * a client failing again and again is told to stop, and a stale or guessed
 * token tried from however many addresses too. What makes a token
 * unguessable is its 192 random bits, not this count. The counts live in
 * memory, bounded; with several processes each failure is told to the
 * others, so the count is the desk's whichever process a guess reaches.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type Agent,
  authenticate,
  CaredeskError,
  ForbiddenError,
  type LiveSignals,
  RateLimitedError,
  type Store,
  UnauthorizedError,
} from '../../core/index.js';

export interface LoginThrottleOptions {
  /** Failures allowed per address, and per token, in a window (default 5); the next failure is refused. */
  readonly maxFailures?: number;
  /** Default one minute. */
  readonly windowMs?: number;
  /** Addresses (and, apart, tokens) remembered at most (default 10,000 each); the oldest are forgotten first. */
  readonly maxAddresses?: number;
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
}

/** One sign-in: where it came from, and the Bearer token it carried, if any. */
export interface SignInAttempt {
  readonly address: string;
  readonly token: string | undefined;
}

/** Failures are counted per token by its first characters: enough to tell tokens apart (`cdk_` + 48 random bits). */
export const TOKEN_KEY_LENGTH = 12;

interface Failures {
  count: number;
  readonly since: number;
}

/** Failures per key in a fixed window, for at most `max` keys. */
class FailureWindows {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  /** Seconds until `key` may fail again, when it has failed `limit` times in its window; else undefined. */
  refusedFor(key: string, limit: number): number | undefined {
    const f = this.current(key);
    if (!f || f.count < limit) return undefined;
    return Math.max(1, Math.ceil((f.since + this.windowMs - this.now()) / 1000));
  }

  fail(key: string): void {
    const f = this.current(key);
    if (f) {
      f.count++;
      return;
    }
    if (this.failures.size >= this.max) this.forgetOldest();
    this.failures.set(key, { count: 1, since: this.now() });
  }

  get size(): number {
    return this.failures.size;
  }

  private current(key: string): Failures | undefined {
    const f = this.failures.get(key);
    if (f && this.now() - f.since >= this.windowMs) {
      this.failures.delete(key);
      return undefined;
    }
    return f;
  }

  private forgetOldest(): void {
    // Expired entries go first; if none has expired, the oldest window (Map keeps insertion order).
    const now = this.now();
    for (const [key, f] of this.failures) if (now - f.since >= this.windowMs) this.failures.delete(key);
    if (this.failures.size < this.max) return;
    const oldest = this.failures.keys().next();
    if (!oldest.done) this.failures.delete(oldest.value);
  }
}

export class LoginThrottle {
  private readonly maxFailures: number;
  // Apart, so that a flood of made-up tokens cannot push the addresses out (nor the reverse).
  private readonly byAddress: FailureWindows;
  private readonly byToken: FailureWindows;
  private live: LiveSignals | undefined;

  constructor(options: LoginThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    const windowMs = options.windowMs ?? 60_000;
    const max = options.maxAddresses ?? 10_000;
    const now = options.now ?? Date.now;
    this.byAddress = new FailureWindows(windowMs, max, now);
    this.byToken = new FailureWindows(windowMs, max, now);
  }

  /** Throws E_RATE_LIMITED while the attempt's address or token has failed too often. Only for failed attempts. */
  check(attempt: SignInAttempt): void {
    const address = this.byAddress.refusedFor(attempt.address, this.maxFailures);
    if (address !== undefined) throw new RateLimitedError(address);
    const token =
      attempt.token === undefined ? undefined : this.byToken.refusedFor(tokenKey(attempt.token), this.maxFailures);
    if (token !== undefined) {
      throw new CaredeskError(
        'E_RATE_LIMITED',
        `Too many failed attempts to sign in with this token; wait ${token} s, or use a valid token (it is let in at once).`,
        { retryAfterSeconds: token },
      );
    }
  }

  fail(attempt: SignInAttempt): void {
    const token = attempt.token === undefined ? undefined : tokenKey(attempt.token);
    this.failed(attempt.address, token);
    this.live?.tell(
      SIGN_IN_FAILED,
      token === undefined ? { address: attempt.address } : { address: attempt.address, token },
    );
  }

  /** Counts the failures the desk's other processes see as well (only the token's first characters travel). */
  shareWith(live: LiveSignals): () => void {
    this.live = live;
    return live.on(SIGN_IN_FAILED, ({ address, token }) => {
      if (typeof address === 'string') this.failed(address, typeof token === 'string' ? token : undefined);
    });
  }

  private failed(address: string, token: string | undefined): void {
    this.byAddress.fail(address);
    if (token !== undefined) this.byToken.fail(token);
  }

  /** Addresses and tokens remembered. */
  get size(): number {
    return this.byAddress.size + this.byToken.size;
  }
}

const tokenKey = (token: string): string => token.slice(0, TOKEN_KEY_LENGTH);

/** The live signal a failed sign-in travels as between processes. */
const SIGN_IN_FAILED = 'signin.failed';

const BEARER = /^Bearer\s+(\S{1,512})\s*$/i;

/** The token of an `Authorization: Bearer …` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

const agents = new WeakMap<FastifyRequest, Agent>();

/** The agent the request was authenticated as (only inside the admin routes). */
export function agentOf(request: FastifyRequest): Agent {
  const agent = agents.get(request);
  // The hook below runs before every admin route; reaching here without it is a wiring bug.
  if (!agent) throw new UnauthorizedError();
  return agent;
}

/**
 * The calling agent, who must be a supervisor; anyone else gets E_FORBIDDEN
 * saying what they tried (`what` follows "Only a supervisor may").
 */
export function supervisorOf(request: FastifyRequest, what: string): Agent {
  const agent = agentOf(request);
  if (agent.role !== 'supervisor') {
    throw new ForbiddenError(`Only a supervisor may ${what}; ask a supervisor of your desk to do it.`, {
      required: 'supervisor',
      role: agent.role,
    });
  }
  return agent;
}

/** Every route of `scope` needs a valid token. */
export function requireAgent(scope: FastifyInstance, store: Store, throttle: LoginThrottle): void {
  scope.addHook('onRequest', async (request) => {
    const attempt: SignInAttempt = { address: request.ip, token: bearerToken(request.headers.authorization) };
    const agent = attempt.token === undefined ? undefined : await agentWith(store, attempt.token);
    // A valid sign-in does not clear the address's failures: an agent could otherwise guess others' tokens between two of theirs.
    if (agent) {
      agents.set(request, agent);
      return;
    }
    throttle.check(attempt);
    throttle.fail(attempt);
    throw new UnauthorizedError();
  });
}

/** The agent whose token this is, or undefined; a store that cannot answer still throws. */
async function agentWith(store: Store, token: string): Promise<Agent | undefined> {
  try {
    return await authenticate(store, token);
  } catch (err) {
    if (err instanceof UnauthorizedError) return undefined;
    throw err;
  }
}
