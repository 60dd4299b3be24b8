/**
 * Who is calling: `Authorization: Bearer <token>` names an agent (core's
 * `authenticate`). Failed sign-ins are counted per address; past a few in a
 * window the address is refused with 429 until the window ends, so a token
 * cannot be guessed at network speed. The counts live in memory, bounded.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Agent, authenticate, RateLimitedError, type Store, UnauthorizedError } from '../../core/index.js';

export interface LoginThrottleOptions {
  /** Failures allowed per address in a window (default 5); the next attempt is refused. */
  readonly maxFailures?: number;
  /** Default one minute. */
  readonly windowMs?: number;
  /** Addresses remembered at most (default 10,000); the oldest are forgotten first. */
  readonly maxAddresses?: number;
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: () => number;
}

interface Failures {
  count: number;
  readonly since: number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(options: LoginThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Throws RateLimitedError while the address is refused. */
  check(address: string): void {
    const f = this.current(address);
    if (f && f.count >= this.maxFailures) {
      throw new RateLimitedError(Math.max(1, Math.ceil((f.since + this.windowMs - this.now()) / 1000)));
    }
  }

  fail(address: string): void {
    const f = this.current(address);
    if (f) {
      f.count++;
      return;
    }
    if (this.failures.size >= this.maxAddresses) this.forgetOldest();
    this.failures.set(address, { count: 1, since: this.now() });
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }

  get size(): number {
    return this.failures.size;
  }

  private current(address: string): Failures | undefined {
    const f = this.failures.get(address);
    if (f && this.now() - f.since >= this.windowMs) {
      this.failures.delete(address);
      return undefined;
    }
    return f;
  }

  private forgetOldest(): void {
    // Expired entries go first; if none has expired, the oldest window (Map keeps insertion order).
    const now = this.now();
    for (const [address, f] of this.failures) if (now - f.since >= this.windowMs) this.failures.delete(address);
    if (this.failures.size < this.maxAddresses) return;
    const oldest = this.failures.keys().next();
    if (!oldest.done) this.failures.delete(oldest.value);
  }
}

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

/** Every route of `scope` needs a valid token. */
export function requireAgent(scope: FastifyInstance, store: Store, throttle: LoginThrottle): void {
  scope.addHook('onRequest', async (request) => {
    throttle.check(request.ip);
    let agent: Agent;
    try {
      agent = await authenticate(store, bearerToken(request.headers.authorization));
    } catch (err) {
      if (err instanceof UnauthorizedError) throttle.fail(request.ip);
      throw err;
    }
    throttle.succeed(request.ip);
    agents.set(request, agent);
  });
}
