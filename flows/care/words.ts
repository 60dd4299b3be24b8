/**
 * Words as the care bot's search sees them: folded (case, accents), without
 * the small words every message has, and cut to a light stem per language so
 * that "charged", "charges" and "charge", or "lento", "lenta" and
 * "lentissimo", are one term. Not a full Snowball stemmer: a few suffix
 * rules, measured on bench/care-eval (a stem only has to be the same for the
 * forms customers write, not a dictionary word).
 */
const STOP: Record<string, ReadonlySet<string>> = {
  en: new Set(
    (
      'a an the and or but for you your yours are was were is be been being am has have had not no can could would ' +
      'should will shall may might must with this that these those what when where which who whom how why from into ' +
      'about very just still all any some there their them they she him her its our out get got did does doing do ' +
      'done also only than then too here now please thanks thank hello hi hey me my mine i im ive id ill to of in ' +
      'on at by it its if so as up off us we dont doesnt didnt cant cannot wont isnt arent wasnt havent hasnt ok ' +
      'yes one today yesterday tomorrow week month really much many more most lot like would want wanted need ' +
      'needs know tell let use using go going way'
    ).split(' '),
  ),
  it: new Set(
    (
      'il lo la i gli le l un una uno un all dell nell sull dall coll del della dello dei degli delle di da dal dalla dai dalle in nel nella nei ' +
      'nelle su sul sulla sui con per tra fra a al alla ai alle e ed o che chi cui non ne ci mi ti si vi me te se ' +
      'sono sei e era ho hai ha abbiamo avete hanno mio mia miei mie tuo tua suo sua nostro vostro come quando ' +
      'dove perche perché anche ancora molto tutto tutti questo questa questi quello quella cosa ciao grazie ' +
      'salve buongiorno buonasera per favore piacere voglio vorrei volevo posso puoi possiamo potete devo serve ' +
      'fare faccio fa oggi ieri domani gia già poi piu più ma qui qua lo sto sta stato essere avere mai solo'
    ).split(' '),
  ),
};

/**
 * Words that say there is a problem but not which: a message made of these
 * alone ("it doesn't work", "ho un problema") is vague, and they never make a
 * match confident.
 */
const GENERIC: Record<string, ReadonlySet<string>> = {
  en: new Set(
    'work working works worked problem problems issue issues help wrong broken question questions info information thing things something anything nothing account service line sort fix fixed trouble support new'.split(
      ' ',
    ),
  ),
  it: new Set(
    'funziona funzionare funzionano va vanno problema problemi aiuto aiutare guasto domanda informazione informazioni cosa niente nulla qualcosa bisogno servizio linea account rotto risolvere nuovo nuova'.split(
      ' ',
    ),
  ),
};

export const isStopWord = (word: string, language: string): boolean =>
  word.length < 2 || (STOP[language]?.has(word) ?? false);

const EN_SUFFIXES = ['ies', 'ing', 'ed', 'es', 'ly', 's', 'e'];
const IT_SUFFIXES = [
  'issimo',
  'issima',
  'issimi',
  'issime',
  'azioni',
  'azione',
  'mente',
  'ando',
  'endo',
  'are',
  'ere',
  'ire',
  'ato',
  'ata',
  'ati',
  'ate',
  'ito',
  'ita',
  'iti',
  'ite',
  'uto',
  'uta',
  'o',
  'a',
  'e',
  'i',
];

/** The light stem of a folded word: "charges" → "charg", "bollette" → "bollett", "lentissimo" → "lent". */
export function stem(word: string, language: string): string {
  if (/\d/.test(word) || word.length <= 3) return word;
  const suffixes = language === 'it' ? IT_SUFFIXES : EN_SUFFIXES;
  for (const suffix of suffixes) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) {
      const cut = word.slice(0, -suffix.length);
      // "ies" → "y" keeps "batteries" and "battery" together.
      return language !== 'it' && suffix === 'ies' ? `${cut}y` : cut.replace(/(ss)$/, 's');
    }
  }
  return word;
}

/**
 * Lower case, no accents, letters and digits only. An Italian apostrophe
 * splits ("l'estero" → "l estero"); an English contraction stays one word
 * ("doesn't" → "doesnt", "I'm" → "im").
 */
export const fold = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/(\p{L})['’](t|m|s|d|ll|re|ve)\b/gu, '$1$2')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** Folded words of a text, in order: "Non c'è campo!" → ["non", "c", "e", "campo"]. */
export const foldedWords = (text: string): string[] => fold(text).split(' ').filter(Boolean);

/** The terms search indexes and queries with: stems of the words that are not stop words. */
export function terms(text: string, language: string): string[] {
  return foldedWords(text)
    .filter((w) => !isStopWord(w, language))
    .map((w) => stem(w, language));
}

/** The words of a query that name a subject, each with its stem: its words less the generic ones ("problem", "funziona"). */
export function subjectWords(text: string, language: string): Array<readonly [string, string]> {
  const generic = GENERIC[language];
  return foldedWords(text)
    .filter((w) => !isStopWord(w, language) && !generic?.has(w))
    .map((w) => [w, stem(w, language)] as const);
}

/** The stems of a query's subject words. */
export const subjectTerms = (text: string, language: string): string[] =>
  subjectWords(text, language).map(([, stemmed]) => stemmed);
