/**
 * Rows written straight into the desk's tables, several thousand per
 * statement, for copying a whole desk in (import.ts). Not through
 * `caredesk_commit`: that numbers events anew, and a copy keeps their numbers.
 * `doc` columns keep the text JSON.stringify wrote (`json`, not `jsonb`),
 * which is what verify.ts checksums on both sides.
 */
import type pg from 'pg';
import { COLUMNS, type Column, type RowsOf, type Table } from './columns.js';

export { eventDoc } from './columns.js';
export type { RowsOf, Table };
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** A count as the copy's messages print it: 100,000. */
export const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * One array parameter per column, not one JSON document of rows: reading a
 * field out of JSON (`->>`) unescapes all of it, and PostgreSQL refuses a
 * `\u0000` (a NUL a customer sent) as text; `json[]` only checks the syntax.
 * `ORDER BY ord`: the tables with a `pos` column keep the order rows are given in.
 */
function insertSql<T extends Table>(table: T): string {
  const columns = COLUMNS[table] as ReadonlyArray<Column<RowsOf[T]>>;
  const names = columns.map(([name]) => name).join(', ');
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const conflict = table === 'customer_identities' ? ' ON CONFLICT (channel, external_id) DO NOTHING' : '';
  return `INSERT INTO ${table} (${names}) SELECT ${names} FROM unnest(${arrays}) WITH ORDINALITY AS u(${names}, ord) ORDER BY ord${conflict}`;
}

/**
 * Buffers rows per table and writes a table's rows once it has `rowsPerStatement`
 * of them. One statement is in flight while the caller reads on; statements run
 * in the order given, so a conversation's messages keep their order.
 */
export class RowWriter {
  private readonly buffers = new Map<Table, unknown[][]>();
  private inFlight: Promise<unknown> = Promise.resolve();
  /** Rows given per table (written once flush() resolves). */
  readonly written: Record<Table, number> = {
    customers: 0,
    customer_identities: 0,
    conversations: 0,
    messages: 0,
    events: 0,
    outbox: 0,
    flow_snapshots: 0,
    agents: 0,
    records: 0,
  };

  constructor(
    private readonly db: Queryable,
    private readonly rowsPerStatement = 5_000,
  ) {}

  async add<T extends Table>(table: T, rows: Iterable<RowsOf[T]>): Promise<void> {
    const columns = COLUMNS[table] as ReadonlyArray<Column<RowsOf[T]>>;
    let buffer = this.buffers.get(table) ?? columns.map(() => []);
    this.buffers.set(table, buffer);
    for (const row of rows) {
      for (const [i, [, , value]] of columns.entries()) (buffer[i] as unknown[]).push(value(row) ?? null);
      this.written[table]++;
      if ((buffer[0] as unknown[]).length >= this.rowsPerStatement) {
        await this.send(table, buffer);
        buffer = columns.map(() => []);
        this.buffers.set(table, buffer);
      }
    }
  }

  /** Writes what is buffered and waits for every statement. */
  async flush(): Promise<void> {
    for (const [table, buffer] of this.buffers) if ((buffer[0] as unknown[]).length > 0) await this.send(table, buffer);
    this.buffers.clear();
    await this.inFlight;
  }

  private async send(table: Table, columns: unknown[][]): Promise<void> {
    await this.inFlight;
    this.inFlight = this.db.query(insertSql(table), columns);
    // Seen by the next send or flush; until then, not an unhandled rejection.
    this.inFlight.catch(() => undefined);
  }
}
