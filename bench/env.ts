/** A benchmark's numeric settings from the environment, e.g. `PROCESSES=1,2,3`; a bad one stops it with exit 2. */
export function numbersFromEnv(
  bench: string,
  name: string,
  fallback: string,
  kind: 'integers' | 'numbers' = 'numbers',
): number[] {
  const raw = process.env[name] ?? fallback;
  const values = raw.split(',').map(Number);
  const fits = (v: number) => (kind === 'integers' ? Number.isInteger(v) : Number.isFinite(v)) && v > 0;
  if (!values.every(fits)) {
    console.error(`${bench}: ${name} is "${raw}"; expected positive ${kind}, comma-separated`);
    process.exit(2);
  }
  return values;
}
