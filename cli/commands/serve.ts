import { Command } from 'commander';
import {
  type Config,
  type ConfigOverride,
  loadConfig,
  SETTINGS,
  type SettingName,
  startServer,
} from '../../server/index.js';

/** The flags `serve` and `dev` share. */
export interface ServeFlags {
  port?: string;
  host?: string;
  dataDir?: string;
  config?: string;
}

/** The configuration the environment gives, with what the flags override (their names in errors). */
export function configWithFlags(flags: ServeFlags): Config {
  const overrides: Partial<Record<SettingName, ConfigOverride>> = {};
  if (flags.port !== undefined) overrides.PORT = { value: flags.port, label: '--port' };
  if (flags.host !== undefined) overrides.HOST = { value: flags.host, label: '--host' };
  if (flags.dataDir !== undefined) overrides.CAREDESK_DATA_DIR = { value: flags.dataDir, label: '--data-dir' };
  const configFile = flags.config === undefined ? undefined : { value: flags.config, label: '--config' };
  return loadConfig(process.env, undefined, { overrides, configFile });
}

export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'Start the caredesk server: HTTP (health, channel webhooks), channels and flows, on one data directory.',
    )
    .option('-p, --port <port>', 'TCP port to listen on, 0 for any free port (overrides PORT; default 3978)')
    .option('--host <host>', 'address to bind, e.g. 0.0.0.0 for every network (overrides HOST; default 127.0.0.1)')
    .option(
      '-d, --data-dir <dir>',
      'data directory of the embedded store (overrides CAREDESK_DATA_DIR; default ./data)',
    )
    .option(
      '-c, --config <file>',
      'JSON config file (overrides CAREDESK_CONFIG; default ./caredesk.config.json if there is one); environment variables win over it',
    )
    .addHelpText('after', settingsHelp)
    .action(async (flags: ServeFlags) => {
      const config = configWithFlags(flags);
      // The project's flows load before the data directory opens: a flow that fails stops nothing half-started.
      const { loadFlowRegistry } = await import('../../flows/project/index.js');
      await loadFlowRegistry(config.flows);
      const server = await startServer(config);
      await server.closed;
    });
}

const settingsHelp = (): string => {
  const width = Math.max(...SETTINGS.map((s) => s.name.length));
  const lines = SETTINGS.map((s) => {
    const fallback = 'default' in s ? `; default ${s.default}` : '';
    return `  ${s.name.padEnd(width)}  ${s.expected}${fallback}`;
  });
  return [
    '',
    'Environment variables (command-line options win over them, and they win over the config file):',
    ...lines,
    `  ${'CAREDESK_CONFIG'.padEnd(width)}  path to a JSON config file with any of the settings above`,
    '',
    'Examples:',
    '  caredesk serve                          # http://127.0.0.1:3978, data in ./data',
    '  caredesk serve --port 8080 --data-dir /var/lib/caredesk',
    '  PORT=0 caredesk serve                   # any free port; the log says which',
    '',
    'Health: GET /healthz. Stop with Ctrl-C or SIGTERM (a second one exits at once).',
    'Every setting is described in docs/configuration.md.',
  ].join('\n');
};
