import { Command } from 'commander';

/** `caredesk kb check`: the care bot's knowledge base as customers will meet it. */
export function kbCommand(): Command {
  const kb = new Command('kb').description('The care bot’s knowledge base (flows/care/knowledge).');
  kb.command('check')
    .description(
      'Validate the knowledge base and report articles no phrasing of theirs reaches, and example questions two articles share. Exit 1 if there is any.',
    )
    .option('--dir <dir>', 'a folder of <language>.json files (default: the one caredesk ships)')
    .action(async (opts: { dir?: string }) => {
      const { loadKnowledgeBase } = await import('../../flows/care/knowledge-base.js');
      const { checkKnowledgeBase } = await import('../../flows/care/kb-check.js');
      // Invalid files stop here with a ConfigError naming the file and the field (the CLI prints it).
      const articles = loadKnowledgeBase(opts.dir);
      const report = checkKnowledgeBase(articles);
      const languages = [...new Set(articles.map((a) => a.language))].sort().join(', ');
      process.stdout.write(`${articles.length} articles (${languages})\n`);
      for (const u of report.unreachable) {
        process.stdout.write(`unreachable: ${u.id} — its title and questions lead to ${u.found.join(', ')}\n`);
      }
      for (const o of report.overlapping) {
        process.stdout.write(`overlap: "${o.question}" is an example question of ${o.ids[0]} and ${o.ids[1]}\n`);
      }
      const problems = report.unreachable.length + report.overlapping.length;
      process.stdout.write(problems === 0 ? 'ok: every article is reachable, no example question is shared\n' : '');
      if (problems > 0) process.exitCode = 1;
    });
  return kb;
}
