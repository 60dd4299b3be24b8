import { Command } from 'commander';

export function chatCommand(): Command {
  return new Command('chat')
    .description(
      'Be a customer in this terminal: talk to a running caredesk (the dev chat channel), or to one flow with --flow.',
    )
    .option('-f, --flow <name>', 'talk to this flow alone, in memory, with its effects shown (no server needed)')
    .option('-s, --server <url>', 'caredesk to talk to', process.env.CAREDESK_SERVER ?? 'http://127.0.0.1:3978')
    .option('-u, --user <id>', 'your customer id on the dev chat channel (default: devchat-$USER)')
    .option('-l, --language <tag>', 'the language your client reports, e.g. en or it')
    .option(
      '-c, --config <file>',
      "with --flow: config file with the project's flows (default: CAREDESK_CONFIG, else ./caredesk.config.json)",
    )
    .addHelpText(
      'after',
      `
The dev chat is a tiny Bot Framework channel on 127.0.0.1: what you type is posted to
<server>/api/messages, and the replies come back to it. Buttons are shown numbered:
type the number to press one. Ctrl-D leaves. Works with piped input too:

  echo "my internet is slow" | caredesk chat --server http://127.0.0.1:3978

With --flow, no server is involved: the flow runs through the real engine on an
in-memory store, and its effects are shown as they happen ([handoff: …], [tag: …]):

  caredesk chat --flow care
  caredesk chat --flow greeter      # a flow of the project in this folder (caredesk.config.json)`,
    )
    .action(async (opts: { server: string; user?: string; language?: string; flow?: string; config?: string }) => {
      if (opts.flow) {
        const { runFlowChat } = await import('./flow-chat.js');
        await runFlowChat(opts.flow, opts.language, opts.config);
        return;
      }
      const { runDevChat } = await import('../chat/dev-chat.js');
      // Lines piped in are a script: each waits for the answer to the one before.
      const waitForAnswers = !process.stdin.isTTY;
      await runDevChat({ server: opts.server, user: opts.user, language: opts.language, waitForAnswers });
    });
}
