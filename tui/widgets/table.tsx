import { Box, Text } from 'ink';
import { memo, useMemo, useRef } from 'react';
import { fitTo } from '../text.js';

export interface Column<T> {
  readonly title: string;
  /** Columns, or 'flex' to share what the fixed ones leave. */
  readonly width: number | 'flex';
  readonly align?: 'left' | 'right';
  /** Sanitised, one-line text for the cell. */
  readonly cell: (row: T) => string;
  readonly color?: (row: T) => string | undefined;
}

export interface TableProps<T> {
  readonly rows: readonly T[];
  readonly columns: readonly Column<T>[];
  readonly selected: number;
  readonly width: number;
  /** Lines for the rows, header excluded. */
  readonly height: number;
  readonly rowKey: (row: T) => string;
  readonly empty?: string;
  /** Re-render rows when this changes (the clock, for countdowns). */
  readonly tick?: unknown;
}

/** Where the window of visible rows starts: it moves only as much as needed to keep the selection in view. */
export function windowStart(previous: number, selected: number, height: number, total: number): number {
  const maxStart = Math.max(0, total - height);
  let start = Math.min(previous, maxStart);
  if (selected < start) start = selected;
  else if (selected >= start + height) start = selected - height + 1;
  return Math.max(0, Math.min(start, maxStart));
}

export function columnWidths<T>(columns: readonly Column<T>[], width: number): number[] {
  const gaps = columns.length - 1;
  const fixed = columns.reduce((s, c) => s + (c.width === 'flex' ? 0 : c.width), 0);
  const flexCount = columns.filter((c) => c.width === 'flex').length;
  const free = Math.max(0, width - 2 - fixed - gaps);
  return columns.map((c, i) => {
    if (c.width !== 'flex') return c.width;
    const share = Math.floor(free / Math.max(1, flexCount));
    // The last flex column takes the remainder.
    const isLastFlex = columns.slice(i + 1).every((x) => x.width !== 'flex');
    return Math.max(1, isLastFlex ? free - share * (flexCount - 1) : share);
  });
}

/**
 * A table that draws only the rows in view, so its cost does not depend on
 * how many rows there are (10,000 queued conversations draw as fast as 20).
 */
export function Table<T>(props: TableProps<T>): React.JSX.Element {
  const start = useRef(0);
  const height = Math.max(1, props.height);
  start.current = windowStart(start.current, props.selected, height, props.rows.length);
  const widths = useMemo(() => columnWidths(props.columns, props.width), [props.columns, props.width]);
  const visible = props.rows.slice(start.current, start.current + height);
  const header = props.columns.map((c, i) => fitTo(c.title, widths[i]!, c.align)).join(' ');
  return (
    <Box flexDirection="column" width={props.width}>
      <Text bold wrap="truncate-end">
        {`  ${header}`}
      </Text>
      {visible.length === 0 ? <Text dimColor>{`  ${props.empty ?? 'nothing here'}`}</Text> : null}
      {visible.map((row, i) => (
        <TableRow
          key={props.rowKey(row)}
          row={row}
          columns={props.columns}
          widths={widths}
          selected={start.current + i === props.selected}
          tick={props.tick}
        />
      ))}
    </Box>
  );
}

interface RowProps<T> {
  readonly row: T;
  readonly columns: readonly Column<T>[];
  readonly widths: readonly number[];
  readonly selected: boolean;
  readonly tick: unknown;
}

function RowImpl<T>({ row, columns, widths, selected }: RowProps<T>): React.JSX.Element {
  return (
    <Text wrap="truncate-end" inverse={selected}>
      {selected ? '▸ ' : '  '}
      {columns.map((c, i) => {
        const text = fitTo(c.cell(row), widths[i]!, c.align) + (i < columns.length - 1 ? ' ' : '');
        const color = c.color?.(row);
        return color ? (
          <Text key={c.title} color={color}>
            {text}
          </Text>
        ) : (
          text
        );
      })}
    </Text>
  );
}

const TableRow = memo(RowImpl) as typeof RowImpl;
