/** The middle value of `xs` (the upper one of the two for an even count), or `empty` when there is none. */
export const median = (xs: readonly number[], empty = Number.NaN): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? empty;
