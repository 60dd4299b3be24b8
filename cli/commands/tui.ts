import { Command } from 'commander';

interface TuiCommandFlags {
  server?: string;
  token?: string;
  bell: boolean;
  config?: string;
}

export function tuiCommand(): Command {
  return new Command('tui')
    .description("The supervisors' terminal UI: the live queue, conversations, KPIs, agents, alerts.")
    .option('-s, --server <url>', 'caredesk server (overrides CAREDESK_SERVER; default http://127.0.0.1:3978)')
    .option('-t, --token <token>', 'your agent token (overrides CAREDESK_TOKEN); it is never printed')
    .option(
      '-c, --config <file>',
      'config file (default $XDG_CONFIG_HOME/caredesk/tui.json or ~/.config/caredesk/tui.json)',
    )
    .option('--no-bell', 'do not ring the terminal bell on alerts (M toggles it while running)')
    .addHelpText(
      'after',
      `
The config file is JSON: { "server": "https://desk.example.com", "token": "cdk_…", "bell": true }.
Flags win over the environment, which wins over the file.

Keys: ? shows every key of the screen, : runs any action by name (tab completes),
1 queue board, 2 dashboard, 3 agents, 4 supervision, ctrl+c quits. See docs/tui.md.

  CAREDESK_TOKEN=cdk_… caredesk tui --server http://127.0.0.1:3978`,
    )
    .action(async (flags: TuiCommandFlags) => {
      // React's development build times every render for its dev tools: several ms a frame, for nothing here.
      process.env.NODE_ENV ??= 'production';
      // Loaded here, not at the top: ink and react cost ~0.3 s that no other command should pay.
      const { AdminApiError, resolveTuiSettings, runTui } = await import('../../tui/index.js');
      const settings = await resolveTuiSettings({
        server: flags.server,
        token: flags.token,
        config: flags.config,
        bell: flags.bell === false ? false : undefined,
      });
      try {
        await runTui(settings);
      } catch (err) {
        if (!(err instanceof AdminApiError)) throw err;
        process.stderr.write(`caredesk tui: ${err.message} [${err.code}]\n`);
        process.exitCode = 1;
      }
    });
}
