/**
 * What a message says besides its question: a greeting or other small talk,
 * a wish for a person, and the signs that a person should take over at once
 * (anger, a repeated contact, a legal threat, a threat to leave). Patterns
 * over the folded text (case and accents aside), in English and Italian.
 * A word alone is not enough where customers use it otherwise: "operator"
 * in "move to you from another operator" is the old telco, not a request.
 */
import { fold } from './words.js';

export type SmallTalk = 'greeting' | 'thanks' | 'bye' | 'bot' | 'howAreYou' | 'presence';

export interface Risk {
  readonly tag: 'legal-threat' | 'repeat-contact' | 'angry' | 'churn-risk';
  readonly priority: 'high' | 'urgent';
}

const re = (source: string) => new RegExp(source, 'u');

/** A greeting at the start, with what may follow it ("hi team,", "buongiorno a tutti"). */
const GREETING = re(
  '^(?:(?:hi|hii+|hello|helo|hallo|hey|heya|hiya|yo|howdy|greetings|morning|evening|afternoon|' +
    'good (?:morning|afternoon|evening|day)|ciao|salve|buongiorno|buon giorno|buonasera|buona sera|' +
    'buon pomeriggio|buondi|buonsera|hola|bonjour)\\b(?: (?:there|all|everyone|team|guys|folks|again|' +
    'a tutti|ragazzi|a voi))?\\s*)+',
);
const THANKS = re(
  '^(?:(?:many )?thanks?(?: you)?(?: (?:so|very) much| a lot)?|thx|ty|cheers|grazie(?: mille| tante)?|ti ringrazio|' +
    'vi ringrazio|perfetto grazie|ok grazie|ok thanks|great thanks)$',
);
const BYE = re(
  '^(?:bye|bye bye|goodbye|good bye|see you|see ya|cya|have a (?:nice|good) day|arrivederci|ciao ciao|a presto|' +
    'buona giornata|buona serata|alla prossima)$',
);
const BOT = re(
  '^(?:are you (?:a |an )?(?:bot|robot|machine|ai|human|real person|real|person|computer)|' +
    '(?:am i|are we) (?:talking|speaking|chatting|writing) (?:to|with) (?:a |an )?(?:bot|robot|machine|ai|human|real person|person|computer)|' +
    'is this (?:a |an )?(?:bot|robot|machine|ai|real person|human)|who are you|what are you|whats your name|' +
    'what is your name|who am i (?:talking|speaking|writing) (?:to|with)|sei (?:un |una )?(?:bot|robot|umano|persona|macchina|persona vera|vero)|' +
    'parlo con (?:un |una )?(?:bot|robot|umano|persona|macchina)|chi sei|chi sei tu|come ti chiami|con chi (?:parlo|sto parlando)|' +
    'e un bot|e un robot)$',
);
const HOW_ARE_YOU = re(
  '^(?:how are you(?: doing| today)?|how s it going|hows it going|how do you do|come stai|come va|tutto bene|come state)$',
);

const PRESENCE = re(
  '^(?:(?:is )?(?:are you|anyone|anybody|someone|somebody|is anyone|is anybody) (?:there|here|around)|' +
    'c e qualcuno|ce qualcuno|ci sei|ci siete|c e nessuno|ce nessuno|qualcuno (?:mi )?(?:risponde|c e))$',
);

/** What is left once a leading greeting is taken off ("" for a greeting alone), and whether there was one. */
export function withoutGreeting(text: string): { greeted: boolean; rest: string } {
  const folded = fold(text);
  const m = GREETING.exec(folded);
  if (!m) return { greeted: false, rest: folded };
  return { greeted: true, rest: folded.slice(m[0].length).trim() };
}

/** Small talk in a whole (folded, greeting-less) message, or undefined. */
export function smallTalkOf(folded: string): SmallTalk | undefined {
  if (folded === '') return undefined;
  if (THANKS.test(folded)) return 'thanks';
  if (BYE.test(folded)) return 'bye';
  if (BOT.test(folded)) return 'bot';
  if (HOW_ARE_YOU.test(folded)) return 'howAreYou';
  if (PRESENCE.test(folded)) return 'presence';
  return undefined;
}

const HUMAN_WORDS =
  'agent|agents|human|humans|person|people|operator|operators|representative|rep|advisor|adviser|consultant|staff|' +
  'operatore|operatrice|operatori|persona|persone|umano|umana|addetto|addetta|consulente|assistente|agente|' +
  'mensch|mitarbeiter|humano|operador|operateur|conseiller|humain';
const HUMAN = re(`\\b(?:${HUMAN_WORDS})\\b`);
/** The same words used for something else: the customer's old telco, a shop visit. */
const NOT_A_REQUEST = re(
  `\\b(?:another|other|old|previous|current|different|new|mobile|phone|network|telecom|my|in|the shop|store|estate|altro|altra|vecchio|vecchia|precedente|attuale|nuovo|nuova|di|mio|mia)\\s+(?:${HUMAN_WORDS})\\b|` +
    `\\b(?:${HUMAN_WORDS})\\s+(?:telefonico|telefonica|mobile|di rete)\\b`,
);
/** Asking to talk to someone, whatever the word for them. */
const TALK_TO = re(
  '\\b(?:talk|speak|chat|connect me|put me through|transfer me|pass me|get me)\\b.{0,20}\\b(?:to|with)\\b.{0,12}\\b(?:someone|somebody|anyone|a human|a person|customer service|support team)\\b|' +
    '\\b(?:parlare|passami|passarmi|mi passi|mettermi in contatto)\\b.{0,20}\\b(?:qualcuno|una persona|un umano|servizio clienti)\\b',
);

