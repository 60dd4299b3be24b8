/**
 * `caredesk flows draw --format svg|png` hands the dot diagram to Graphviz's
 * `dot`. A stand-in `dot` on PATH shows what it is given; without one, the
 * author reads how to install Graphviz.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { caredesk } from './run-caredesk.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

it('draws an SVG or PNG with Graphviz: the flow as dot goes in, the image comes out (to a file with -o)', async () => {
  dir = mkdtempSync(join(tmpdir(), 'caredesk-dot-'));
  // Stands in for Graphviz: prints the format it was asked for, then the diagram it was given.
  writeFileSync(join(dir, 'dot'), '#!/bin/sh\nprintf "%s\\n" "$1"\ncat\n');
  chmodSync(join(dir, 'dot'), 0o755);
  const svg = await caredesk(['flows', 'draw', 'opening-hours', '--format', 'svg'], { PATH: `${dir}:/usr/bin:/bin` });
  expect(svg.status, svg.stderr).toBe(0);
  expect(svg.stdout).toMatch(/^-Tsvg\ndigraph opening_hours \{/);
  const out = join(dir, 'flow.png');
  const png = await caredesk(['flows', 'draw', 'opening-hours', '--format', 'png', '-o', out], {
    PATH: `${dir}:/usr/bin:/bin`,
  });
  expect(png.status, png.stderr).toBe(0);
  expect(readFileSync(out, 'utf8')).toMatch(/^-Tpng\ndigraph opening_hours \{/);
});

it('with Graphviz installed (.ci/run installs it), draws the care flow as a real SVG, every state named in it', async () => {
  const r = await caredesk(['flows', 'draw', 'care', '--format', 'svg']);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
  for (const state of ['awaitingFirstMessage', 'handedOff', 'surveying']) expect(r.stdout).toContain(state);
});

it('without Graphviz says how to install it, and that mermaid and dot need nothing', async () => {
  dir = mkdtempSync(join(tmpdir(), 'caredesk-no-dot-'));
  const r = await caredesk(['flows', 'draw', 'care', '--format', 'svg'], { PATH: dir });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(
    /needs Graphviz's "dot" command.*apt install graphviz.*--format mermaid\|dot\. \[E_TOOL_MISSING\]/,
  );
});
