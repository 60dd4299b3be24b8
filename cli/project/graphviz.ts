/**
 * Renders a dot diagram to SVG or PNG with Graphviz's `dot`, which caredesk
 * does not ship: a missing `dot` is a clear error saying how to install it.
 */
import { spawn } from 'node:child_process';
import { CaredeskError } from '../../core/index.js';

export type ImageFormat = 'svg' | 'png';

export class GraphvizMissingError extends CaredeskError {
  constructor(command: string) {
    super(
      'E_TOOL_MISSING',
      `Drawing an image needs Graphviz's "${command}" command, which is not installed (or not on PATH). Install Graphviz (apt install graphviz, brew install graphviz), or use --format mermaid|dot.`,
      { command },
    );
  }
}

/** The image bytes of `dotSource`, from `dot` on PATH. */
export function renderDot(dotSource: string, format: ImageFormat, command = 'dot'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [`-T${format}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new GraphvizMissingError(command) : e),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${command} -T${format} failed (exit ${code}): ${err.trim()}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(dotSource);
  });
}
