/**
 * The flow registry of a project: the flows caredesk ships (the care flow,
 * unless turned off) beside the project's own, with its default and
 * per-channel choice. Without a project, the shipped flows as they are.
 */
import { careFlow } from '../care/flow.js';
import { defaultRegistry, FlowRegistry } from '../registry.js';
import type { FlowSetup } from './config.js';
import { FlowLoadError, loadFlowFile } from './load.js';

/**
 * One registry per setup: `caredesk dev` loads it first, then the server it
 * starts gets the same one, and dev swaps a changed flow in it.
 */
const loaded = new WeakMap<FlowSetup, Promise<FlowRegistry>>();

/** The registry for `setup` (loaded once per setup); the shipped flows when there is no project. */
export function loadFlowRegistry(setup: FlowSetup | undefined): Promise<FlowRegistry> {
  if (!setup) return Promise.resolve(defaultRegistry());
  let registry = loaded.get(setup);
  if (!registry) {
    registry = projectRegistry(setup);
    loaded.set(setup, registry);
    registry.catch(() => loaded.delete(setup));
  }
  return registry;
}

async function projectRegistry(setup: FlowSetup): Promise<FlowRegistry> {
  const shipped = setup.care ? [careFlow] : [];
  const own = [];
  for (const [name, file] of Object.entries(setup.files)) {
    if (shipped.some((f) => f.name === name)) {
      throw new FlowLoadError(
        name,
        file,
        `caredesk ships a flow named "${name}". Rename yours, or set "care": false in ${setup.configFile}.`,
      );
    }
    own.push(await loadFlowFile(name, file));
  }
  const all = [...shipped, ...own];
  if (all.length === 0) {
    throw new FlowLoadError('(none)', setup.configFile, 'the project has no flow and the care flow is off.');
  }
  const fallback = setup.default ?? (setup.care ? 'care' : own.length === 1 ? own[0]!.name : undefined);
  if (fallback === undefined) {
    throw new FlowLoadError(
      '(default)',
      setup.configFile,
      `say which flow starts conversations: set "default" in the "flows" section to one of ${own.map((f) => f.name).join(', ')}.`,
    );
  }
  const registry = new FlowRegistry(fallback).register(...all);
  registry.setDefault(fallback);
  const channels = Object.entries(setup.channels).filter(
    (entry): entry is [keyof FlowSetup['channels'], string] => entry[1] !== undefined,
  );
  // biome-ignore lint/correctness/useHookAtTopLevel: useForChannel is the registry's method, not a React hook.
  for (const [channel, flow] of channels) registry.useForChannel(channel, flow);
  return registry;
}
