import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CONFIG_OPTION_HELP, commandRegistry } from '../project/registry.js';

type DrawFormat = 'mermaid' | 'dot' | 'svg' | 'png';

export function flowsCommand(): Command {
  const flows = new Command('flows').description(
    "The conversation flows: caredesk's own and the project's (caredesk.config.json). List them, draw them.",
  );
  flows
    .command('list')
    .description('List the flows and which one starts new conversations.')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(async (opts: { config?: string }) => {
      const registry = await commandRegistry(opts.config);
      for (const f of registry.list()) {
        const mark = registry.flowFor('') === f.name ? ' (default)' : '';
        process.stdout.write(`${f.name}${mark}\t${f.description}\n`);
      }
    });
  flows
    .command('draw')
    .description('Print a flow as a state diagram (Mermaid by default; paste it into a Markdown file).')
    .argument('<name>', 'the flow to draw (see `caredesk flows list`)')
    .addOption(
      new Option('--format <format>', 'diagram language; svg and png need Graphviz (apt install graphviz)')
        .choices(['mermaid', 'dot', 'svg', 'png'])
        .default('mermaid'),
    )
    .option('-o, --output <file>', 'write the diagram to this file instead of standard output')
    .option('-c, --config <file>', CONFIG_OPTION_HELP)
    .action(async (name: string, opts: { format: DrawFormat; output?: string; config?: string }) => {
      const { drawFlow } = await import('../../flows/kit/draw.js');
      const machine = (await commandRegistry(opts.config)).require(name).machine;
      let diagram: string | Buffer;
      if (opts.format === 'svg' || opts.format === 'png') {
        const { renderDot } = await import('../project/graphviz.js');
        diagram = await renderDot(drawFlow(machine, 'dot'), opts.format);
      } else {
        diagram = drawFlow(machine, opts.format);
      }
      if (opts.output) writeFileSync(opts.output, diagram);
      else process.stdout.write(diagram);
    });
  return flows;
}
