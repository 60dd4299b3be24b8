/**
 * The care flow's knowledge base: articles kept as files in
 * `flows/care/knowledge/<language>.json`, validated with zod when loaded. A
 * bad file stops start-up with its name and the field at fault, so a broken
 * edit never reaches customers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError, describeIssues } from '../../core/index.js';
import type { Article } from './services.js';

export const KNOWLEDGE_DIR = fileURLToPath(new URL('./knowledge/', import.meta.url));

const ArticleFileSchema = z.array(
  z.object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'use lowercase letters, digits and -'),
    topic: z.string().min(1).max(64),
    tags: z.array(z.string().min(1).max(64)).max(32).default([]),
    title: z.string().min(1).max(200),
    body: z.string().min(1).max(3000),
  }),
);

export interface KnowledgeArticle extends Article {
  readonly tags: readonly string[];
}

/** Every `<language>.json` of the folder; the file name is the articles' language. */
export function loadKnowledgeBase(dir: string = KNOWLEDGE_DIR): KnowledgeArticle[] {
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
