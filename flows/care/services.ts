/**
 * What the care flow needs from the world, as one interface, so that the
 * machine stays a pure description of the conversation and tests can swap
 * parts. `defaultCareServices` wires the knowledge base, the search, the
 * language detection and the messages shipped in this folder.
 */
import type { Understanding } from './understand.js';

export interface Article {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly language: string;
  /** The routing topic (billing, network, …) a handoff carries. */
  readonly topic: string;
  readonly tags?: readonly string[];
  /** Example questions customers ask for it (knowledge base `questions`). */
  readonly questions?: readonly string[];
  readonly synonyms?: readonly string[];
}

/** A topic button: the routing topic and its label in one language. */
export interface Topic {
  readonly topic: string;
  readonly label: string;
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
  | 'handedOffSilent'
  | 'greeting'
  | 'greetingWithQuestion'
  | 'thanksReply'
  | 'bye'
  | 'whoAmI'
  | 'howAreYou'
  | 'presence'
  | 'clarify'
  | 'pickTopic'
  | 'notUnderstood'
  | 'sorry'
  | 'talkToPerson';

export interface CareServices {
  /** Changes when the knowledge base is reloaded (see live-knowledge.ts): what was read from the old one is stale. */
  readonly generation?: number;
  /** What a message asks of the bot (care flow's understanding: risk, person, small talk, answer, clarify…). */
  understand(text: string, language: string): Understanding;
  /**
   * A weak guess of a message's language from the knowledge base's words,
   * for a customer whose channel gives no locale and whose text did not tell
   * `detectLanguage` clearly; `undefined` when it cannot tell either.
   */
  guessLanguage(text: string): string | undefined;
  /** The topics of a language's articles, for topic buttons, most useful first. */
  topics(language: string): readonly Topic[];
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
