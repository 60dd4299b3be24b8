/**
 * `caredesk migrate`: creates or upgrades the PostgreSQL schema of
 * CAREDESK_STORE=postgres (DATABASE_URL), lists the migrations with
 * --status, and copies an embedded desk in with --from-data-dir.
 */
import { Command } from 'commander';
import pg from 'pg';
import { ConfigError } from '../../core/index.js';
import {
  explainDatabaseError,
  migrate,
  migrationStatus,
  redact,
  SCHEMA_VERSION,
  schemaVersion,
} from '../../core/store/postgres/index.js';
import { type Config, loadConfig } from '../../server/index.js';

interface MigrateFlags {
  status?: boolean;
  config?: string;
  databaseUrl?: string;
  fromDataDir?: string;
}

export function migrateCommand(): Command {
  return new Command('migrate')
    .description(
      'Create or upgrade the PostgreSQL schema (CAREDESK_STORE=postgres, DATABASE_URL). Safe to run from several machines at once, and again: it applies only what is missing.',
    )
    .option('--status', 'list the migrations: which are applied (and when), which are not')
    .option('--from-data-dir <dir>', 'then copy the embedded desk in <dir> into the database, and verify the copy')
    .option('--database-url <url>', 'the database (overrides DATABASE_URL)')
    .option('-c, --config <file>', 'JSON config file (overrides CAREDESK_CONFIG); environment variables win over it')
    .addHelpText(
      'after',
      `
Examples:
  DATABASE_URL=postgres://caredesk:secret@localhost:5432/caredesk caredesk migrate
  caredesk migrate --status
  caredesk migrate --from-data-dir ./data     # move an embedded desk over (see docs/postgres.md)

caredesk serve on CAREDESK_STORE=postgres refuses to start until the schema is
the one it was built for. See docs/postgres.md.`,
    )
    .action(async (flags: MigrateFlags) => {
      const config = migrateConfig(flags);
      const url = config.database.url as string;
      const client = new pg.Client({ connectionString: url, application_name: 'caredesk migrate' });
      await client.connect().catch((err: unknown) => {
        throw new ConfigError(
          `Cannot connect to the database at ${redact(url)}: ${err instanceof Error ? err.message : String(err)}. Check DATABASE_URL and that PostgreSQL runs.`,
        );
      });
      try {
        if (flags.status) {
          await printStatus(client);
          return;
        }
        const applied = await migrate(client, redact(url)).catch((err: unknown) => {
          throw explainDatabaseError(err, redact(url), true) ?? err;
        });
        process.stdout.write(
          applied.length === 0
            ? `The schema is up to date (version ${SCHEMA_VERSION}).\n`
            : applied.map((m) => `applied ${pad(m.version)} ${m.name}\n`).join('') +
                `The schema is at version ${SCHEMA_VERSION}.\n`,
        );
      } finally {
        await client.end();
      }
      if (flags.fromDataDir !== undefined) {
        const { copyDataDir } = await import('../../server/postgres-import.js');
        await copyDataDir(flags.fromDataDir, config, (line) => process.stdout.write(`${line}\n`));
      }
    });
}

function migrateConfig(flags: MigrateFlags): Config {
  const config = loadConfig(process.env, undefined, {
    overrides: flags.databaseUrl ? { DATABASE_URL: { value: flags.databaseUrl, label: '--database-url' } } : {},
    configFile: flags.config === undefined ? undefined : { value: flags.config, label: '--config' },
  });
  if (config.database.url === undefined) {
    throw new ConfigError(
      'DATABASE_URL is not set; set it (or pass --database-url) to the PostgreSQL database, e.g. postgres://caredesk:secret@localhost:5432/caredesk.',
    );
  }
  return config;
}

async function printStatus(db: pg.Client): Promise<void> {
  const current = await schemaVersion(db);
  for (const m of await migrationStatus(db)) {
    process.stdout.write(
      `${pad(m.version)} ${m.name.padEnd(24)} ${m.appliedAt ? `applied ${m.appliedAt}` : 'pending'}\n`,
    );
  }
  process.stdout.write(
    current === SCHEMA_VERSION
      ? `The schema is up to date (version ${current}).\n`
      : current < SCHEMA_VERSION
        ? `The schema is at version ${current}; run \`caredesk migrate\` to bring it to ${SCHEMA_VERSION}.\n`
        : `The schema is at version ${current}, newer than this caredesk knows (${SCHEMA_VERSION}): use a newer caredesk.\n`,
  );
  if (current > SCHEMA_VERSION) process.exitCode = 1;
}

const pad = (n: number): string => String(n).padStart(4, '0');
