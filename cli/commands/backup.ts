/**
 * `caredesk backup <dir>`: a consistent copy of the embedded store's data
 * directory as of one checkpoint, taken while the desk runs (through its
 * server) or not. Restore: point CAREDESK_DATA_DIR at the copy.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { type DeskFlags, helpAboutDataDir, withDesk, withDeskOptions } from './desk-options.js';

interface BackupFlags extends DeskFlags {
  json?: boolean;
}

export function backupCommand(): Command {
  return withDeskOptions(
    new Command('backup')
      .description(
        'Copy the data directory, consistent as of one moment, into a new directory; the desk keeps running.',
      )
      .argument('<dir>', 'where to write the copy: a new or empty directory, outside the data directory')
      .option('--json', 'print {"dir", "bytes", "journalPosition", "at"} as JSON'),
  )
    .addHelpText(
      'after',
      `
The copy is a data directory: a checkpoint (state.json) and the journal up to
it. Messages that arrive while it is copied are not in it. To restore, stop
caredesk and start it on the copy:

  CAREDESK_DATA_DIR=/backups/caredesk-2026-12-06 caredesk serve

The copy holds every customer's messages: keep it as private as the data
directory (it is made readable by you only). Customers erased after the
backup are still in it (docs/privacy.md). PostgreSQL desks: use pg_dump.
${helpAboutDataDir}`,
    )
    .action(async (dir: string, flags: BackupFlags) => {
      // Resolved here: a server runs in its own working directory.
      const answer = await withDesk(flags, {}, (ops) => ops.backup(resolve(dir)));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
        return;
      }
      const mb = (answer.bytes / 1024 / 1024).toFixed(1);
      process.stdout.write(`Backed up the desk as of ${answer.at} to ${answer.dir} (${mb} MB).\n`);
    });
}
