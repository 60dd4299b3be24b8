#!/usr/bin/env node
// caredesk is written in TypeScript. `npm ci` bundles it into dist/ (scripts/build.mjs);
// while that bundle is newer than every source file it is run directly, otherwise the
// sources are run through tsx, so that an edit is never run stale.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}dist/caredesk.mjs`;
const SOURCES = ['cli', 'core', 'server', 'bots', 'flows', 'tui'];

function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (/\.(ts|tsx|json|md)$/.test(e.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  // An installed package ships the bundle without the sources (package.json `files`).
  if (!existsSync(`${root}cli`)) return true;
  try {
    const built = statSync(bundle).mtimeMs;
    return SOURCES.every((d) => newestSource(`${root}${d}`) <= built);
  } catch {
    return false;
  }
}

if (process.env.CAREDESK_NO_BUNDLE !== '1' && bundleIsFresh()) {
  process.setSourceMapsEnabled(true);
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
