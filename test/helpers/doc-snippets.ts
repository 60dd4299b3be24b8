/**
 * The files a document shows: a code block right after `<!-- file: PATH -->`
 * is the whole of the file PATH of a flow project, as the reader would save it.
 */
import { readFileSync } from 'node:fs';

const MARKED = /<!-- file: (\S+) -->\n```[a-z]*\n([\s\S]*?)\n```/g;

/** Path → text of every marked block of `doc` (a path from the repository's root). */
export function docFiles(doc: string): Record<string, string> {
  const text = readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8');
  return Object.fromEntries([...text.matchAll(MARKED)].map((m) => [m[1]!, `${m[2]!}\n`]));
}
