/**
 * `caredesk customers export | erase`: a customer's data rights from the
 * command line (docs/privacy.md) — from the store itself, or from the server
 * that owns the data directory.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { type DeskFlags, helpAboutDataDir, inputProblems, withDesk, withDeskOptions } from './desk-options.js';

interface ExportFlags extends DeskFlags {
  output?: string;
}

interface EraseFlags extends DeskFlags {
  reason?: string;
  json?: boolean;
}

const out = (text: string): void => {
  process.stdout.write(text);
};

export function customersCommand(): Command {
  const customers = new Command('customers')
    .description("A customer's data: export it as JSON, or erase it (GDPR art. 15, 17, 20).")
    .addHelpText(
      'after',
      `\nSee docs/privacy.md for what caredesk keeps and what an erasure leaves.\n${helpAboutDataDir}`,
    );

  withDeskOptions(
    customers
      .command('export')
      .description(
        "Print one customer's data as JSON: identities, links, conversations with their messages, survey answers.",
      )
      .argument('<id>', 'the customer id (any of a linked person’s ids gives the whole person)')
      .option('-o, --output <file>', 'write it to this file (readable by you only) instead of printing it'),
  ).action(async (id: string, flags: ExportFlags) => {
    const data = await withDesk(flags, {}, (ops) => ops.exportCustomer(id));
    const json = `${JSON.stringify(data, null, 2)}\n`;
    if (flags.output === undefined) return out(json);
    writeFileSync(flags.output, json, { mode: 0o600 });
    out(
      `Wrote the data of customer ${data.customer.id} to ${flags.output} (${data.conversations.length} conversations).\n`,
    );
  });

  withDeskOptions(
    customers
      .command('erase')
      .description(
        "Erase one customer's personal data from the desk and from the history on disk; their cases stay, anonymous, in the KPIs.",
      )
      .argument('<id>', 'the customer id (any of a linked person’s ids erases the whole person)')
      .option('--reason <text>', 'why, kept in the audit (required), e.g. "GDPR request #123"')
      .option('--json', 'print the answer as JSON'),
  )
    .addHelpText(
      'after',
      `
Their open conversation, if any, must be resolved first. Names, user ids,
message text and attachments, replies, flow state and the records naming them
are removed from the live store, from every journal segment and from the
checkpoint; ids, times, modes, counts and survey scores stay. A
customer.erased event records who, why and how much, never what.
Backups taken before still hold the data: docs/privacy.md.`,
    )
    .action(async (id: string, flags: EraseFlags) => {
      const reason = flags.reason?.trim() ?? '';
      const problem = inputProblems(reason === '' ? ['--reason is required: say why (kept in the audit)'] : []);
      if (problem) throw problem;
      const result = await withDesk(flags, {}, (ops) => ops.eraseCustomer(id, reason));
      if (flags.json) return out(`${JSON.stringify(result, null, 2)}\n`);
      const { erased } = result;
      out(
        `Erased customer ${result.customerIds.join(', ')}: ${erased.conversations} conversations, ${erased.messages} messages, ${erased.events} events anonymised; ${erased.files} files rewritten. Audit event #${result.event.seq}.\n`,
      );
    });

  return customers;
}
