/**
 * The `caredesk` command. Each subcommand lives in cli/commands/ and is added
 * here; commander gives every one its own `--help`.
 */
import { Command } from 'commander';
import { agentsCommand } from './commands/agents.js';
import { auditCommand } from './commands/audit.js';
import { backupCommand } from './commands/backup.js';
import { chatCommand } from './commands/chat.js';
import { customersCommand } from './commands/customers.js';
import { demoCommand } from './commands/demo.js';
import { devCommand } from './commands/dev.js';
import { flowsCommand } from './commands/flows.js';
import { initCommand } from './commands/init.js';
import { kbCommand } from './commands/kb.js';
import { migrateCommand } from './commands/migrate.js';
import { reportCommand } from './commands/report.js';
import { serveCommand } from './commands/serve.js';
import { tuiCommand } from './commands/tui.js';
import { runCli } from './run.js';

const program = new Command('caredesk')
  .description('A social customer-care desk: bots answer in-channel, humans take over from a universal queue.')
  .version('0.1.0')
  .showHelpAfterError()
  .addCommand(serveCommand())
  .addCommand(chatCommand())
  .addCommand(flowsCommand())
  .addCommand(initCommand())
  .addCommand(devCommand())
  .addCommand(kbCommand())
  .addCommand(demoCommand())
  .addCommand(agentsCommand())
  .addCommand(reportCommand())
  .addCommand(migrateCommand())
  .addCommand(auditCommand())
  .addCommand(customersCommand())
  .addCommand(backupCommand())
  .addCommand(tuiCommand());

await runCli(program);
