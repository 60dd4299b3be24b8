import { Command } from 'commander';

export function serveCommand(): Command {
  return new Command('serve').description('Start the caredesk server (HTTP, channels, flows).').action(async () => {
    throw new Error('not yet');
  });
}
