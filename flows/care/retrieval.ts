/**
 * Finding articles for a message, with a score the flow can trust: BM25
 * (MiniSearch, one index per language, light stems, typo tolerance) ranks
 * the articles, and each of the best few gets a coverage: the share of the
 * message's subject words ("pay", "bill"; not "problem" or "my") that the
 * article's title, tags or synonyms contain (its example questions count
 * three quarters, its body half; words no article uses weigh half). Coverage,
 * not the raw BM25 score, says how sure the match is: it does not grow
 * with the length of the message or the size of the knowledge base.
 */
import MiniSearch from 'minisearch';
import type { Article } from './services.js';
import { foldedWords, isStopWord, stem, subjectTerms, subjectWords } from './words.js';

export interface Scored {
  readonly article: Article;
  /** BM25 score, comparable only within one message's ranking. */
  readonly score: number;
  /** 0–1: the share of the message's subject words the article names (body words count half). */
  readonly coverage: number;
}

export interface Ranking {
  /** Subject words of the message (stems); none means a vague message ("it doesn't work"). */
  readonly subject: readonly string[];
  /** The best articles, surest first. */
  readonly candidates: readonly Scored[];
}

/** What a word no article uses counts in a coverage, against 1 for a word some article uses. */
const UNKNOWN_WORD_WEIGHT = 0.5;
/** A word found only in an article's example questions covers this much of itself (body words: half). */
const ASKED_WEIGHT = 0.75;
/** How many of the BM25 best get a coverage: the right article is nearly always among them. */
const RERANKED = 6;

interface Indexed {
  readonly article: Article;
  /** Words and stems of title, tags and synonyms. */
  readonly named: ReadonlySet<string>;
  /** …of the example questions, which also hold words that say little ("how long", "quanto tempo"). */
  readonly asked: ReadonlySet<string>;
  readonly body: ReadonlySet<string>;
}

const listOf = (value: unknown): string => (Array.isArray(value) ? value.join(' \n ') : String(value ?? ''));

/** Equal, one the beginning of the other ("bil", "bill"), or a typo away ("roming", "roaming"). */
function similar(query: string, term: string): boolean {
  if (query === term) return true;
  if (query.length >= 4 && term.length >= 4 && (term.startsWith(query) || query.startsWith(term))) return true;
  if (query.length === 3 && term.length === 4 && term.startsWith(query)) return true;
  if (query.length < 5 || term.length < 4 || Math.abs(query.length - term.length) > 1) return false;
  // A changed letter in a short word is another word ("charg", "chang"): only from six letters.
  return (query.length !== term.length || query.length >= 6) && withinOneEdit(query, term);
}

/** One insertion, deletion, substitution or swap of neighbours (no slices: this runs for every word pair). */
function withinOneEdit(a: string, b: string): boolean {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  const sameFrom = (x: string, xi: number, y: string, yi: number) => {
    if (x.length - xi !== y.length - yi) return false;
    for (; xi < x.length; xi++, yi++) if (x.charCodeAt(xi) !== y.charCodeAt(yi)) return false;
    return true;
  };
  if (a.length === b.length) {
    return (
      sameFrom(a, i + 1, b, i + 1) ||
      (a.charCodeAt(i) === b.charCodeAt(i + 1) &&
        a.charCodeAt(i + 1) === b.charCodeAt(i) &&
        sameFrom(a, i + 2, b, i + 2))
    );
  }
  return a.length > b.length ? sameFrom(a, i + 1, b, i) : sameFrom(a, i, b, i + 1);
}

const contains = (set: ReadonlySet<string>, query: string): boolean => {
  if (set.has(query)) return true;
  for (const t of set) if (similar(query, t)) return true;
  return false;
};

export function createRetrieval(articles: readonly Article[]) {
  const byLanguage = new Map<
    string,
    { index: MiniSearch<Article>; docs: Map<string, Indexed>; vocabulary: ReadonlySet<string> }
  >();
  for (const language of new Set(articles.map((a) => a.language))) {
    const index = new MiniSearch<Article>({
      fields: ['title', 'tags', 'questions', 'synonyms', 'body'],
      extractField: (doc, field) => listOf((doc as unknown as Record<string, unknown>)[field]),
      storeFields: ['id'],
      tokenize: (text) => foldedWords(text),
      processTerm: (term) => (isStopWord(term, language) ? null : stem(term, language)),
      searchOptions: {
        fuzzy: (term) => (term.length > 4 ? 0.2 : 0),
        maxFuzzy: 1,
        prefix: (term) => term.length > 3,
        boost: { title: 2, tags: 2, synonyms: 2, questions: 1.5, body: 0.5 },
        combineWith: 'OR',
      },
    });
    const mine = articles.filter((a) => a.language === language);
    index.addAll(mine as Article[]);
    const stems = (text: string) => new Set(subjectTermsAll(text, language));
    const docs = new Map(
      mine.map((a) => [
        a.id,
        {
          article: a,
          named: stems([a.title, listOf(a.tags), listOf(a.synonyms)].join(' \n ')),
          asked: stems(listOf(a.questions)),
          body: stems(a.body),
        },
      ]),
    );
    const vocabulary = new Set<string>();
    for (const doc of docs.values()) for (const t of [...doc.named, ...doc.asked, ...doc.body]) vocabulary.add(t);
    byLanguage.set(language, { index, docs, vocabulary });
  }

  /** Each subject word as written and as stemmed: a typo ("roming") has a wrong stem but a close word. */
  const coverage = (
    doc: Indexed,
    subject: readonly (readonly [string, string])[],
    weights: readonly number[],
  ): number => {
    let covered = 0;
    let total = 0;
    subject.forEach(([word, stemmed], i) => {
      const weight = weights[i]!;
      total += weight;
      if (contains(doc.named, stemmed) || contains(doc.named, word)) covered += weight;
      else if (contains(doc.asked, stemmed) || contains(doc.asked, word)) covered += weight * ASKED_WEIGHT;
      else if (contains(doc.body, stemmed) || contains(doc.body, word)) covered += weight / 2;
    });
    return total === 0 ? 0 : covered / total;
  };

  return {
    rank(text: string, language: string): Ranking {
      const subject = subjectTerms(text, language);
      const words = subjectWords(text, language);
      const found = byLanguage.get(language);
      if (!found) return { subject, candidates: [] };
      // Words no article uses ("March", "twice") tell less about which article than words some do.
      const weights = words.map(([word, stemmed]) =>
        found.vocabulary.has(stemmed) || found.vocabulary.has(word) ? 1 : UNKNOWN_WORD_WEIGHT,
      );
      const candidates = found.index
        .search(text)
        .slice(0, RERANKED)
        .map((r) => {
          const doc = found.docs.get(r.id)!;
          return { article: doc.article, score: r.score, coverage: coverage(doc, words, weights) };
        })
        .sort((a, b) => b.coverage - a.coverage || b.score - a.score);
      return { subject, candidates };
    },
    /** Every stem the articles of a language use: a short message's language is the one that knows its words. */
    knows(term: string, language: string): boolean {
      return byLanguage.get(language)?.vocabulary.has(term) ?? false;
    },
  };
}

/** Every non-stop word, as written and stemmed (the coverage sets keep "problem" too: an article may be about one). */
function subjectTermsAll(text: string, language: string): string[] {
  return foldedWords(text)
    .filter((w) => !isStopWord(w, language))
    .flatMap((w) => [w, stem(w, language)]);
}

export type Retrieval = ReturnType<typeof createRetrieval>;
