/**
 * Who the demo's simulated customers are and what they say. The lines are
 * written against the care flow (flows/care/flow.ts) and its knowledge base
 * (flows/care/knowledge/*.json): openings that find an article, "yes"/"no"
 * answers its guards understand, ratings 1–5 for the survey, and phrases its
 * handoff detector recognises. Kept as data so a new persona is a new entry.
 */

export type Language = 'en' | 'it';

/** What a simulated customer does in the conversation. */
export type Behaviour =
  /** Asks a question, says yes when asked whether it helped, answers the survey. */
  | 'satisfied'
  /** The first answer is not it; the second one is. */
  | 'secondTry'
  /** Asks for a person straight away, then talks to whoever answers. */
  | 'asksForPerson'
  /** Two answers do not help: the bot hands them over. */
  | 'unhelped'
  /** Asks a question and never writes again. */
  | 'quiet';

export interface Persona {
  readonly name: string;
  readonly language: Language;
  readonly behaviour: Behaviour;
  readonly opening: string;
  /** What they say to a person from the team (one line per reply they get, in order). */
  readonly toAgent: readonly string[];
  /** Written once if nobody from the team has answered within a while. */
  readonly nudge?: string;
  /** CSAT and effort, 1–5. */
  readonly ratings: readonly [number, number];
}

/** The care flow's lines as a customer reads them, by what they ask of the customer. */
export type BotLine = 'didItHelp' | 'csat' | 'effort' | 'handedOff' | 'reminder' | 'flow' | 'other';

const PATTERNS: ReadonlyArray<readonly [BotLine, RegExp]> = [
  ['didItHelp', /Did this solve your problem\?|Questo ha risolto il problema\?/],
  ['csat', /How satisfied are you|Quanto sei soddisfatto/],
  ['effort', /How easy was it|Quanto è stato facile/],
  ['handedOff', /passing you to a person|Ti passo a una persona/],
  ['reminder', /Are you still there\?|Ci sei ancora\?/],
  [
    'flow',
    /Thanks for your message|Grazie per il messaggio|glad it is solved|felice che sia risolto|feedback!|Grazie per il tuo parere|number from 1 to 5|numero da 1 a 5|Sorry about that|Mi dispiace|I am back|Eccomi di nuovo|could not find an answer|Non ho trovato/,
  ],
];

export function classify(text: string): BotLine {
  return PATTERNS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'other';
}

/** The buttons a customer presses to answer "did it help?" (pressed, not typed, as most people do). */
export const YES_BUTTON = /^(Yes|Sì)$/;
export const NO_BUTTON = /^No$/;

interface Template {
  readonly behaviour: Behaviour;
  readonly opening: string;
  readonly toAgent?: readonly string[];
  readonly nudge?: string;
}

const LINES: Record<Language, readonly Template[]> = {
  en: [
    { behaviour: 'satisfied', opening: 'my internet is very slow since yesterday' },
    {
      behaviour: 'asksForPerson',
      opening: 'I want to talk to a human',
      toAgent: ['I was charged twice for March, 29.90 each time.', 'Great, thank you so much!'],
      nudge: 'hello? is anyone there?',
    },
    { behaviour: 'quiet', opening: 'my SIM is locked and asks for a PUK code' },
    { behaviour: 'secondTry', opening: 'why is my bill higher than usual?' },
    {
      behaviour: 'unhelped',
      opening: 'no signal on my phone at home',
      toAgent: ['It has been like this for a week, in Via Roma 12.', 'OK, thanks for checking.'],
      nudge: 'still waiting...',
    },
    { behaviour: 'satisfied', opening: 'how do I pay my bill with a card?' },
    {
      behaviour: 'asksForPerson',
      opening: 'can I speak to a real person please? I want to cancel my contract',
      toAgent: ['I am moving abroad next month.', 'Perfect, that is all.'],
    },
    { behaviour: 'satisfied', opening: 'I am going abroad next week, how does roaming work?' },
    { behaviour: 'quiet', opening: 'how do I set up my voicemail?' },
    { behaviour: 'satisfied', opening: 'where can I download my invoices as pdf?' },
  ],
  it: [
    {
      behaviour: 'asksForPerson',
      opening: 'voglio parlare con un operatore',
      toAgent: ['La bolletta di marzo è il doppio del solito.', 'Perfetto, grazie mille!'],
      nudge: 'c’è qualcuno?',
    },
    { behaviour: 'satisfied', opening: 'come pago la bolletta con la carta?' },
    { behaviour: 'secondTry', opening: 'perché la bolletta è più alta del solito?' },
    { behaviour: 'quiet', opening: 'come si configura la segreteria telefonica?' },
    {
      behaviour: 'unhelped',
      opening: 'il mio internet non va, è lentissimo',
      toAgent: ['Ho già riavviato il router tre volte.', 'Va bene, grazie.'],
      nudge: 'sto ancora aspettando...',
    },
    { behaviour: 'satisfied', opening: 'ciao, come funziona il roaming all’estero?' },
    {
      behaviour: 'asksForPerson',
      opening: 'posso parlare con una persona? ho perso il telefono',
      toAgent: ['Era un iPhone, il numero finisce con 4471.', 'Grazie, gentilissimi.'],
    },
    { behaviour: 'satisfied', opening: 'come posso scaricare le fatture in pdf?' },
    { behaviour: 'quiet', opening: 'come attivo la nuova SIM?' },
    { behaviour: 'satisfied', opening: 'come faccio una ricarica con la carta?' },
  ],
};

const NAMES: Record<Language, readonly string[]> = {
  en: ['ada', 'grace', 'alan', 'edsger', 'barbara', 'ken', 'margaret', 'dennis', 'frances', 'linus'],
  it: ['giulia', 'marco', 'chiara', 'luca', 'francesca', 'matteo', 'sara', 'paolo', 'elena', 'davide'],
};

const RATINGS: ReadonlyArray<readonly [number, number]> = [
  [5, 5],
  [4, 5],
  [5, 4],
  [3, 4],
  [4, 3],
];

/**
 * The n-th customer of a demo (0-based). English and Italian alternate, and
 * within four customers there is a satisfied one and one asking for a person
 * in each language, so even a short demo shows every kind of conversation.
 */
export function personaAt(n: number): Persona {
  const language: Language = n % 2 === 0 ? 'en' : 'it';
  const k = Math.floor(n / 2);
  const lines = LINES[language];
  const names = NAMES[language];
  const template = lines[k % lines.length]!;
  const round = Math.floor(k / names.length);
  const name = `${names[k % names.length]!}${round === 0 ? '' : `-${round + 1}`}`;
  return {
    name,
    language,
    behaviour: template.behaviour,
    opening: template.opening,
    toAgent: template.toAgent ?? (language === 'en' ? ['Thanks!'] : ['Grazie!']),
    ...(template.nudge === undefined ? {} : { nudge: template.nudge }),
    ratings: RATINGS[n % RATINGS.length]!,
  };
}
