/**
 * How the care flow reads a message: in which language, and what it means.
 * One step asks the same questions of several guards and actions (is the
 * language covered, is there an answer, which one): the last answer of each
 * is kept, so a message is understood and its language detected once.
 */
import type { FlowEvent } from '../../core/index.js';
import { said } from '../kit/define.js';
import type { Article, CareServices } from './services.js';
import type { Understanding } from './understand.js';

/** What of the conversation's context reading a message needs. */
export interface ReadContext {
  readonly language: string;
  /** The channel's locale for the customer, two letters. */
  readonly locale: string | undefined;
  readonly languageKnown?: boolean;
}

export const twoLetters = (tag: string | undefined): string | undefined =>
  tag && /^[a-z]{2}/i.test(tag) ? tag.slice(0, 2).toLowerCase() : undefined;

export function createReader(svc: CareServices) {
  // The last answers are kept for the guards and actions of one step; a reloaded knowledge base starts afresh.
  let generation = svc.generation;
  const fresh = (): void => {
    if (svc.generation === generation) return;
    generation = svc.generation;
    lastDetect = lastSearch = lastMeaning = undefined;
  };
  let lastDetect: { text: string; language: string | undefined } | undefined;
  const detectLanguage = (text: string): string | undefined => {
    fresh();
    if (lastDetect?.text !== text) lastDetect = { text, language: svc.detectLanguage(text) };
    return lastDetect.language;
  };
  let lastSearch: { query: string; language: string; tried: readonly string[]; hit: Article | undefined } | undefined;
  const firstHit = (query: string, language: string, tried: readonly string[]) => {
    fresh();
    const l = lastSearch;
    if (
      l?.query !== query ||
      l.language !== language ||
      l.tried.length !== tried.length ||
      l.tried.some((id, i) => id !== tried[i])
    ) {
      lastSearch = { query, language, tried: [...tried], hit: svc.search(query, language, tried)[0] };
    }
    return lastSearch!.hit;
  };
  let lastMeaning: { text: string; language: string; meaning: Understanding } | undefined;
  const understood = (text: string, language: string): Understanding => {
    fresh();
    if (lastMeaning?.text !== text || lastMeaning.language !== language) {
      lastMeaning = { text, language, meaning: svc.understand(text, language) };
    }
    return lastMeaning.meaning;
  };
  const covered = (language: string) => svc.languages.includes(language);
  /**
   * The channel's locale is a strong prior: the text overrides it only when
   * detection is sure, and a customer whose locale is covered is never taken
   * for one writing in a language nobody covers (short texts fool detectors).
   */
  const languageOf = (context: ReadContext, event: FlowEvent): string => {
    if (event.type !== 'customer.message') return context.language;
    const locale = twoLetters(event.language) ?? context.locale;
    const detected = detectLanguage(event.text);
    if (locale !== undefined && covered(locale)) return detected !== undefined && covered(detected) ? detected : locale;
    if (detected !== undefined || locale !== undefined) return detected ?? locale!;
    // No locale and no clear text: the knowledge base's words guess, until the language is known.
    return context.languageKnown ? context.language : (svc.guessLanguage(event.text) ?? context.language);
  };
  const learnedLanguage = (context: ReadContext, event: FlowEvent) => {
    const language = languageOf(context, event);
    const known =
      context.languageKnown === true ||
      context.locale !== undefined ||
      (event.type === 'customer.message' &&
        (event.language !== undefined || detectLanguage(event.text) !== undefined || language !== context.language));
    return { language, languageKnown: known };
  };
  /** What the message means, in the language it is read in. */
  const meaningOf = (context: ReadContext, event: FlowEvent): Understanding =>
    understood(said(event), languageOf(context, event));
  return { detectLanguage, firstHit, understood, covered, languageOf, learnedLanguage, meaningOf };
}
