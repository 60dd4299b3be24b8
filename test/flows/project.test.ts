import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FlowLoadError, loadFlowRegistry, readFlowSetup } from '../../flows/project/index.js';
import { loadConfig } from '../../server/index.js';
import { flowSource, makeProject } from '../helpers/flow-project.js';

const GREETER = flowSource(
  'greeter',
  'greeting',
  `{ greeting: { on: { 'customer.message': { actions: reply('Hello from greeter') } } } }`,
);

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const project = (files: Record<string, string>, flows: unknown): string => {
  const dir = makeProject(files, flows);
  dirs.push(dir);
  return dir;
};

describe("a project's flows beside the shipped ones", () => {
  it('are loaded from caredesk.config.json: the care flow stays, the default and the channels are as written', async () => {
    const dir = project(
      { 'flows/greeter.ts': GREETER },
      { files: { greeter: 'flows/greeter.ts' }, default: 'greeter', channels: { telegram: 'care' } },
    );
    const registry = await loadFlowRegistry(readFlowSetup({ cwd: dir, env: {} }));
    expect(registry.names()).toEqual(['care', 'greeter']);
    expect(registry.flowFor('botframework')).toBe('greeter');
    expect(registry.flowFor('telegram')).toBe('care');
    // The shipped example is not in a project: the docs' example is the author's own file.
    expect(registry.flow('opening-hours')).toBeUndefined();
  });

  it('turn the care flow off with "care": false; the only project flow is then the default', async () => {
    const dir = project({ 'flows/greeter.ts': GREETER }, { files: { greeter: 'flows/greeter.ts' }, care: false });
    const registry = await loadFlowRegistry(readFlowSetup({ cwd: dir, env: {} }));
    expect(registry.names()).toEqual(['greeter']);
    expect(registry.flowFor('devchat')).toBe('greeter');
  });

  it('are what `caredesk serve` runs: its config is the project’s caredesk.config.json when none is named', () => {
    const dir = project({ 'flows/greeter.ts': GREETER }, { files: { greeter: 'flows/greeter.ts' } });
    const config = loadConfig({}, undefined, { cwd: dir });
    expect(config.configFile).toBe(join(dir, 'caredesk.config.json'));
    expect(config.flows?.files).toEqual({ greeter: join(dir, 'flows/greeter.ts') });
    expect(loadConfig({ CAREDESK_CONFIG: join(dir, 'caredesk.config.json') }).flows?.care).toBe(true);
  });
});

describe('a flow that fails to load stops start-up with its file and the error', () => {
  const failure = async (files: Record<string, string>, flows: unknown): Promise<FlowLoadError> => {
    const dir = project(files, flows);
    const err = await loadFlowRegistry(readFlowSetup({ cwd: dir, env: {} })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlowLoadError);
    return err as FlowLoadError;
  };

  it('a file that throws names the file, the error and where', async () => {
    const err = await failure(
      { 'flows/greeter.ts': `${GREETER}\nthrow new Error('the menu is not ready');\n` },
      { files: { greeter: 'flows/greeter.ts' } },
    );
    expect(err.code).toBe('E_FLOW_LOAD');
    expect(err.message).toMatch(/^Flow "greeter" \(.*flows\/greeter\.ts\) did not load: the menu is not ready/);
    expect(err.message).toMatch(/greeter\.ts:\d+/);
  });

  it('a missing file, a file without the flow, a name caredesk already ships', async () => {
    expect((await failure({}, { files: { greeter: 'flows/nope.ts' } })).message).toMatch(/nope\.ts\) .*does not exist/);
    expect(
      (await failure({ 'flows/greeter.ts': GREETER }, { files: { welcome: 'flows/greeter.ts' } })).message,
    ).toMatch(/exports "greeter", not "welcome"/);
    expect((await failure({ 'flows/x.ts': 'export const x = 1;\n' }, { files: { x: 'flows/x.ts' } })).message).toMatch(
      /exports no flow/,
    );
    expect((await failure({ 'flows/care.ts': GREETER }, { files: { care: 'flows/care.ts' } })).message).toMatch(
      /caredesk ships a flow named "care".*"care": false/,
    );
  });

  it('a wrong flows section is a configuration error naming the field', () => {
    const dir = project({}, { files: { Greeter: 'x.ts' }, care: 'yes' });
    expect(() => readFlowSetup({ cwd: dir, env: {} })).toThrow(
      /"flows" section of .*caredesk\.config\.json is invalid/,
    );
  });
});
