/**
 * Files of the store written durably. A file replaced whole is written to
 * `tmp` (0600, as every file of the store), flushed, renamed over `file`, and
 * its directory flushed: a crash leaves the old file or the new one, never
 * half of one, and the rename itself survives a power cut. A failed write
 * removes `tmp`.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function replaceFile(
  file: string,
  tmp: string,
  write: (handle: FileHandle) => Promise<void>,
): Promise<void> {
  const handle = await open(tmp, 'w', 0o600);
  try {
    await write(handle);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await rename(tmp, file);
  syncDirectory(dirname(file));
}

/** Makes the names in a directory (a file created, renamed or removed) durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
