/**
 * Erasure in the journal: each sealed segment that holds the customer's
 * data is rewritten without it, every line in the same number of bytes
 * (erasure.ts only shortens; the rest is spaces, which JSON skips), so the
 * positions the indexes and the checkpoint hold stay right. Segments are
 * read oldest first: the scope learns the customer's outbox entries on the
 * way, and their deliveries come after them.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { StoreCorruptError } from '../../errors.js';
import { type ErasableLine, type ErasureReport, type ErasureScope, eraseFromLine, type Mutable } from '../erasure.js';
import type { Journal } from './journal.js';

const NEWLINE = 0x0a;
const SPACE = 0x20;
/** Bytes looked at between two turns of the event loop: the desk answers while history is rewritten. */
const TURN = 1 << 20;

/** Rewrites the sealed segments that hold the scope's data; returns how many were rewritten. */
export async function eraseFromJournal(
  journal: Journal,
  scope: ErasureScope,
  report: Mutable<ErasureReport>,
): Promise<number> {
  let rewritten = 0;
  for (const n of await journal.sealedSegments()) {
    const bytes = await journal.segmentBytes(n);
    if (await eraseFromSegment(bytes, journal.fileOf(n * 2 ** 32), scope, report)) {
      await journal.replaceSealed(n, bytes);
      rewritten++;
    }
  }
  return rewritten;
}

/** Erases in place in `bytes` (a whole segment); true if anything changed. */
async function eraseFromSegment(
  bytes: Buffer,
  file: string,
  scope: ErasureScope,
  report: Mutable<ErasureReport>,
): Promise<boolean> {
  let changed = false;
  let turn = 0;
  // Past the header line.
  let start = bytes.indexOf(NEWLINE) + 1;
  while (start > 0 && start < bytes.length) {
    const end = bytes.indexOf(NEWLINE, start);
    if (end < 0) break;
    const text = bytes.toString('utf8', start, end);
    if (scope.mayConcern(text)) {
      let line: ErasableLine;
      try {
        line = JSON.parse(text) as ErasableLine;
      } catch (cause) {
        throw new StoreCorruptError(file, `line at byte ${start} is not JSON`, { cause });
      }
      const erased = eraseFromLine(line, scope, report);
      if (erased) {
        const next = Buffer.from(JSON.stringify(erased));
        // erasure.ts only removes and shortens; a longer line would move every position after it.
        if (next.length > end - start) throw new Error(`erasure would lengthen the line at byte ${start} of ${file}`);
        next.copy(bytes, start);
        bytes.fill(SPACE, start + next.length, end);
        changed = true;
      }
    }
    turn += end - start;
    if (turn >= TURN) {
      turn = 0;
      await nextTurn();
    }
    start = end + 1;
  }
  return changed;
}
