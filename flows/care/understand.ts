/**
 * What the care bot makes of one customer message, before it says anything:
 * a reason to hand over at once (a risk, a wish for a person), small talk,
 * an article it is sure of, a few it hesitates between, or nothing it
 * understood. The order matters: an angry message that also asks a question
 * goes to a person; "hi, how do I pay?" is the question; "hi" alone is a greeting.
 */
import type { Retrieval, Scored } from './retrieval.js';
import type { Article } from './services.js';
import { asksForPerson, type Risk, riskOf, type SmallTalk, smallTalkOf, withoutGreeting } from './signals.js';

export type Understanding =
  | { readonly kind: 'risk'; readonly risk: Risk }
  | { readonly kind: 'person' }
  | { readonly kind: 'smallTalk'; readonly talk: SmallTalk }
  | { readonly kind: 'answer'; readonly article: Article }
  /** Two or three likely articles: the customer picks. */
  | { readonly kind: 'clarify'; readonly options: readonly Article[] }
  /** A problem without a subject ("it doesn't work"): the customer picks a topic. */
  | { readonly kind: 'vague' }
  | { readonly kind: 'notUnderstood' };

/** Quick-reply values the care flow offers: a topic, an article, a person. */
export const TOPIC_VALUE = 'topic:';
export const ARTICLE_VALUE = 'article:';
export const PERSON_VALUE = 'person';

/**
 * Coverage at or above which the best article is answered, if no other
 * article covers as much. Tuned on bench/care-eval/train.jsonl only.
 */
export const SURE = 0.6;
/** How far ahead in BM25 score the best article must be when another covers as much. */
export const SCORE_LEAD = 1.6;
/** Coverage at or above which an article is offered as an option to pick from. */
export const LIKELY = 0.3;
/** At most this many options in a clarifying question. */
const OPTIONS = 3;

export function decide(ranking: { subject: readonly string[]; candidates: readonly Scored[] }): Understanding {
  const [best, second] = ranking.candidates;
  if (ranking.subject.length === 0) return { kind: 'vague' };
  if (!best || best.coverage < LIKELY) return { kind: 'notUnderstood' };
  // Another article naming as much is a tie that BM25 may break; on a one-word subject ("bill") another
  // article naming it beyond its body is reason enough to ask.
  const clearlyBest =
    second === undefined ||
    (ranking.subject.length >= 2
      ? second.coverage < best.coverage || best.score >= SCORE_LEAD * second.score
      : second.coverage <= best.coverage / 2);
  if (best.coverage >= SURE && clearlyBest) return { kind: 'answer', article: best.article };
  const options = ranking.candidates
    .filter((c) => c.coverage >= LIKELY && c.coverage >= best.coverage - 0.34)
    .slice(0, OPTIONS)
    .map((c) => c.article);
  return options.length === 1 && best.coverage >= SURE
    ? { kind: 'answer', article: best.article }
    : { kind: 'clarify', options };
}

export interface UnderstandParts {
  readonly retrieval: Retrieval;
  article(id: string): Article | undefined;
  articlesOf(topic: string, language: string): readonly Article[];
}

export function understand(parts: UnderstandParts, text: string, language: string): Understanding {
  if (text.startsWith(ARTICLE_VALUE)) {
    const article = parts.article(text.slice(ARTICLE_VALUE.length));
    return article ? { kind: 'answer', article } : { kind: 'notUnderstood' };
  }
  if (text.startsWith(TOPIC_VALUE)) {
    const options = parts.articlesOf(text.slice(TOPIC_VALUE.length), language);
    return options.length === 1 ? { kind: 'answer', article: options[0]! } : { kind: 'clarify', options };
  }
  if (text === PERSON_VALUE) return { kind: 'person' };
  const risk = riskOf(text);
  if (risk) return { kind: 'risk', risk };
  const { greeted, rest } = withoutGreeting(text);
  const talk = smallTalkOf(rest);
  if (talk === 'bot') return { kind: 'smallTalk', talk };
  if (asksForPerson(text)) return { kind: 'person' };
  if (talk) return { kind: 'smallTalk', talk };
  if (rest === '') {
    if (greeted) return { kind: 'smallTalk', talk: 'greeting' };
    // "👍" and the like: a courtesy; nothing at all (an empty caption) is not understood.
    return /\p{Extended_Pictographic}/u.test(text) ? { kind: 'smallTalk', talk: 'thanks' } : { kind: 'notUnderstood' };
  }
  return decide(parts.retrieval.rank(rest, language));
}
