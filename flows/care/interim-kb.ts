/**
 * The care flow's services: search over the knowledge base (knowledge/*.json,
 * loaded by knowledge-base.ts), messages, and the intent helpers and
 * language detection of intents.ts. Everything here is data or pure functions.
 */
import MiniSearch from 'minisearch';
import { asksForHuman, detectLanguage, isNo, isThanks, isYes, parseRating } from './intents.js';
import { loadKnowledgeBase } from './knowledge-base.js';
import type { Article, CareServices, MessageKey } from './services.js';

const SEARCH_STOP_WORDS = new Set(
  (
    'the and for you your are was were has have had not but can could would should will with this that what when ' +
    'where which who how why from into about very just still all any some there their them they she him her its ' +
    'our out get got did does doing been being also only than then too here now please thanks hello' +
    ' il lo la gli le un una uno del della dei delle che non per con sono mio mia miei mie suo sua come quando dove ' +
    'perché perche anche ancora molto tutto tutti questo questa quello quella ciao grazie salve buongiorno'
  ).split(' '),
);

const MESSAGES: Record<string, Record<MessageKey, string>> = {
  en: {
    ack: 'Thanks for your message, we are on it.',
    answer: '{title}\n{body}',
    didItHelp: 'Did this solve your problem?',
    tryAgain: 'Sorry about that. Maybe this helps:',
    noAnswer: 'I could not find an answer to that.',
    handoffWait:
      'I am passing you to a person from our team. Expected wait: about {minutes} min ({queue} ahead of you).',
    handoffWaitNext: 'I am passing you to a person from our team. Expected wait: about {minutes} min (you are next).',
    handoffClosed:
      'I am passing you to a person from our team. We are closed now and back on {reopens}; we will answer you then.',
    handoffLanguage: 'I am passing you to a person from our team who can help you.',
    yes: 'Yes',
    no: 'No',
    resolved: 'Great, glad it is solved!',
    csat: 'How satisfied are you with the help you got? (1 = not at all, 5 = very)',
    effort: 'How easy was it to get your problem solved? (1 = very hard, 5 = very easy)',
    ratingHint: 'Please answer with a number from 1 to 5.',
    surveyThanks: 'Thank you for your feedback!',
    welcomeBack: 'I am back. Is there anything else I can help you with?',
    remind: 'Are you still there? Tell me if the answer helped.',
    handedOffSilent: '',
  },
  it: {
    ack: 'Grazie per il messaggio, ce ne occupiamo subito.',
    answer: '{title}\n{body}',
    didItHelp: 'Questo ha risolto il problema?',
    tryAgain: 'Mi dispiace. Forse questo aiuta:',
    noAnswer: 'Non ho trovato una risposta.',
    handoffWait: 'Ti passo a una persona del nostro team. Attesa prevista: circa {minutes} min ({queue} prima di te).',
    handoffWaitNext: 'Ti passo a una persona del nostro team. Attesa prevista: circa {minutes} min (sei il prossimo).',
    handoffClosed:
      'Ti passo a una persona del nostro team. Ora siamo chiusi e torniamo il {reopens}; ti risponderemo allora.',
    handoffLanguage: 'Ti passo a una persona del nostro team che può aiutarti.',
    yes: 'Sì',
    no: 'No',
    resolved: 'Ottimo, felice che sia risolto!',
    csat: 'Quanto sei soddisfatto dell’aiuto ricevuto? (1 = per niente, 5 = molto)',
    effort: 'Quanto è stato facile risolvere il problema? (1 = molto difficile, 5 = molto facile)',
    ratingHint: 'Rispondi con un numero da 1 a 5.',
    surveyThanks: 'Grazie per il tuo parere!',
    welcomeBack: 'Eccomi di nuovo. Posso aiutarti in altro?',
    remind: 'Ci sei ancora? Dimmi se la risposta ti è stata utile.',
    handedOffSilent: '',
  },
};

/** Questions whose rankings are kept, the least recently asked dropped first. */
const RANKINGS_KEPT = 512;

export function interimServices(articles: readonly Article[] = loadKnowledgeBase()): CareServices {
  const index = new MiniSearch<Article>({
    fields: ['title', 'body', 'topic', 'tags'],
    extractField: (doc, field) => {
      const value = (doc as unknown as Record<string, unknown>)[field];
      return Array.isArray(value) ? value.join(' ') : (value as string);
    },
    storeFields: ['id'],
    // Small words ("my", "is", "il") would match every article by prefix or typo.
    processTerm: (term) => {
      const t = term.toLowerCase();
      return t.length < 3 || SEARCH_STOP_WORDS.has(t) ? null : t;
    },
    searchOptions: {
      fuzzy: (term) => (term.length > 4 ? 0.2 : 0),
      prefix: (term) => term.length > 3,
      boost: { title: 2, tags: 2, topic: 1.5 },
      combineWith: 'OR',
    },
  });
  index.addAll(articles as Article[]);
  const byId = new Map(articles.map((a) => [a.id, a]));
  const languages = [...new Set(articles.map((a) => a.language))];
  /*
   * A search costs tens of µs (fuzzy matching over every term), and the same
   * one comes back: a "no" searches the question again leaving out what was
   * tried, and customers ask the same questions. Scores do not depend on the
   * ids left out, so the whole ranking of a question is kept and those ids
   * are taken out afterwards.
   */
  const rankings = new Map<string, readonly Article[]>();
  const ranking = (text: string, language: string): readonly Article[] => {
    const key = `${language}\n${text}`;
    let ranked = rankings.get(key);
    if (ranked) {
      rankings.delete(key);
    } else {
      ranked = index.search(text, { filter: (r) => byId.get(r.id)?.language === language }).map((r) => byId.get(r.id)!);
      if (rankings.size >= RANKINGS_KEPT) rankings.delete(rankings.keys().next().value as string);
    }
    rankings.set(key, ranked);
    return ranked;
  };
  return {
    languages,
    detectLanguage,
    search: (text, language, exclude) => {
      const best: Article[] = [];
      for (const article of ranking(text, language)) {
        if (exclude.includes(article.id)) continue;
        if (best.push(article) === 5) break;
      }
      return best;
    },
    article: (id) => byId.get(id),
    asksForHuman,
    isYes,
    isNo,
    isThanks,
    parseRating,
    message: (language, key, vars = {}) => {
      const table = MESSAGES[language] ?? MESSAGES.en!;
      return table[key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
    },
  };
}
