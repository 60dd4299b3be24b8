/**
 * What the commands that work on a data directory (`agents`, `report`) share:
 * the --data-dir and --config options, read like `caredesk serve` reads them,
 * and opening the directory — the store itself, or the server that owns it.
 */
import type { Command } from 'commander';
import { InvalidInputError } from '../../core/index.js';
import { type DeskOperations, type OpenDeskOptions, openDesk } from '../../server/control/index.js';
import { type Config, type ConfigOverride, loadConfig } from '../../server/index.js';

export interface DeskFlags {
  dataDir?: string;
  config?: string;
}

export function withDeskOptions(command: Command): Command {
  return command
    .option(
      '-d, --data-dir <dir>',
      'data directory of the embedded store (overrides CAREDESK_DATA_DIR; default ./data)',
    )
    .option('-c, --config <file>', 'JSON config file (overrides CAREDESK_CONFIG); environment variables win over it');
}

export function deskConfig(flags: DeskFlags): Config {
  const dataDir: ConfigOverride | undefined =
    flags.dataDir === undefined ? undefined : { value: flags.dataDir, label: '--data-dir' };
  const configFile = flags.config === undefined ? undefined : { value: flags.config, label: '--config' };
  return loadConfig(process.env, undefined, {
    overrides: dataDir ? { CAREDESK_DATA_DIR: dataDir } : {},
    configFile,
  });
}

/** One problem: that message; several: all of them at once, as the config loader does. */
export function inputProblems(problems: readonly string[]): InvalidInputError | undefined {
  if (problems.length === 0) return undefined;
  const message =
    problems.length === 1
      ? `${problems[0]}.`
      : `The options have ${problems.length} problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  return new InvalidInputError(message, { problems });
}

export const helpAboutDataDir = `
Works whether or not caredesk serve runs on the data directory. When none
does, the command opens the directory itself, for a moment (a caredesk serve
started in that moment refuses to start: start it again). When a server owns
it, the command asks that server through its local control route, found in
control.json in the data directory (readable only by the user running the
server, so run the command as that user, on that machine).`;

/** Runs `use` on the data directory, and releases it however `use` ends. */
export async function withDesk<T>(
  flags: DeskFlags,
  options: OpenDeskOptions,
  use: (ops: DeskOperations, config: Config) => Promise<T>,
): Promise<T> {
  const config = deskConfig(flags);
  const session = await openDesk(config, options);
  try {
    return await use(session.ops, config);
  } finally {
    await session.close();
  }
}
