/**
 * Seeded randomness for tests that pick random moments (kill -9 timing, held
 * sends): the seed comes from CAREDESK_CHAOS_SEED or the clock, and
 * `replay` is the line a failure prints so that the run can be repeated.
 */
export interface Chaos {
  readonly seed: number;
  /** 0..1, from the seed (mulberry32). */
  readonly random: () => number;
  /** `seed N (replay with CAREDESK_CHAOS_SEED=N)`, for assertion messages. */
  readonly replay: string;
}

export function chaos(): Chaos {
  const seed = Number(process.env.CAREDESK_CHAOS_SEED ?? Date.now() % 1_000_000);
  let a = seed >>> 0;
  const random = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, random, replay: `seed ${seed} (replay with CAREDESK_CHAOS_SEED=${seed})` };
}
