/**
 * A file replaced whole, durably: written to `tmp` (0600, as every file of
 * the store), flushed, then renamed over `file`. A crash leaves the old file
 * or the new one, never half of one; a failed write removes `tmp`. The caller
 * syncs the directory after, so that the rename itself survives a power cut.
 */
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';

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
}
