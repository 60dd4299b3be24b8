import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a secret given by a caller is the expected one, in the same time
 * for every guess: both sides are hashed first, so not even the length of
 * the secret shows in how long a refusal takes.
 */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const a = createHash('sha256')
    .update(given ?? '')
    .digest();
  const b = createHash('sha256').update(expected).digest();
  return given !== undefined && timingSafeEqual(a, b);
}
