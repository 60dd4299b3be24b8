import type { Command } from 'commander';
import { CaredeskError } from '../core/index.js';

/** Runs the CLI; a CaredeskError ends the process with its message and code, not a stack trace. */
export async function runCli(program: Command): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CaredeskError) {
      process.stderr.write(`caredesk: ${err.message} [${err.code}]\n`);
      process.exit(1);
    }
    throw err;
  }
}
