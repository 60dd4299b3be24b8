// Bundles the caredesk command into dist/caredesk.mjs (dependencies stay in
// node_modules). Runs on `npm ci`/`npm install` (prepare). bin/caredesk.js uses
// the bundle while it is newer than every source file, and tsx otherwise, so
// an edit is never run stale; the bundle only saves tsx's start-up cost.
import { build } from 'esbuild';

await build({
  entryPoints: ['cli/main.ts'],
  outfile: 'dist/caredesk.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
