import { Command, InvalidArgumentError } from 'commander';
import { CaredeskError } from '../../core/index.js';
import type { CustomerLine } from '../demo/customer.js';

interface DemoFlags {
  customers: number;
  rate: number;
  keep: boolean;
  tui: boolean;
}

const positive = (what: string, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new InvalidArgumentError(`${what} must be a number from 1 to ${max}.`);
  return n;
};

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'A live desk in one command: a server on a temporary directory, simulated customers in English and Italian, and the terminal UI on it.',
    )
    .option('-n, --customers <n>', 'how many simulated customers come in all', positive('--customers', 1_000), 30)
    .option('-r, --rate <per-minute>', 'how many new customers arrive per minute', positive('--rate', 600), 6)
    .option('--keep', 'keep the temporary directory (data and server log) when the demo stops', false)
    .option('--no-tui', 'run the server and the customers only, and print the URL and the supervisor token')
    .addHelpText(
      'after',
      `
The demo starts caredesk on 127.0.0.1 (a free port) with a throw-away data directory,
creates a team (Sofia, the supervisor you are; Tom, who works English cases on his own;
Marta, away), and lets customers arrive over the Bot Framework protocol: some are helped
by the bot and answer its survey, some ask for a person, some go quiet. Then it opens
the terminal UI as Sofia. Quitting the UI, Ctrl-C or SIGTERM stops everything and
removes the directory (unless --keep).

Examples:
  caredesk demo                          # the live desk in the terminal UI
  caredesk demo --customers 10 --rate 20 # a short, busy demo
  caredesk demo --no-tui                 # server and customers only: try the admin API`,
    )
    .action(async (flags: DemoFlags) => {
      if (flags.tui && process.stdin.isTTY !== true) {
        throw new CaredeskError(
          'E_CONFIG',
          'caredesk demo opens the terminal UI, which needs a terminal to read keys from (stdin is not a TTY). Run `caredesk demo --no-tui` to start only the server and the customers.',
        );
      }
      const { startDemo } = await import('../demo/index.js');
      const print = (line: string) => process.stdout.write(`${line}\n`);
      const demo = await startDemo({
        customers: flags.customers,
        perMinute: flags.rate,
        keep: flags.keep,
        ...(flags.tui ? {} : { onLine: (line: CustomerLine) => print(formatLine(line)) }),
      });

      let stopping = false;
      let tuiOpen = false;
      const stop = async (code: number): Promise<never> => {
        stopping = true;
        // A signal while the UI is drawn: give the shell its screen back, as quitting the UI does.
        if (tuiOpen) restoreTerminal();
        try {
          await demo.stop();
        } catch (err) {
          process.stderr.write(`caredesk demo: stopping failed: ${(err as Error).message}\n`);
          code = 1;
        }
        process.exit(code);
      };
      const onSignal = (): void => {
        if (stopping) process.exit(1);
        void stop(0);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);

      if (flags.tui) {
        demo.start();
        let code = 0;
        try {
          tuiOpen = true;
          await openTui(demo.url, demo.supervisor.token);
          tuiOpen = false;
        } catch (err) {
          tuiOpen = false;
          const coded =
            typeof (err as { code?: unknown }).code === 'string' ? ` [${(err as { code: string }).code}]` : '';
          process.stderr.write(`caredesk: ${(err as Error).message}${coded}\n`);
          code = 1;
        }
        if (!stopping) await stop(code);
        return;
      }
      print(`caredesk demo is running at ${demo.url}`);
      print(`  supervisor:     ${demo.supervisor.name}, token ${demo.supervisor.token}`);
      print(`  data directory: ${demo.dataDir}${flags.keep ? '' : ' (removed when the demo stops; --keep keeps it)'}`);
      print(`  server log:     ${demo.logFile}`);
      print(`  terminal UI:    caredesk tui --server ${demo.url} --token ${demo.supervisor.token}`);
      print(`  web chat:       ${demo.url}/webchat/ (chat as a website visitor)`);
      print(
        `  admin API:      curl -H 'authorization: Bearer ${demo.supervisor.token}' ${demo.url}/admin/v1/conversations`,
      );
      print('Ctrl-C stops it. What the customers say:');
      demo.start();
      await new Promise<never>(() => undefined);
    });
}

/** What the UI does to the terminal when it quits (raw mode, alternate screen, hidden cursor), undone. */
function restoreTerminal(): void {
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  if (process.stdout.isTTY) process.stdout.write('\x1b[?25h\x1b[?1049l');
}

/** The supervisors' UI on the demo, as Sofia; resolves when she quits it. */
async function openTui(server: string, token: string): Promise<void> {
  // Loaded here: ink and react are for this half of the demo only.
  const { runTui } = await import('../../tui/index.js');
  await runTui({ server, token });
}

function formatLine(line: CustomerLine): string {
  const text = line.text.split('\n')[0] ?? '';
  const who = `${line.customer} (${line.language})`.padEnd(18);
  return line.direction === 'says'
    ? `  ${who} > ${text}`
    : `  ${who} < ${text.length > 90 ? `${text.slice(0, 89)}…` : text}`;
}
