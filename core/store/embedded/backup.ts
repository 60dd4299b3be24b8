/**
 * A backup of the embedded store: a checkpoint and the journal up to it,
 * copied into a new directory that is a data directory of its own (restore:
 * open it). EmbeddedStore.backup() says when it is consistent.
 */
import { copyFile, mkdir, open, readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { InvalidInputError } from '../../errors.js';
import type { Journal } from './journal.js';

/** The directory to write into: made private if new; refused inside the data directory or when not empty. */
export async function backupTarget(dir: string, dataDir: string): Promise<string> {
  const target = resolve(dir);
  if (target === dataDir || target.startsWith(`${dataDir}${sep}`))
    throw new InvalidInputError(`The backup directory ${target} is inside the data directory; choose another one.`);
  await mkdir(target, { recursive: true, mode: 0o700 });
  if ((await readdir(target)).length > 0)
    throw new InvalidInputError(`The backup directory ${target} is not empty; give a new or empty directory.`);
  return target;
}

/** Copies the checkpoint file and the journal up to `position` into `target`, durably; returns the bytes copied. */
export async function copyDataDir(
  target: string,
  checkpointFile: string,
  journal: Journal,
  position: number,
): Promise<number> {
  const state = join(target, 'state.json');
  await copyFile(checkpointFile, state);
  const journalBytes = await journal.copyTo(target, position);
  const h = await open(state, 'r+');
  let stateBytes: number;
  try {
    await h.chmod(0o600);
    await h.sync();
    stateBytes = (await h.stat()).size;
  } finally {
    await h.close();
  }
  const d = await open(target, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
  return journalBytes + stateBytes;
}
