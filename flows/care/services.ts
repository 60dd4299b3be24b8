/**
 * What the care flow needs from the world, as one interface, so that the
 * machine stays a pure description of the conversation and tests can swap
 * parts. `defaultCareServices` wires the knowledge base, the search, the
 * language detection and the messages shipped in this folder.
 */

export interface Article {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly language: string;
  /** The routing topic (billing, network, …) a handoff carries. */
  readonly topic: string;
}

export type MessageKey =
  | 'ack'
  | 'answer'
  | 'didItHelp'
  | 'tryAgain'
  | 'noAnswer'
  | 'handoffWait'
  | 'handoffWaitNext'
  | 'handoffClosed'
  | 'handoffLanguage'
  | 'yes'
  | 'no'
  | 'resolved'
  | 'csat'
  | 'effort'
  | 'ratingHint'
  | 'surveyThanks'
  | 'welcomeBack'
  | 'remind'
  | 'handedOffSilent';

export interface CareServices {
  /** Languages the knowledge base covers, e.g. ['en', 'it']. */
  readonly languages: readonly string[];
  /**
   * The language of a message: a two-letter code, or `undefined` when the
   * text does not tell clearly (the flow then trusts the channel's locale).
   */
  detectLanguage(text: string): string | undefined;
  /** Best articles first, in that language, leaving out the ids already tried. */
  search(text: string, language: string, exclude: readonly string[]): Article[];
  /** The article with that id, or `undefined` once the knowledge base no longer has it. */
  article(id: string): Article | undefined;
  asksForHuman(text: string): boolean;
  /** "Did it help?" answered yes ("sì, grazie", "yep"): a short answer, accents and case aside. */
  isYes(text: string): boolean;
  /** …answered no ("no, non ancora", "not really"). */
  isNo(text: string): boolean;
  /** A courtesy ("thanks", "ok grazie", "👍"): neither an answer nor a new problem. */
  isThanks(text: string): boolean;
  /** 1–5, or undefined. */
  parseRating(text: string): number | undefined;
  /** A localized message; `vars` fill `{name}` placeholders. */
  message(language: string, key: MessageKey, vars?: Record<string, string | number>): string;
}
