/**
 * Waiting between retries, in one place for every loop that retries (the
 * outbox, the Telegram poller, the TUI's event stream): the delay doubles
 * from `firstMs` up to `maxMs`, and a random spread keeps many clients that
 * failed together from retrying together.
 */

/** The longest delay setTimeout honours (2^31-1 ms); past it Node fires at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface BackoffPolicy {
  readonly firstMs: number;
  readonly maxMs: number;
  /** The delay is the doubled one times a factor drawn between these (default 1 and 1: no spread). */
  readonly spread?: readonly [low: number, high: number];
  /** 0..1 (tests fix it). */
  readonly random?: () => number;
}

/** The delay before retry number `attempt` (1 for the first retry). */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  const doubled = Math.min(policy.maxMs, policy.firstMs * 2 ** Math.max(0, attempt - 1));
  const [low, high] = policy.spread ?? [1, 1];
  const factor = low === high ? low : low + (high - low) * (policy.random ?? Math.random)();
  return Math.round(doubled * factor);
}
