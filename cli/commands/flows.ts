import { Command, Option } from 'commander';

export function flowsCommand(): Command {
  const flows = new Command('flows').description('The conversation flows caredesk ships: list them, draw them.');
  flows
    .command('list')
    .description('List the registered flows and which one starts new conversations.')
    .action(async () => {
      const { defaultRegistry } = await import('../../flows/registry.js');
      const registry = defaultRegistry();
      for (const f of registry.list()) {
        const mark = registry.flowFor('') === f.name ? ' (default)' : '';
        process.stdout.write(`${f.name}${mark}\t${f.description}\n`);
      }
    });
  flows
    .command('draw')
    .description('Print a flow as a state diagram (Mermaid by default; paste it into a Markdown file).')
    .argument('<name>', 'the flow to draw (see `caredesk flows list`)')
    .addOption(new Option('--format <format>', 'diagram language').choices(['mermaid', 'dot']).default('mermaid'))
    .action(async (name: string, opts: { format: 'mermaid' | 'dot' }) => {
      const { defaultRegistry } = await import('../../flows/registry.js');
      const { drawFlow } = await import('../../flows/kit/draw.js');
      process.stdout.write(drawFlow(defaultRegistry().require(name).machine, opts.format));
    });
  return flows;
}
