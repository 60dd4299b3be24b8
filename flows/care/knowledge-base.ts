/**
 * The care flow's knowledge base: articles kept as files in
 * `flows/care/knowledge/<language>.json`, validated with zod when loaded. A
 * bad file stops start-up with its name and the field at fault, so a broken
 * edit never reaches customers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, describeIssues } from '../../core/index.js';
import type { Article } from './services.js';

/**
 * `flows/care/knowledge`, found from this module's place: beside it when run
 * from the sources, up from `dist/` when run from the bundle.
 */
export function knowledgeDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    for (const candidate of [join(dir, 'knowledge'), join(dir, 'flows', 'care', 'knowledge')]) {
      if (existsSync(candidate)) return candidate;
    }
    dir = dirname(dir);
  }
  throw new ConfigError('The care knowledge base (flows/care/knowledge) is missing from this installation.');
}

const ArticleFileSchema = z.array(
  z.object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'use lowercase letters, digits and -'),
    topic: z.string().min(1).max(64),
    tags: z.array(z.string().min(1).max(64)).max(32).default([]),
    title: z.string().min(1).max(200),
    body: z.string().min(1).max(3000),
    /** How customers ask for this article, in their words: search matches them as it matches the title. */
    questions: z.array(z.string().min(1).max(300)).max(100).default([]),
    /** Words customers use for its subject that the article does not ("gigs", "crawling"). */
    synonyms: z.array(z.string().min(1).max(64)).max(100).default([]),
  }),
);

export interface KnowledgeArticle extends Article {
  readonly tags: readonly string[];
  readonly questions: readonly string[];
  readonly synonyms: readonly string[];
}

/** Every `<language>.json` of the folder; the file name is the articles' language. */
export function loadKnowledgeBase(dir: string = knowledgeDir()): KnowledgeArticle[] {
  if (!existsSync(dir)) {
    throw new ConfigError(`There is no knowledge base folder at ${dir}; give a folder of <language>.json files.`, {
      dir,
    });
  }
  const files = readdirSync(dir).filter((f) => /^[a-z]{2}\.json$/.test(f));
  const articles: KnowledgeArticle[] = [];
  const ids = new Set<string>();
  for (const file of files.sort()) {
    const path = join(dir, file);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (cause) {
      throw new ConfigError(`Knowledge base file ${path} is not valid JSON: ${(cause as Error).message}`, {
        file: path,
      });
    }
    const parsed = ArticleFileSchema.safeParse(json);
    if (!parsed.success) {
      throw new ConfigError(`Knowledge base file ${path}: ${describeIssues(parsed.error.issues)}`, { file: path });
    }
    const language = file.slice(0, 2);
    for (const a of parsed.data) {
      if (ids.has(a.id))
        throw new ConfigError(`Knowledge base file ${path}: the id "${a.id}" is used twice`, { file: path });
      ids.add(a.id);
      articles.push({ ...a, language });
    }
  }
  return articles;
}
