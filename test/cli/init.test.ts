import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initProject } from '../../cli/commands/init.js';
import { CaredeskError } from '../../core/index.js';
import { readFlowSetup } from '../../flows/project/index.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const folder = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'caredesk-init-'));
  dirs.push(d);
  return d;
};
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('caredesk init', () => {
  it('writes a project whose config names the sample flow, and makes the package an ES module with vitest as its test', () => {
    const d = folder();
    writeFileSync(
      join(d, 'package.json'),
      JSON.stringify({ name: 'shop', scripts: { test: 'echo "Error: no test specified" && exit 1' } }),
    );
    const done = initProject(d, 'returns');
    expect(done).toEqual(
      expect.arrayContaining(['wrote flows/returns.ts', 'wrote flows/returns.test.ts', 'wrote caredesk.config.json']),
    );
    expect(readFileSync(join(d, 'flows/returns.ts'), 'utf8')).toContain(
      "export const returnsFlow = defineFlow({\n  name: 'returns'",
    );
    expect(readFileSync(join(d, 'flows/returns.test.ts'), 'utf8')).toContain(
      "import { returnsFlow } from './returns.js';",
    );
    expect(readFlowSetup({ cwd: d, env: {} })).toMatchObject({
      files: { returns: join(d, 'flows/returns.ts') },
      default: 'returns',
      care: true,
    });
    expect(json(join(d, 'package.json'))).toMatchObject({
      name: 'shop',
      type: 'module',
      scripts: { test: 'vitest run' },
    });
    expect(readFileSync(join(d, 'README.md'), 'utf8')).toContain('npx caredesk chat --flow returns');
  });

  it('refuses to overwrite: with one of its files there, it writes nothing and names the file', () => {
    const d = folder();
    writeFileSync(join(d, 'README.md'), 'my own readme\n');
    writeFileSync(join(d, 'package.json'), JSON.stringify({ name: 'shop', scripts: { test: 'jest' } }));
    const err = (() => {
      try {
        initProject(d, 'greeter');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CaredeskError);
    expect((err as CaredeskError).code).toBe('E_FILE_EXISTS');
    expect((err as CaredeskError).message).toMatch(/^README\.md already exists in .*; caredesk init wrote nothing\./);
    expect(readFileSync(join(d, 'README.md'), 'utf8')).toBe('my own readme\n');
    expect(() => readFileSync(join(d, 'caredesk.config.json'))).toThrow();
    expect(json(join(d, 'package.json')).scripts.test).toBe('jest');
  });

  it('keeps a test script of the author’s own, and refuses a name that is not a flow name', () => {
    const d = folder();
    writeFileSync(join(d, 'package.json'), JSON.stringify({ type: 'module', scripts: { test: 'vitest --run' } }));
    expect(initProject(d, 'greeter').some((l) => l.startsWith('set in package.json'))).toBe(false);
    expect(() => initProject(folder(), 'Bad Name')).toThrow(/Flow name "Bad Name" is invalid/);
  });
});
