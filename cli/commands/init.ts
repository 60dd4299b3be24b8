/**
 * `caredesk init [name]`: a flow project in the current folder — a sample
 * flow and its test, caredesk.config.json, tsconfig.json, a README. It never
 * overwrites a file: if any of them exists it writes none and says which.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { CaredeskError, ConfigError } from '../../core/index.js';
import { PROJECT_CONFIG_FILE } from '../../flows/project/config.js';
import { projectConfig, projectReadme, sampleFlow, sampleTest, TSCONFIG } from '../project/templates.js';

const NAME = /^[a-z][a-z0-9-]{0,63}$/;
/** What `npm init -y` puts in `scripts.test`: a placeholder, not the author's choice. */
const NPM_PLACEHOLDER_TEST = /no test specified/;

export function initCommand(): Command {
  return new Command('init')
    .description('Start a flow project in the current folder: a sample flow, its test, caredesk.config.json, a README.')
    .argument('[name]', "the sample flow's name (lowercase letters, digits, dashes)", 'greeter')
    .addHelpText(
      'after',
      `
In an empty folder:

  npm init -y && npm install caredesk
  npx caredesk init opening-hours
  npx vitest run && npx caredesk chat --flow opening-hours

Existing files are never overwritten: if one of the files init writes exists, it writes none.`,
    )
    .action((name: string) => {
      const written = initProject(process.cwd(), name);
      process.stdout.write(`${written.map((l) => `  ${l}`).join('\n')}\n\nNext: npx caredesk chat --flow ${name}\n`);
    });
}

/** Writes the project; returns what it did, a line each. */
export function initProject(dir: string, name: string): string[] {
  if (!NAME.test(name)) {
    throw new ConfigError(`Flow name "${name}" is invalid: use lowercase letters, digits and dashes (e.g. "greeter").`);
  }
  const files: Record<string, string> = {
    [`flows/${name}.ts`]: sampleFlow(name),
    [`flows/${name}.test.ts`]: sampleTest(name),
    [PROJECT_CONFIG_FILE]: projectConfig(name),
    'tsconfig.json': TSCONFIG,
    'README.md': projectReadme(name),
  };
  const existing = Object.keys(files).filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0) {
    throw new CaredeskError(
      'E_FILE_EXISTS',
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} in ${dir}; caredesk init wrote nothing. Run it in an empty folder, or move ${existing.length === 1 ? 'it' : 'them'} aside.`,
      { dir, existing },
    );
  }
  mkdirSync(join(dir, 'flows'), { recursive: true });
  const done: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    writeFileSync(join(dir, file), text, { flag: 'wx' });
    done.push(`wrote ${file}`);
  }
  // A project's own .gitignore is left as it is: ignoring these two is only a convenience.
  if (!existsSync(join(dir, '.gitignore'))) {
    writeFileSync(join(dir, '.gitignore'), 'node_modules/\ndata/\n', { flag: 'wx' });
    done.push('wrote .gitignore');
  }
  done.push(...preparePackageJson(dir));
  return done;
}

/**
 * Flow files are ES modules (`import … from 'caredesk/flows'`), so the
 * project's package.json says `"type": "module"`; and `npm test` runs vitest.
 */
function preparePackageJson(dir: string): string[] {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) {
    const pkg = { name: 'caredesk-flows', private: true, type: 'module', scripts: { test: 'vitest run' } };
    writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`, { flag: 'wx' });
    return ['wrote package.json'];
  }
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { type?: string; scripts?: Record<string, string> };
  const changed: string[] = [];
  if (pkg.type !== 'module') {
    pkg.type = 'module';
    changed.push('"type": "module" (flow files are ES modules)');
  }
  const test = pkg.scripts?.test;
  if (test === undefined || NPM_PLACEHOLDER_TEST.test(test)) {
    pkg.scripts = { ...pkg.scripts, test: 'vitest run' };
    changed.push('"scripts.test": "vitest run"');
  }
  if (changed.length === 0) return [];
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  return [`set in package.json: ${changed.join(', ')}`];
}
