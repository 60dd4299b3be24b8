/**
 * `caredesk migrate --from-data-dir <dir>`: copies an embedded desk into the
 * (migrated, empty) PostgreSQL database and verifies the copy, all in one
 * transaction: a copy that fails or does not verify leaves the database as
 * empty as it was, and running the command again starts over.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { CaredeskError, ConfigError, EmbeddedStore } from '../core/index.js';
import { claimEmptyDatabase, copyDesk, verifyCopy } from '../core/store/postgres/import.js';
import { redact } from '../core/store/postgres/index.js';
import type { Config } from './config.js';

const count = (n: number): string => n.toLocaleString('en-US');

export interface CopySummary {
  readonly counts: Readonly<Record<string, number>>;
  readonly transcripts: number;
  readonly seconds: number;
}

export async function copyDataDir(dir: string, config: Config, say: (line: string) => void): Promise<CopySummary> {
  const url = config.database.url;
  if (url === undefined)
    throw new ConfigError('DATABASE_URL is not set; set it to the database to copy the desk into.');
  const location = redact(url);
  const dataDir = resolve(dir);
  // Opening a directory that is not there would make an empty desk, and copy that.
  if (!existsSync(join(dataDir, 'journal')) && !existsSync(join(dataDir, 'state.json'))) {
    throw new ConfigError(
      `${dataDir} is not a caredesk data directory (it has no journal/ nor state.json). Pass the directory \`caredesk serve\` uses (CAREDESK_DATA_DIR, ./data by default).`,
      { dataDir },
    );
  }
  const started = performance.now();
  // Takes the directory's lock: a server running on it makes this throw StoreLockedError (stop it first).
  const desk = new EmbeddedStore(dataDir, { fsync: config.fsync });
  await desk.open();
  const client = new pg.Client({ connectionString: url, application_name: 'caredesk migrate --from-data-dir' });
  try {
    await client.connect().catch((err: unknown) => {
      throw new ConfigError(
        `Cannot connect to the database at ${location}: ${err instanceof Error ? err.message : String(err)}. Check DATABASE_URL and that PostgreSQL runs.`,
      );
    });
    say(`copying the desk in ${dataDir} (${count(await desk.countConversations())} conversations) into ${location}`);
    await client.query('BEGIN');
    let copying = false;
    try {
      await claimEmptyDatabase(client, location);
      copying = true;
      const counts = await copyDesk(desk, client, { say });
      say('verifying the copy: counts, events, every transcript');
      const report = await verifyCopy(desk, client, location, { say });
      await client.query('COMMIT');
      const seconds = (performance.now() - started) / 1000;
      say(
        `copied ${count(counts.customers)} customers, ${count(counts.conversations)} conversations, ${count(counts.messages)} messages, ${count(counts.events)} events, ${count(counts.outbox)} outbox entries, ${count(counts.flow_snapshots)} flow snapshots, ${count(counts.agents)} agents, ${count(counts.records)} records in ${seconds.toFixed(1)} s`,
      );
      say(`verified: ${count(report.transcripts)} transcripts match`);
      say(
        `Start caredesk on it with CAREDESK_STORE=postgres and this DATABASE_URL. The desk in ${dataDir} is unchanged: keep it until you are happy with the copy.`,
      );
      return { counts: report.counts, transcripts: report.transcripts, seconds };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (!copying) throw err;
      say(
        'Nothing was kept: the copy was rolled back and the database is empty again. Fix what the error says and run the command again.',
      );
      if (err instanceof CaredeskError) throw err;
      // A database error (disk full, connection lost): one line with what failed, not a stack trace.
      throw new CaredeskError(
        'E_STORE_WRITE',
        `Copying into ${location} failed (${err instanceof Error ? err.message : String(err)}). Nothing was kept; fix that and run the command again.`,
        { location },
        { cause: err },
      );
    }
  } finally {
    await client.end().catch(() => undefined);
    await desk.close();
  }
}
