const BARS = '▁▂▃▄▅▆▇█';

/** Values as a line of block characters, the tallest at the maximum (shared scale when `max` is given). */
export function sparkline(values: readonly number[], max = Math.max(0, ...values)): string {
  if (max <= 0) return BARS[0]!.repeat(values.length);
  return values.map((v) => BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))]).join('');
}
