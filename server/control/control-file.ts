/**
 * `<data dir>/control.json`: where the server that owns a data directory
 * takes commands from this machine (its URL, its pid) and the secret that
 * proves the caller may read that directory. Mode 0600: only the user who
 * runs the server (and root) can read the secret, the same people who could
 * open the data files anyway.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const CONTROL_FILE = 'control.json';

export const ControlFileSchema = z.object({
  url: z.url({ protocol: /^http$/ }),
  pid: z.number().int().positive(),
  dataDir: z.string().min(1),
  secret: z.string().min(32),
  startedAt: z.string(),
});
export type ControlFile = z.infer<typeof ControlFileSchema>;

export const controlFilePath = (dataDir: string): string => join(dataDir, CONTROL_FILE);

export const newControlSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Written whole or not at all (temp file, then rename), so that a reader never
 * sees half a file. Synchronous on purpose: called from fastify's onListen
 * hook, it is on disk before the server logs that it listens.
 */
export function writeControlFile(content: ControlFile): void {
  const file = controlFilePath(content.dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  writeFileSync(temp, `${JSON.stringify(content)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(temp, file);
}

/** The control file, if there is a readable one; anything else (missing, half-written by hand) counts as none. */
export function readControlFile(dataDir: string): ControlFile | undefined {
  try {
    const parsed = ControlFileSchema.safeParse(JSON.parse(readFileSync(controlFilePath(dataDir), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the control file if it is still the one with this secret (or any, without one). */
export function removeControlFile(dataDir: string, secret?: string): void {
  if (secret !== undefined && readControlFile(dataDir)?.secret !== secret) return;
  try {
    unlinkSync(controlFilePath(dataDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
