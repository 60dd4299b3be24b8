/**
 * Checks a knowledge base the way customers will meet it: an article whose
 * own title and example questions do not lead to it (answered, or offered
 * among the options) is unreachable; two articles with an example question
 * of the same words compete for it. What a `caredesk kb check` would print.
 */
import { careServices } from './care-services.js';
import type { Article, CareServices } from './services.js';
import { subjectTerms } from './words.js';

export interface KnowledgeReport {
  /** Articles none of whose phrasings (title, example questions) lead to them, with what each found instead. */
  readonly unreachable: ReadonlyArray<{ readonly id: string; readonly found: readonly string[] }>;
  /** Example questions of two articles that say the same words. */
  readonly overlapping: ReadonlyArray<{ readonly question: string; readonly ids: readonly [string, string] }>;
}

const found = (svc: CareServices, text: string, language: string): string[] => {
  const meaning = svc.understand(text, language);
  if (meaning.kind === 'answer') return [meaning.article.id];
  if (meaning.kind === 'clarify') return meaning.options.map((a) => a.id);
  return [meaning.kind];
};

export function checkKnowledgeBase(
  articles: readonly Article[],
  svc: CareServices = careServices(articles),
): KnowledgeReport {
  const unreachable: Array<{ id: string; found: string[] }> = [];
  for (const article of articles) {
    const phrasings = [article.title, ...(article.questions ?? [])];
    const results = phrasings.map((p) => found(svc, p, article.language));
    if (!results.some((ids) => ids.includes(article.id))) unreachable.push({ id: article.id, found: results.flat() });
  }
  const overlapping: Array<{ question: string; ids: [string, string] }> = [];
  const seen = new Map<string, { id: string; question: string }>();
  for (const article of articles) {
    for (const question of article.questions ?? []) {
      const key = `${article.language}:${[...new Set(subjectTerms(question, article.language))].sort().join(' ')}`;
      const earlier = seen.get(key);
      if (earlier && earlier.id !== article.id) overlapping.push({ question, ids: [earlier.id, article.id] });
      else seen.set(key, { id: article.id, question });
    }
  }
  return { unreachable, overlapping };
}
