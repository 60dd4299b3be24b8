/** Where a list's selection moves: by rows, or to either end. */
export type ListMove = number | 'first' | 'last';

/** The id of the row `move` lands on, from the selected id (none: the first row). */
export function movedSelection<T extends { readonly id: string }>(
  rows: readonly T[],
  selectedId: string | undefined,
  move: ListMove,
): string | undefined {
  const at = Math.max(0, selectedId ? rows.findIndex((r) => r.id === selectedId) : 0);
  const to = move === 'first' ? 0 : move === 'last' ? rows.length - 1 : at + move;
  return rows[Math.max(0, Math.min(rows.length - 1, to))]?.id;
}

const MOVES: Readonly<Record<string, (page: number) => ListMove>> = {
  down: () => 1,
  up: () => -1,
  'page-down': (page) => page,
  'page-up': (page) => -page,
  top: () => 'first',
  bottom: () => 'last',
};

/** The list keys every table screen shares: the move an action asks for, if it is one. */
export function listMoveFor(action: string, page: number): ListMove | undefined {
  return MOVES[action]?.(page);
}
