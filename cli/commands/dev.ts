/**
 * `caredesk dev`: `caredesk serve` with the project's flows, reloading a flow
 * when its file (or a file beside it) changes. Conversations are kept: each
 * goes on in the new version where its state still exists, or restarts, and
 * the author reads which and why. A version that fails to load leaves the
 * one running in place.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { Command } from 'commander';
import { ConfigError } from '../../core/index.js';
import { startServer } from '../../server/index.js';
import { configWithFlags, type ServeFlags } from './serve.js';

type DevFlags = ServeFlags;

const DEBOUNCE_MS = 150;

export function devCommand(): Command {
  return new Command('dev')
    .description("Serve with the project's flows (caredesk.config.json) and reload a flow when its file changes.")
    .option('-p, --port <port>', 'TCP port to listen on, 0 for any free port (overrides PORT; default 3978)')
    .option('--host <host>', 'address to bind (overrides HOST; default 127.0.0.1)')
    .option('-d, --data-dir <dir>', 'data directory (overrides CAREDESK_DATA_DIR; default ./data)')
    .option('-c, --config <file>', 'the project config file (default: CAREDESK_CONFIG, else ./caredesk.config.json)')
    .addHelpText(
      'after',
      `
Every setting of \`caredesk serve\` applies. Talk to it with \`caredesk chat\` in another terminal.
A flow whose new version fails to load is reported, and the running version stays.
A conversation whose state the new version no longer has restarts from the beginning (it is
listed, with the reason); add a \`migrate\` to defineFlow to carry it over instead (docs/flows.md).`,
    )
    .action(async (flags: DevFlags) => {
      const config = configWithFlags(flags);
      const setup = config.flows;
      if (!setup) {
        throw new ConfigError(
          'caredesk dev needs a flow project: no caredesk.config.json with a "flows" section here. Run `caredesk init`, or use --config.',
        );
      }
      const { loadFlowRegistry, loadFlowFile, FlowLoadError } = await import('../../flows/project/index.js');
      const { swapFlow, describeReload } = await import('../project/reload.js');
      // The same registry the server gets (one per setup): the one the reloads swap flows in.
      const registry = await loadFlowRegistry(setup);
      const server = await startServer(config);
      const say = (line: string): void => {
        process.stderr.write(`caredesk dev: ${line}\n`);
      };
      const shown = (file: string): string => relative(process.cwd(), file) || file;

      const reload = async (name: string, file: string): Promise<void> => {
        try {
          const flow = await loadFlowFile(name, file);
          for (const line of describeReload(await swapFlow(server.desk, registry, flow), shown(file))) say(line);
        } catch (err) {
          if (!(err instanceof FlowLoadError)) throw err;
          say(`${err.message}\n  The version that loaded before keeps running.`);
        }
      };
      // Serialised: two saves in a row reload in the order they were made.
      let queue = Promise.resolve();
      const pending = new Map<string, NodeJS.Timeout>();
      const schedule = (name: string, file: string): void => {
        clearTimeout(pending.get(name));
        pending.set(
          name,
          setTimeout(() => {
            pending.delete(name);
            queue = queue.then(() => reload(name, file)).catch((err) => say(`reload failed: ${String(err)}`));
          }, DEBOUNCE_MS),
        );
      };

      // Directories, not files: editors save by writing a new file and renaming it over the old one.
      const watchers: FSWatcher[] = [];
      const byDir = new Map<string, Array<[string, string]>>();
      for (const entry of Object.entries(setup.files)) {
        const dir = dirname(entry[1]);
        byDir.set(dir, [...(byDir.get(dir) ?? []), entry]);
      }
      for (const [dir, flows] of byDir) {
        const watcher = watch(dir, (_event, changed) => {
          if (!changed || !/\.(ts|mts|js|mjs|json)$/.test(changed) || /\.test\.[mc]?[jt]s$/.test(changed)) return;
          const own = flows.filter(([, file]) => basename(file) === changed);
          // A file beside the flows (a helper they import): reload them all.
          for (const [name, file] of own.length > 0 ? own : flows) schedule(name, file);
        });
        watchers.push(watcher);
      }
      say(
        `serving ${server.url} with flows ${registry.names().join(', ')}; watching ${[...byDir.keys()].map((d) => `${shown(d)}/`).join(', ')}`,
      );
      await server.closed;
      for (const w of watchers) w.close();
      for (const t of pending.values()) clearTimeout(t);
    });
}
