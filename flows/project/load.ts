/**
 * Loads a project's flow files. A flow file is TypeScript (or JavaScript)
 * that exports a flow made with `defineFlow`; it is run through tsx, so the
 * author has no build step. Each load is a fresh module graph (a tsx
 * namespace), so `caredesk dev` sees a changed file and the files it imports.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CaredeskError } from '../../core/index.js';
import type { Flow } from '../kit/define.js';

/** A project flow could not be loaded: the file, and what is wrong with it. */
export class FlowLoadError extends CaredeskError {
  constructor(name: string, file: string, reason: string, options?: ErrorOptions) {
    super('E_FLOW_LOAD', `Flow "${name}" (${file}) did not load: ${reason}`, { name, file, reason }, options);
  }
}

/** A flow made with `defineFlow`, told apart from anything else a module exports. */
export function isFlow(value: unknown): value is Flow {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Flow>;
  return (
    typeof v.name === 'string' &&
    typeof v.description === 'string' &&
    typeof v.samples === 'object' &&
    typeof (v.machine as { transition?: unknown } | undefined)?.transition === 'function'
  );
}

/** Imports `file` and returns its flow named `name`. Throws FlowLoadError saying why not. */
export async function loadFlowFile(name: string, file: string): Promise<Flow> {
  if (!existsSync(file))
    throw new FlowLoadError(name, file, 'the file does not exist. Fix the path in the config file.');
  let module: Record<string, unknown>;
  try {
    // Stack traces then give the line in the author's TypeScript, not in tsx's output.
    process.setSourceMapsEnabled(true);
    const { tsImport } = await import('tsx/esm/api');
    module = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } catch (err) {
    throw new FlowLoadError(name, file, errorText(err), { cause: err });
  }
  const flows = Object.values(module).filter(isFlow);
  const flow = flows.find((f) => f.name === name);
  if (flow) return flow;
  const found = flows.map((f) => `"${f.name}"`).join(', ');
  throw new FlowLoadError(
    name,
    file,
    found
      ? `it exports ${found}, not "${name}". Rename the flow or the entry in the config file.`
      : 'it exports no flow. Export the result of defineFlow({ name, description, machine }).',
  );
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // The first frame in the author's file says where; the rest is the loader's.
  const where = err.stack
    ?.split('\n')
    .find((l) => /^\s+at /.test(l) && !l.includes('node_modules'))
    ?.trim()
    .replace('file://', '')
    .replace(/\?tsx-namespace=[^:)]*/, '');
  return where ? `${err.message}\n  ${where}` : err.message;
}
