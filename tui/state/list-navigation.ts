import type { ListAction } from '../keymap.js';

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

/** The list keys every table screen shares, as the screen's action handlers: each moves the selection. */
export function listActions(move: (to: ListMove) => void, page: number): Readonly<Record<ListAction, () => void>> {
  return {
    down: () => move(1),
    up: () => move(-1),
    'page-down': () => move(page),
    'page-up': () => move(-page),
    top: () => move('first'),
    bottom: () => move('last'),
  };
}
