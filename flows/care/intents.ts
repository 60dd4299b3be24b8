/**
 * What a customer's short answer means, in the languages the care flow
 * speaks: yes, no, thanks, a rating, a wish for a person, and which language
 * a message is in. Customers type answers the way they talk ("sì, grazie",
 * "yep", "no, non ancora", "not really"), on phones that may or may not add
 * accents, so answers are compared as whole short phrases after folding case,
 * accents and punctuation; a longer text is a question, not an answer.
 */
import { francAll } from 'franc-min';

/** Lower case, no accents, letters and digits only, single spaces: "Sì, GRAZIE!" → "si grazie". */
export function normalizeAnswer(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[’']/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

const words = (list: string): ReadonlySet<string> => new Set(list.split(/\s*,\s*/).map(normalizeAnswer));

/** Said around an answer without changing it. */
const POLITE = words(
  'please, thanks, thank you, thx, ty, many thanks, cheers, very much, a lot, so much, indeed, ' +
    'grazie, grazie mille, mille, tante, per favore, per piacere, ciao, allora, beh, mah',
);

/** Whole answers meaning "yes, that solved it" (after the polite words are taken off). */
const YES = words(
  'yes, y, ye, yeah, yea, yep, yup, ya, sure, ok, okay, k, kk, solved, correct, right, absolutely, definitely, ' +
    'perfect, great, it did, yes it did, that did it, it worked, that worked, it helped, that helped, yes it helped, ' +
    'all good, works now, it works, it works now, all sorted, sorted, of course, yes solved, problem solved, ' +
    'si, sì, certo, certamente, esatto, esattamente, perfetto, ottimo, giusto, sicuro, va bene, tutto ok, tutto bene, ' +
    'risolto, ho risolto, problema risolto, funziona, ora funziona, adesso funziona, ha funzionato, mi ha aiutato, ' +
    'certo che si, ovviamente, assolutamente, si risolto, si funziona, ok risolto',
);

/** Words that start a "no" ("no, non ancora", "not really", "nope"). */
const NO_START = words('no, n, nope, nah, nay, not, non, niente, negative, neanche, nemmeno, mica');
/** Whole answers meaning "no" that do not start with one of those words. */
const NO = words(
  'still broken, doesnt work, does not work, didnt work, did not work, it didnt, it did not, didnt help, ' +
    'did not help, still not working, still the same, same problem, per niente, ancora no, purtroppo no, ' +
    'macche, per nulla, ancora niente',
);
/** Longer than this (polite words aside), a message is a new question, not an answer to "did it help?". */
const MAX_ANSWER_WORDS = 5;

/** Longest first, so "grazie mille" goes as a whole before "grazie" would leave "mille". */
const POLITE_LONGEST_FIRST = [...POLITE].sort((a, b) => b.length - a.length).map((p) => ` ${p} `);

function answerTokens(text: string): string[] {
  let t = ` ${normalizeAnswer(text)} `;
  // Polite words anywhere ("yes please", "sì, grazie mille") and repetitions ("sì sì") say nothing more.
  for (const p of POLITE_LONGEST_FIRST) {
    while (t.includes(p)) t = t.replaceAll(p, ' ');
  }
  const tokens = t.trim().split(' ').filter(Boolean);
  return tokens.filter((w, i) => w !== tokens[i - 1]);
}

export function isYes(text: string): boolean {
  const tokens = answerTokens(text);
  if (tokens.length === 0 || tokens.length > MAX_ANSWER_WORDS) return false;
  const phrase = tokens.join(' ');
  if (YES.has(phrase)) return true;
  // "yes it worked, thanks", "sì, funziona": a yes word, then only other yes phrases.
  return YES.has(tokens[0]!) && !tokens.some((w) => NO_START.has(w)) && YES.has(tokens.slice(1).join(' '));
}

export function isNo(text: string): boolean {
  const tokens = answerTokens(text);
  if (tokens.length === 0 || tokens.length > MAX_ANSWER_WORDS) return false;
  return NO_START.has(tokens[0]!) || NO.has(tokens.join(' '));
}

/** "thanks", "ok grazie", "👍": a courtesy, not a rating nor a new problem. */
export function isThanks(text: string): boolean {
  const folded = normalizeAnswer(text);
  if (folded === '') return /^\s*(\p{Extended_Pictographic}\s*)+$/u.test(text);
  return answerTokens(text).every((w) => ['ok', 'okay', 'bye', 'arrivederci', 'buona giornata'].includes(w));
}

const HUMAN =
  /\b(agent|human|person|operator|somebody real|real person|representative|operatore|operatrice|persona|umano|assistente|agente|mensch|mitarbeiter|humano|persona real|opérateur|conseiller|humain)\b/iu;
export const asksForHuman = (text: string): boolean => HUMAN.test(text);

/** 1–5 from "4", "4/5", "5!" or "5, grazie"; undefined for anything else. */
export function parseRating(text: string): number | undefined {
  const m = /^\s*([1-5])(\s*\/\s*5)?\s*$/.exec(text);
  if (m) return Number(m[1]);
  const tokens = answerTokens(text);
  return tokens.length === 1 && /^[1-5]$/.test(tokens[0]!) ? Number(tokens[0]) : undefined;
}

/**
 * Words frequent in one covered language and rare in the other: a few of
 * them tell English from Italian where franc, on a short text, guesses
 * Romanian or Croatian. Words both languages use ("in", "no", "a") are left out.
 */
const STOP_WORDS: Record<string, ReadonlySet<string>> = {
  en: words(
    'the, my, is, not, how, do, i, you, what, why, can, to, and, it, with, bill, phone, hello, hi, please, thanks, ' +
      'yes, help, want, work, working, does, have, of, for, on, from, this, that, me, am, are, was, get, go, going, ' +
      'next, week, there, your, when, where, which, good, morning, evening, afternoon, bye, goodbye, who, hey, thank, ' +
      'need, problem, doesnt, dont, cant, there, some, bot, anyone, someone',
  ),
  it: words(
    'il, lo, la, le, gli, mio, mia, miei, mie, di, che, è, per, un, una, uno, perché, con, bolletta, ciao, grazie, ' +
      'sì, si, funziona, voglio, posso, ho, ha, buongiorno, aiuto, della, del, dei, delle, nel, nella, al, alla, ' +
      'come, cosa, quando, dove, vado, sono, mi, ti, ci, settimana, prossima, fatture, fattura, scarico, ' +
      'questo, questa, anche, ancora, non, più, buonasera, salve, arrivederci, sei, chi, buon, buona, pomeriggio, ' +
      'problema, niente, vorrei, serve, bisogno, nessuno, qualcuno, nuova, nuovo, perso, ricarica, ' +
      'giga, disdetta, segreteria, telefono, cellulare, addebitato, quanto, costa',
  ),
};
const ISO3: Record<string, string> = {
  eng: 'en',
  ita: 'it',
  deu: 'de',
  fra: 'fr',
  spa: 'es',
  por: 'pt',
  nld: 'nl',
  pol: 'pl',
  rus: 'ru',
  tur: 'tr',
  arb: 'ar',
  cmn: 'zh',
};
/** Below this many characters franc's guesses are noise (Italian read as Romanian, English as Croatian). */
const FRANC_MIN_LENGTH = 30;
/** franc's runner-up must score at most this (its best scores 1): a near tie is no answer. */
const FRANC_MAX_RUNNER_UP = 0.85;

/**
 * The language of a message as a two-letter code, or `undefined` when the
 * text does not say clearly (the caller then trusts the channel's locale).
 * A stop-word vote between the covered languages first, then franc, only for
 * a long enough text on which it is clearly sure.
 */
export function detectLanguage(text: string): string | undefined {
  const tokens = normalizeAnswer(text).split(' ').filter(Boolean);
  const votes = Object.entries(STOP_WORDS)
    .map(([lang, list]) => [lang, tokens.filter((w) => list.has(w)).length] as const)
    .sort((a, b) => b[1] - a[1]);
  const [best, second] = votes;
  if (best && best[1] > 0 && best[1] >= 2 * (second?.[1] ?? 0) && (best[1] >= 2 || tokens.length <= 4)) return best[0];
  if (text.trim().length < FRANC_MIN_LENGTH) return undefined;
  const [top, runnerUp] = francAll(text, { minLength: FRANC_MIN_LENGTH });
  if (!top || top[0] === 'und' || (runnerUp !== undefined && runnerUp[1] > FRANC_MAX_RUNNER_UP)) return undefined;
  return ISO3[top[0]] ?? top[0];
}
