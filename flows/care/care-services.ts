/**
 * The care flow's services: search over the knowledge base (knowledge/*.json,
 * loaded by knowledge-base.ts), messages, and the intent helpers and
 * language detection of intents.ts. Everything here is data or pure functions.
 */
import { detectLanguage, isNo, isThanks, isYes, parseRating } from './intents.js';
import { loadKnowledgeBase } from './knowledge-base.js';
import { createRetrieval } from './retrieval.js';
import type { Article, CareServices, MessageKey, Topic } from './services.js';
import { asksForPerson } from './signals.js';
import { type Understanding, understand } from './understand.js';
import { foldedWords, isStopWord, stem } from './words.js';

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
    greeting:
      'Hello! I am the virtual assistant of the customer care team. How can I help you? Write your question, or pick a topic:',
    greetingWithQuestion: 'Hello!',
    thanksReply: 'You are welcome! Is there anything else I can help you with?',
    bye: 'Goodbye, and have a nice day! Write here whenever you need us.',
    whoAmI:
      'I am the virtual assistant of the customer care team: I answer the most common questions at once, and pass you to a person from the team whenever you ask or I cannot help. What can I do for you?',
    howAreYou: 'I am fine, thank you! How can I help you today?',
    clarify: 'I want to be sure I understood. Is it about one of these?',
    pickTopic: 'I can help with that. What is it about? Pick a topic, or tell me a bit more:',
    presence: 'Yes, I am here! How can I help you?',
    notUnderstood: 'I did not understand, can you say it another way?',
    sorry: 'I am sorry about this.',
    talkToPerson: 'Talk to a person',
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
    greeting:
      'Ciao! Sono l’assistente virtuale del servizio clienti. Come posso aiutarti? Scrivi la tua domanda o scegli un argomento:',
    greetingWithQuestion: 'Ciao!',
    thanksReply: 'Prego! Posso aiutarti in altro?',
    bye: 'Arrivederci e buona giornata! Scrivici qui quando vuoi.',
    whoAmI:
      'Sono l’assistente virtuale del servizio clienti: rispondo subito alle domande più comuni e ti passo a una persona del team quando lo chiedi o quando non so aiutarti. Cosa posso fare per te?',
    howAreYou: 'Bene, grazie! Come posso aiutarti oggi?',
    clarify: 'Voglio essere sicuro di aver capito. Si tratta di uno di questi?',
    pickTopic: 'Posso aiutarti. Di cosa si tratta? Scegli un argomento o dimmi qualcosa in più:',
    presence: 'Sì, ci sono! Come posso aiutarti?',
    notUnderstood: 'Non ho capito, puoi dirlo in un altro modo?',
    sorry: 'Mi dispiace per quello che è successo.',
    talkToPerson: 'Parla con una persona',
  },
};

/** Topic buttons, in the order offered; a topic missing here shows its name. */
const TOPIC_LABELS: Record<string, Record<string, string>> = {
  en: {
    billing: 'Bills and payments',
    network: 'Internet and signal',
    sim: 'SIM and lost phone',
    plans: 'Plans and data',
    roaming: 'Abroad and calls',
    contract: 'Contract and number',
    services: 'Voicemail',
  },
  it: {
    billing: 'Bollette e pagamenti',
    network: 'Internet e segnale',
    sim: 'SIM e smarrimento',
    plans: 'Offerte e giga',
    roaming: 'Estero e chiamate',
    contract: 'Contratto e numero',
    services: 'Segreteria',
  },
};
/** Topic buttons a greeting offers: a few, not all (a wall of buttons reads as a form). */
const GREETING_TOPICS = 4;

/**
 * The last resort between the two languages shipped, for words no article
 * knows ("lentisimo"): Italian words end in a vowel far more often than
 * English ones. Undefined when the words do not lean clearly either way.
 */
function looksItalian(words: readonly string[]): string | undefined {
  const long = words.filter((w) => w.length >= 4 && /^\p{L}+$/u.test(w));
  if (long.length === 0) return undefined;
  const vowelEnded = long.filter((w) => /[aeio]$/.test(w)).length / long.length;
  return vowelEnded >= 0.75 ? 'it' : vowelEnded <= 0.25 ? 'en' : undefined;
}

/** Questions whose understanding is kept, the least recently asked dropped first. */
const KEPT = 512;

/** A small LRU of the last answers of `compute`, by key. */
function remembered<T>(compute: (text: string, language: string) => T): (text: string, language: string) => T {
  const kept = new Map<string, T>();
  return (text, language) => {
    const key = `${language}\n${text}`;
    let value = kept.get(key);
    if (value !== undefined || kept.has(key)) {
      kept.delete(key);
    } else {
      value = compute(text, language);
      if (kept.size >= KEPT) kept.delete(kept.keys().next().value as string);
    }
    kept.set(key, value as T);
    return value as T;
  };
}

export function careServices(articles: readonly Article[] = loadKnowledgeBase()): CareServices {
  const retrieval = createRetrieval(articles);
  const byId = new Map(articles.map((a) => [a.id, a]));
  const languages = [...new Set(articles.map((a) => a.language))];
  const topics = new Map<string, Topic[]>();
  for (const language of languages) {
    const labels = TOPIC_LABELS[language] ?? {};
    const present = [...new Set(articles.filter((a) => a.language === language).map((a) => a.topic))];
    const order = Object.keys(labels);
    present.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
    topics.set(
      language,
      present.map((topic) => ({ topic, label: labels[topic] ?? topic.charAt(0).toUpperCase() + topic.slice(1) })),
    );
  }
  const articlesOf = (topic: string, language: string) =>
    articles.filter((a) => a.topic === topic && a.language === language).slice(0, 4);
  /*
   * Understanding a message is the costliest part of a step (fuzzy matching
   * over every term), and the same one comes back: guards and actions of one step ask
   * again, a "no" searches the question again, and customers ask the same
   * questions. Rankings do not depend on the ids left out, so the whole
   * ranking is kept and those ids are taken out afterwards.
   */
  const ranking = remembered((text, language) => retrieval.rank(text, language).candidates.map((c) => c.article));
  const understood = remembered(
    (text, language): Understanding =>
      understand({ retrieval, article: (id) => byId.get(id), articlesOf }, text, language),
  );
  return {
    languages,
    detectLanguage,
    guessLanguage: (text) => {
      const words = foldedWords(text);
      let best: string | undefined;
      let bestCount = 0;
      let tie = false;
      const knownIn = (w: string, language: string) =>
        !isStopWord(w, language) && retrieval.knows(stem(w, language), language);
      for (const language of languages) {
        const count = words.filter((w) => knownIn(w, language)).length;
        if (count > bestCount) [best, bestCount, tie] = [language, count, false];
        else if (count === bestCount) tie = true;
      }
      if (!tie && bestCount > 0) return best;
      const unknown = words.filter((w) => languages.every((l) => !knownIn(w, l)));
      return languages.includes('it') && languages.includes('en') ? looksItalian(unknown) : undefined;
    },
    understand: understood,
    topics: (language) => (topics.get(language) ?? []).slice(0, GREETING_TOPICS),
    search: (text, language, exclude) =>
      ranking(text, language)
        .filter((a) => !exclude.includes(a.id))
        .slice(0, 5),
    article: (id) => byId.get(id),
    asksForHuman: asksForPerson,
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
