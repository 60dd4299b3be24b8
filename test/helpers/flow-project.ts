/**
 * A flow project in a temporary folder, as `caredesk init` lays it out, for
 * tests inside this repository: its flow files import the kit from this
 * checkout's sources (an installed project imports `caredesk/flows`; the
 * package test, test/e2e/flow-package.test.ts, does that).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KIT = fileURLToPath(new URL('../../flows/kit/index.ts', import.meta.url));

/**
 * A flow file: `states` is the machine's `states` object as source text;
 * `initial` its first state. The kit's names are in scope (`reply`, `handoff`, …).
 */
export function flowSource(name: string, initial: string, states: string, extra = ''): string {
  return `import { connected, defineFlow, flowTypes, handoff, quickReplies, reply, said, setup } from ${JSON.stringify(KIT)};

const machine = setup({ types: flowTypes<Record<string, never>>(), guards: { connected } }).createMachine({
  id: ${JSON.stringify(name)},
  context: {},
  initial: ${JSON.stringify(initial)},
  states: ${states},
});

export const flow = defineFlow({ name: ${JSON.stringify(name)}, description: 'a test flow', machine${extra} });
void handoff; void quickReplies; void reply; void said;
`;
}

/** Writes `files` (path → text) into a new folder with a package.json of type module; its path. */
export function makeProject(files: Record<string, string>, flows: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'caredesk-flow-project-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'test-flows', type: 'module', private: true }));
  writeFileSync(join(dir, 'caredesk.config.json'), JSON.stringify({ flows }, null, 2));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
