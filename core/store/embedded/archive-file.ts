import { closeSync, openSync, readSync } from 'node:fs';
import { StoreClosedError, StoreCorruptError } from '../../errors.js';
import type { ArchiveSource } from '../archive.js';

/**
 * The archive part of a checkpoint file, read in place. The file is kept open:
 * when the next checkpoint renames a new file over it, this one still reads the
 * old content until the state has moved to the new file and closed it.
 */
export class ArchiveFile implements ArchiveSource {
  private fd: number | undefined;

  constructor(readonly location: string) {
    this.fd = openSync(location, 'r');
  }

  read(offset: number, length: number): Buffer {
    if (this.fd === undefined) throw new StoreClosedError();
    const bytes = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const n = readSync(this.fd, bytes, filled, length - filled, offset + filled);
      if (n === 0) throw new StoreCorruptError(this.location, `it ends before byte ${offset + length}`);
      filled += n;
    }
    return bytes;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