export function asksForPerson(text: string): boolean {
  const folded = fold(text);
  if (TALK_TO.test(folded)) return true;
  if (!HUMAN.test(folded)) return false;
  // Every mention of the word is in an unrelated sense: no request.
  const mentions = folded.match(new RegExp(HUMAN.source, 'gu'))?.length ?? 0;
  const unrelated = folded.match(new RegExp(NOT_A_REQUEST.source, 'gu'))?.length ?? 0;
  return mentions > unrelated;
}

const LEGAL = re(
  '\\b(?:lawyer|lawyers|attorney|solicitor|legal action|legal steps|sue|suing|court|ombudsman|ofcom|regulator|' +
    'consumer (?:protection|association|rights)|small claims|trading standards|class action|' +
    'avvocat[oia]|avvocati|denunci\\w*|vie legali|azione legale|azioni legali|tribunale|giudice|agcom|corecom|codacons|' +
    'associazione (?:dei )?consumatori|garante)\\b',
);
const REPEAT = re(
  '\\b(?:(?:second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|\\d+th) time|' +
    '(?:called|written|wrote|contacted|messaged|emailed|complained|reported|asked|chatted|phoned|rang)\\b.{0,30}\\b(?:times|again and again|already)\\b|' +
    '\\b(?:\\d+|two|three|four|five|six|many|several|multiple|countless) times\\b.{0,25}\\b(?:called|written|wrote|contacted|asked|complained|reported|told)|' +
    'already (?:called|written|wrote|contacted|complained|reported|told you|asked)|' +
    'nobody (?:answers|replies|responds|helps|fixes|calls back)|no one (?:answers|replies|responds|helps|fixes)|still nothing|' +
    'terza volta|quarta volta|quinta volta|ennesima volta|ancora una volta|per l ennesima|' +
    '(?:gia|piu volte|tante volte|mille volte)\\b.{0,12}\\b(?:scritto|chiamato|contattato|segnalato|telefonato|detto)|' +
    '(?:scritto|chiamato|contattato|segnalato|telefonato)\\b.{0,20}\\b(?:volte|gia)\\b|' +
    'nessuno (?:mi )?(?:risponde|richiama|aiuta|risolve))',
);
const ANGER = re(
  '\\b(?:disgrace|disgraceful|disgusting|ridiculous|unacceptable|outrageous|scandalous|furious|livid|angry|' +
    'fed up|sick of|sick and tired|useless|incompetent|worst|pathetic|shameful|shame on you|scam|scammers|' +
    'rip off|ripoff|rip me off|thieves|fraud|fuck\\w*|shit\\w*|crap|wtf|bullshit|terrible service|awful service|' +
    'horrible service|vergogn\\w*|schifo|schifos\\w*|inaccettabil\\w*|ridicol\\w*|pessim\\w*|incompetent\\w*|ladri|' +
    'truffa|truffatori|stuf[oai]|arrabbiat\\w*|furios[oai]|scandal\\w*|assurdo|vergognatevi|cazz\\w*|merda|' +
    'indecente|indecenti|incredibile|inutili|basta)\\b',
);
const CHURN = re(
  '\\b(?:(?:i will|i ll|i am going to|im going to|i m going to|gonna|or i|otherwise i|else i|i shall)\\s+(?:(?:just|simply|definitely)\\s+)?(?:cancel|leave|switch|quit|go elsewhere|take my business)|' +
    '(?:i m|im|i am) (?:leaving|cancelling|canceling|done with you)|leaving you|' +
    '(?:switch|go|move|leave)\\w* (?:to|for) (?:the competition|a competitor|(?:another|a different|other)\\b.{0,12}\\b(?:provider|operator|company|network|carrier))|' +
    '(?:passo|vado|cambio|passero|andro)\\b.{0,12}\\b(?:concorrenza|(?:altro|altra) (?:operatore|gestore|compagnia))|' +
    'cambio (?:gestore|operatore|compagnia)|vi lascio|disdico tutto|me ne vado)',
);

/** The strongest sign in the message that a person should take over at once, or undefined. */
export function riskOf(text: string): Risk | undefined {
  const folded = fold(text);
  if (LEGAL.test(folded)) return { tag: 'legal-threat', priority: 'urgent' };
  if (CHURN.test(folded)) return { tag: 'churn-risk', priority: 'high' };
  if (REPEAT.test(folded)) return { tag: 'repeat-contact', priority: 'high' };
  if (ANGER.test(folded) || shouting(text)) return { tag: 'angry', priority: 'high' };
  return undefined;
}

/** Four or more capitalised words, or "!!!": written loud. */
function shouting(text: string): boolean {
  if (/!{3,}/.test(text)) return true;
  const words = text.match(/\p{L}{3,}/gu) ?? [];
  return words.filter((w) => w === w.toUpperCase() && w !== w.toLowerCase()).length >= 4;
}
