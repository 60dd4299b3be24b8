/**
 * A restart right after kill -9 works at the first try, also when the killed
 * server is left a zombie (its parent never reaps it, as under a supervisor
 * that died, or PID 1 in a container that reaps late).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../bots/telegram/helpers.js';
import { CaredeskProcess, stopServe } from './helpers/caredesk-process.js';

const BIN = fileURLToPath(new URL('../../bin/caredesk.js', import.meta.url));
const cleanup: Array<() => void> = [];

afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** The state letter of a process (R, S, Z…), or undefined once it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
  } catch {
    return undefined;
  }
}

describe('restart after kill -9', () => {
  it('a server killed with -9 and left a zombie does not keep the next start out: healthy at the first try', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'caredesk-zombie-')), 'data');
    cleanup.push(() => rmSync(dirname(dataDir), { recursive: true, force: true }));
    // `sleep` becomes the server's parent and never waits for it: once killed, the server stays a zombie.
    const shell = spawn(
      'sh',
      ['-c', `"${process.execPath}" "${BIN}" serve --data-dir "${dataDir}" & echo $! ; exec sleep 60`],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', CAREDESK_FSYNC: 'false' } },
    );
    cleanup.push(() => shell.kill('SIGKILL'));
    let out = '';
    shell.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const pid = await until(() => Number(out.split('\n')[0]) || undefined);
    cleanup.push(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    });
    await until(() => (out.includes('caredesk listening') ? true : undefined), 20_000);
    expect(existsSync(join(dataDir, 'LOCK'))).toBe(true);

    process.kill(pid, 'SIGKILL');
    await until(() => (stateOf(pid) === 'Z' ? true : undefined));

    const again = new CaredeskProcess(['serve', '--data-dir', dataDir], { PORT: '0', CAREDESK_FSYNC: 'false' });
    try {
      const url = await again.listening();
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(again.stdout).not.toMatch(/E_STORE_LOCKED/);
    } finally {
      await stopServe(again);
    }
  }, 60_000);
});
