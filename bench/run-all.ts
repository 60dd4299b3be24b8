/**
 * `npm run bench`: runs every `bench:*` script of package.json, one after the
 * other (benchmarks running side by side would measure each other), then
 * prints a summary. `npm run bench -- store` runs only the scripts whose name
 * contains "store". Exits non-zero if any benchmark failed.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Outcome {
  readonly script: string;
  readonly exitCode: number;
  readonly seconds: number;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  scripts?: Record<string, string>;
};
const filters = process.argv.slice(2);
const scripts = Object.keys(pkg.scripts ?? {})
  .filter((name) => name.startsWith('bench:'))
  .filter((name) => filters.length === 0 || filters.some((f) => name.includes(f)))
  .sort();

if (scripts.length === 0) {
  const which = filters.length > 0 ? ` matching ${filters.join(', ')}` : '';
  process.stdout.write(
    `No bench:* scripts${which} in package.json. Add one as "bench:<name>": "tsx bench/<name>.ts".\n`,
  );
  process.exit(filters.length > 0 ? 1 : 0);
}

function run(script: string): Promise<Outcome> {
  const started = performance.now();
  process.stdout.write(`\n=== ${script} ===\n`);
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
    const done = (exitCode: number): void =>
      resolve({ script, exitCode, seconds: (performance.now() - started) / 1000 });
    child.on('error', (err) => {
      process.stderr.write(`${script}: could not start npm (${err.message})\n`);
      done(127);
    });
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}

const outcomes: Outcome[] = [];
for (const script of scripts) outcomes.push(await run(script));

const width = Math.max(...scripts.map((s) => s.length));
process.stdout.write('\n=== summary ===\n');
for (const o of outcomes) {
  const verdict = o.exitCode === 0 ? 'ok' : `FAILED (exit ${o.exitCode})`;
  process.stdout.write(`${o.script.padEnd(width)}  ${o.seconds.toFixed(1).padStart(7)} s  ${verdict}\n`);
}
const failed = outcomes.filter((o) => o.exitCode !== 0).length;
process.stdout.write(
  `${outcomes.length} benchmark${outcomes.length === 1 ? '' : 's'}, ${failed} failed. Figures: bench/results/*.json\n`,
);
process.exitCode = failed > 0 ? 1 : 0;
