// Bundles the caredesk command into dist/caredesk.mjs, and the flow kit and
// test kit into dist/flows.mjs and dist/testing.mjs (dependencies stay in
// node_modules; `npm pack` adds their type declarations, see tsconfig.types.json).
// Runs on `npm ci`/`npm install` (prepare). bin/caredesk.js uses the bundle
// while it is newer than every source file, and tsx otherwise, so an edit is
// never run stale; the bundle only saves tsx's start-up cost.
//
// Code splitting keeps a lazily imported command lazy: without it esbuild
// hoists every package import of the bundle to its top, so each command would
// load what `caredesk tui` needs (ink and react, ~0.3 s). Chunks sit beside the
// entry in dist/, so files found relative to a module stay where they were.
import { readdir, rm } from 'node:fs/promises';
import { build } from 'esbuild';

// Chunks of an earlier build: their names change with their content.
for (const name of await readdir('dist').catch(() => [])) {
  if (/^chunk-.*\.mjs(\.map)?$/.test(name)) await rm(`dist/${name}`);
}

await build({
  // The command, and the two entries flow authors import (package.json `exports`): caredesk/flows, caredesk/testing.
  entryPoints: { caredesk: 'cli/main.ts', flows: 'flows/kit/index.ts', testing: 'flows/kit/testing.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
