/**
 * The customer-care flow. It greets a greeting (with topic buttons),
 * acknowledges a question at once in the customer's language, answers from
 * the knowledge base when it is sure, asks which of two or three articles is
 * meant when it is not, asks to say it another way when it understood
 * nothing (and hands off after a second miss), asks whether an answer
 * solved it, tries one more article, and hands off to a person (with reason,
 * topic and language for routing, and the expected wait from the live queue)
 * when asked, when two answers did not help, when the language is not
 * covered, or at once with a priority and a tag when the customer is angry,
 * writes again about the same thing, threatens legal steps or to leave. After resolution it asks CSAT and effort (1–5) in the survey
 * window of the resolved case: a rating (or a "thanks") is taken as part of
 * the survey; anything else is left to the desk, which reopens the case.
 * Anger is read from words (signals.ts), not from a sentiment model.
 */
import { assign, setup } from 'xstate';
import type { FlowEvent } from '../../core/index.js';
import { defineFlow, flowTypes, said } from '../kit/define.js';
import {
  cancelTimer,
  handoff,
  lateBy,
  openSurvey,
  quickReplies,
  recordSurvey,
  reply,
  resolveConversation,
  setPriority,
  startTimer,
  tag,
  timerIs,
} from '../kit/effects.js';
import { liveKnowledge } from './live-knowledge.js';
import { createReader, twoLetters } from './reading.js';
import type { CareServices } from './services.js';
import { ARTICLE_VALUE, PERSON_VALUE, TOPIC_VALUE } from './understand.js';

export interface CareContext {
  language: string;
  /** The channel's locale for the customer (Bot Framework `it-IT`, Telegram `language_code`), two letters. */
  locale: string | undefined;
  /** Ids of the articles already offered, so "no" brings the next best one. */
  tried: string[];
  /**
   * The article just offered, by id: the snapshot is stored on every message,
   * and the article's text already travels in the reply.
   */
  currentId: string | undefined;
  /** Answers in a row that did not help. */
  misses: number;
  lastQuery: string;
  topic: string | undefined;
  handoffReason: string;
  reminded: boolean;
  /**
   * Messages in a row the bot did not understand well enough to answer
   * (a clarifying question, "say it another way"); the second miss goes to a person.
   */
  unclear?: number;
  /** Whether the language was told (locale, or the text): a weak guess from a later message does not switch it. */
  languageKnown?: boolean;
}

export const REMIND_AFTER_MS = 10 * 60_000;
/**
 * A reminder that comes later than this (it fell due while the server was
 * down) is not sent: "are you still there?" an hour after the answer reads
 * as a glitch, not as care. The case still closes when its close timer says.
 */
export const REMIND_STALE_AFTER_MS = 10 * 60_000;
export const CLOSE_AFTER_MS = 24 * 60 * 60_000;
/** How long after resolution the customer's ratings still count as the survey's answers. */
export const SURVEY_WINDOW_MS = CLOSE_AFTER_MS;
/** The value of Bot Framework's "joined" activity (bots/botframework CONVERSATION_START; flows import no channel). */
const CONVERSATION_START = 'conversation.start';

const MAX_MISSES = 2;
/** "Say it another way" once; the next message not understood goes to a person. */
const MAX_NOT_UNDERSTOOD = 1;
/** Clarifying questions in a row before a person takes over. */
const MAX_CLARIFY = 2;

const RISK_REASONS: Record<string, string> = {
  'legal-threat': 'the customer mentions legal steps',
  'churn-risk': 'the customer threatens to leave',
  'repeat-contact': 'the customer writes again about the same problem',
  angry: 'the customer is upset',
};
const isButton = (event: FlowEvent) => event.type === 'customer.action';

/**
 * Snapshots stored before the context kept the article by id carry the whole
 * article as `current`: a conversation in the middle of the flow across the
 * upgrade goes on with its id, and its next snapshots no longer carry the text.
 */
function withArticleId<T>(snapshot: T): T {
  const context = (snapshot as { context?: unknown } | undefined)?.context;
  if (typeof context !== 'object' || context === null || !('current' in context)) return snapshot;
  const { current, ...rest } = context as { current?: unknown };
  const id = (current as { id?: unknown } | null | undefined)?.id;
  return { ...snapshot, context: { ...rest, currentId: typeof id === 'string' ? id : undefined } };
}

export function createCareFlow(svc: CareServices) {
  const { firstHit, understood, covered, languageOf, learnedLanguage, meaningOf } = createReader(svc);
  /** A "no" keeps the question; anything else is a new, more precise one. */
  const queryOf = (context: CareContext, event: FlowEvent) => (svc.isNo(said(event)) ? context.lastQuery : said(event));
  const firstAnswer = (context: CareContext, event: FlowEvent, language: string) => {
    const meaning = understood(said(event), language);
    const article = meaning.kind === 'answer' ? meaning.article : undefined;
    return {
      unclear: 0,
      currentId: article?.id,
      tried: article ? [article.id] : [],
      misses: 0,
      lastQuery: said(event),
      topic: article?.topic ?? context.topic,
    };
  };
  const yesNo = (language: string) =>
    quickReplies(
      { label: svc.message(language, 'yes'), value: 'yes' },
      { label: svc.message(language, 'no'), value: 'no' },
    );
  const ratings = quickReplies('1', '2', '3', '4', '5');
  const topicButtons = (language: string) => [
    ...svc.topics(language).map((t) => ({ label: t.label, value: `${TOPIC_VALUE}${t.topic}` })),
    { label: svc.message(language, 'talkToPerson'), value: PERSON_VALUE },
  ];
  const optionButtons = ({ context, event }: { context: CareContext; event: FlowEvent }) => {
    const meaning = meaningOf(context, event);
    const options = meaning.kind === 'clarify' ? meaning.options : [];
    return [
      ...options.map((a) => ({ label: a.title, value: `${ARTICLE_VALUE}${a.id}` })),
      { label: svc.message(context.language, 'talkToPerson'), value: PERSON_VALUE },
    ];
  };
  const when = (iso: string | undefined) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '');

  const tellWaitAndHandOff = [
    reply<CareContext>(({ context, event }) => {
      if (context.handoffReason === 'language not covered') return svc.message('en', 'handoffLanguage');
      const { wait } = event.env;
      if (!wait.open) return svc.message(context.language, 'handoffClosed', { reopens: when(wait.reopensAt) });
      // "0 ahead of you" reads like a glitch: the first in line is told so.
      const key = wait.queueLength === 0 ? 'handoffWaitNext' : 'handoffWait';
      return svc.message(context.language, key, { minutes: wait.minutes, queue: wait.queueLength });
    }),
    handoff<CareContext>(({ context }) => ({
      reason: context.handoffReason,
      topic: context.topic ?? 'general',
      language: context.language,
    })),
  ];
  const askAgainOnThanks = {
    guard: 'saysThanks',
    actions: reply<CareContext>(({ context }) => svc.message(context.language, 'ratingHint'), ratings),
  } as const;
  const thankResolved = [
    resolveConversation<CareContext>(),
    reply<CareContext>(({ context }) => svc.message(context.language, 'resolved')),
  ];

  /** First in every state: a Bot Framework client (re)joining is not something the customer said. */
  const ignoreJoin = { guard: 'joined', actions: 'ignore' } as const;

  /** Anger, a repeated contact, a legal or a churn threat: a person, at once, with a priority and a tag. */
  const riskTransitions = [
    { guard: 'isUrgent', target: 'handedOff', actions: ['noteRisk', 'saySorry', 'prioritizeUrgent', 'tagRisk'] },
    { guard: 'isRisk', target: 'handedOff', actions: ['noteRisk', 'saySorry', 'prioritizeHigh', 'tagRisk'] },
  ] as const;
  /**
   * What the bot does with a message that may be a question: the first
   * message (acknowledged when it is a question), a message after a greeting
   * or a handback, and the answer to a clarifying question.
   */
  const questionTransitions = (first: boolean) => {
    const ack = first ? (['acknowledge'] as const) : ([] as const);
    return [
      ignoreJoin,
      ...riskTransitions,
      {
        guard: 'wantsPerson',
        target: 'handedOff',
        actions: ['learnLanguage', ...ack, 'noteAskedForPerson'],
      },
      {
        guard: 'languageNotCovered',
        target: 'handedOff',
        actions: ['learnLanguage', 'noteLanguageNotCovered'],
      },
      { guard: 'isSmallTalk', target: 'awaitingQuestion', actions: ['learnLanguage', 'replySmallTalk'] },
      {
        guard: 'hasAnswer',
        target: 'confirmingResolution',
        actions: ['learnLanguageAndPickFirstAnswer', ...ack, 'sendAnswer'],
      },
      {
        guard: 'needsClarifyingAgain',
        target: 'handedOff',
        actions: ['learnLanguage', 'noteUnclear'],
      },
      {
        guard: 'needsClarifying',
        target: 'clarifying',
        actions: ['learnLanguageAndCountUnclear', 'askWhichArticle'],
      },
      {
        guard: 'notUnderstoodAgain',
        target: 'handedOff',
        actions: ['learnLanguage', 'noteNotUnderstood'],
      },
      { guard: 'isVague', target: 'clarifying', actions: ['learnLanguageAndCountUnclear', 'askTopic'] },
      { target: 'clarifying', actions: ['learnLanguageAndCountUnclear', 'sayNotUnderstood'] },
    ] as const;
  };

  const machine = setup({
    types: flowTypes<CareContext>(),
    guards: {
      joined: ({ event }) => event.type === 'customer.action' && event.value === CONVERSATION_START,
      asksForHuman: ({ event }) => said(event) === PERSON_VALUE || svc.asksForHuman(said(event)),
      languageNotCovered: ({ context, event }) => !covered(languageOf(context, event)),
      isUrgent: ({ context, event }) => {
        const m = meaningOf(context, event);
        return m.kind === 'risk' && m.risk.priority === 'urgent';
      },
      isRisk: ({ context, event }) => meaningOf(context, event).kind === 'risk',
      wantsPerson: ({ context, event }) => meaningOf(context, event).kind === 'person',
      isSmallTalk: ({ context, event }) => meaningOf(context, event).kind === 'smallTalk',
      hasAnswer: ({ context, event }) => meaningOf(context, event).kind === 'answer',
      needsClarifying: ({ context, event }) => meaningOf(context, event).kind === 'clarify',
      needsClarifyingAgain: ({ context, event }) =>
        meaningOf(context, event).kind === 'clarify' && !isButton(event) && (context.unclear ?? 0) >= MAX_CLARIFY,
      notUnderstoodAgain: ({ context }) => (context.unclear ?? 0) >= MAX_NOT_UNDERSTOOD,
      isVague: ({ context, event }) => meaningOf(context, event).kind === 'vague',
      saysYes: ({ event }) => svc.isYes(said(event)),
      tooManyMisses: ({ context }) => context.misses + 1 >= MAX_MISSES,
      hasAnotherAnswer: ({ context, event }) =>
        firstHit(queryOf(context, event), context.language, context.tried) !== undefined,
      isRating: ({ event }) => svc.parseRating(said(event)) !== undefined,
      saysThanks: ({ event }) => svc.isThanks(said(event)),
      remindDue: ({ context, event }) =>
        !context.reminded && timerIs('remind')({ event }) && lateBy(event) <= REMIND_STALE_AFTER_MS,
      closeDue: ({ event }) => timerIs('close')({ event }),
    },
    actions: {
      // Takes the event without doing anything: in the survey it keeps a rejoin in the resolved case.
      ignore: () => undefined,
      learnLanguage: assign(({ context, event }) => learnedLanguage(context, event)),
      acknowledge: reply(({ context }) => svc.message(context.language, 'ack')),
      // One assign rather than learning the language, then picking: each assign makes XState build a new snapshot.
      learnLanguageAndPickFirstAnswer: assign(({ context, event }) => {
        const learned = learnedLanguage(context, event);
        return { ...learned, ...firstAnswer(context, event, learned.language) };
      }),
      learnLanguageAndCountUnclear: assign(({ context, event }) => ({
        ...learnedLanguage(context, event),
        unclear: isButton(event) ? (context.unclear ?? 0) : (context.unclear ?? 0) + 1,
        lastQuery: said(event),
      })),
      noteRisk: assign(({ context, event }) => {
        const m = meaningOf(context, event);
        const reason = m.kind === 'risk' ? RISK_REASONS[m.risk.tag] : undefined;
        return { ...learnedLanguage(context, event), handoffReason: reason ?? 'the customer is upset' };
      }),
      tagRisk: tag(({ context, event }) => {
        const m = meaningOf(context, event);
        return m.kind === 'risk' ? m.risk.tag : 'upset';
      }),
      prioritizeUrgent: setPriority('urgent'),
      prioritizeHigh: setPriority('high'),
      noteAskedForPerson: assign({ handoffReason: 'customer asked for a person' }),
      noteLanguageNotCovered: assign({ handoffReason: 'language not covered' }),
      noteUnclear: assign({ handoffReason: 'the bot could not tell what the customer needs' }),
      noteNotUnderstood: assign({ handoffReason: 'the bot did not understand the customer twice' }),
      saySorry: reply(({ context }) => svc.message(context.language, 'sorry')),
      replySmallTalk: reply(
        ({ context, event }) => {
          const m = meaningOf(context, event);
          const talk = m.kind === 'smallTalk' ? m.talk : 'greeting';
          const key = (
            {
              greeting: 'greeting',
              thanks: 'thanksReply',
              bye: 'bye',
              bot: 'whoAmI',
              howAreYou: 'howAreYou',
              presence: 'presence',
            } as const
          )[talk];
          return svc.message(context.language, key);
        },
        ({ context, event }) => {
          const m = meaningOf(context, event);
          return m.kind === 'smallTalk' && (m.talk === 'greeting' || m.talk === 'bot')
            ? topicButtons(context.language)
            : [];
        },
      ),
      askWhichArticle: reply(({ context }) => svc.message(context.language, 'clarify'), optionButtons),
      askTopic: reply(
        ({ context }) => svc.message(context.language, 'pickTopic'),
        ({ context }) => topicButtons(context.language),
      ),
      sayNotUnderstood: reply(({ context }) => svc.message(context.language, 'notUnderstood')),
      pickNextAnswer: assign(({ context, event }) => {
        const query = queryOf(context, event);
        const article = firstHit(query, context.language, context.tried);
        return {
          currentId: article?.id,
          tried: article ? [...context.tried, article.id] : context.tried,
          misses: context.misses + 1,
          lastQuery: query,
          topic: article?.topic ?? context.topic,
        };
      }),
      sendAnswer: reply(
        ({ context }) => {
          // An id the knowledge base has lost since is no answer, not an error.
          const article = context.currentId === undefined ? undefined : svc.article(context.currentId);
          return article
            ? `${svc.message(context.language, 'answer', { title: article.title, body: article.body })}\n\n${svc.message(context.language, 'didItHelp')}`
            : svc.message(context.language, 'noAnswer');
        },
        ({ context }) => yesNo(context.language),
      ),
      sayTryAgain: reply(({ context }) => svc.message(context.language, 'tryAgain')),
      markReminded: assign({ reminded: true }),
      sendReminder: reply(
        ({ context }) => svc.message(context.language, 'remind'),
        ({ context }) => yesNo(context.language),
      ),
    },
  }).createMachine({
    id: 'care',
    context: ({ input }) => ({
      language: twoLetters(input.language) ?? 'en',
      locale: twoLetters(input.language),
      languageKnown: twoLetters(input.language) !== undefined,
      unclear: 0,
      tried: [],
      currentId: undefined,
      misses: 0,
      lastQuery: '',
      topic: undefined,
      handoffReason: '',
      reminded: false,
    }),
    initial: 'awaitingFirstMessage',
    states: {
      awaitingFirstMessage: {
        on: { 'customer.*': questionTransitions(true) },
      },
      /** Greeted, handed back, or after small talk: the bot waits for the customer's question. */
      awaitingQuestion: {
        on: {
          'customer.*': [
            ignoreJoin,
            // "Yes" to "anything else I can help you with?": the bot asks for it.
            {
              guard: 'saysYes',
              actions: reply(({ context }) => svc.message(context.language, 'welcomeBack')),
            },
            ...questionTransitions(false),
          ],
          'conversation.resolved': 'surveying',
        },
      },
      /** The bot asked which article, which topic, or to say it another way. */
      clarifying: {
        on: {
          'customer.*': questionTransitions(false),
          'conversation.resolved': 'surveying',
        },
      },
      confirmingResolution: {
        entry: [startTimer('remind', REMIND_AFTER_MS), startTimer('close', CLOSE_AFTER_MS)],
        exit: [cancelTimer('remind'), cancelTimer('close')],
        on: {
          'customer.*': [
            ignoreJoin,
            ...riskTransitions,
            {
              guard: 'asksForHuman',
              target: 'handedOff',
              actions: assign({ handoffReason: 'customer asked for a person' }),
            },
            { guard: 'saysYes', target: 'surveying', actions: thankResolved },
            {
              guard: 'tooManyMisses',
              target: 'handedOff',
              actions: assign({ handoffReason: 'two answers in a row did not help' }),
            },
            {
              guard: 'hasAnotherAnswer',
              target: 'confirmingResolution',
              reenter: true,
              actions: ['sayTryAgain', 'pickNextAnswer', 'sendAnswer'],
            },
            {
              target: 'handedOff',
              actions: assign({ handoffReason: 'the answer did not help and no other article matched' }),
            },
          ],
          'timer.fired': [
            { guard: 'remindDue', actions: ['markReminded', 'sendReminder'] },
            { guard: 'closeDue', target: 'closed' },
          ],
          // A supervisor resolved it while the bot was waiting for the answer: the survey follows.
          'conversation.resolved': 'surveying',
        },
      },
      handedOff: {
        entry: tellWaitAndHandOff,
        on: {
          'agent.handback': {
            target: 'awaitingQuestion',
            actions: reply(({ context }) => svc.message(context.language, 'welcomeBack')),
          },
          'conversation.resolved': 'surveying',
        },
      },
      surveying: {
        initial: 'askingSatisfaction',
        entry: [startTimer('close', CLOSE_AFTER_MS), openSurvey(SURVEY_WINDOW_MS)],
        exit: cancelTimer('close'),
        on: { 'timer.fired': { guard: 'closeDue', target: 'closed' } },
        states: {
          askingSatisfaction: {
            entry: reply(({ context }) => svc.message(context.language, 'csat'), ratings),
            on: {
              'customer.*': [
                ignoreJoin,
                {
                  guard: 'isRating',
                  target: 'askingEffort',
                  actions: recordSurvey('csat', ({ event }) => svc.parseRating(said(event)) ?? 0),
                },
                askAgainOnThanks,
                // Anything else is not taken: the desk reopens the case with it.
              ],
            },
          },
          askingEffort: {
            entry: reply(({ context }) => svc.message(context.language, 'effort'), ratings),
            on: {
              'customer.*': [
                ignoreJoin,
                {
                  guard: 'isRating',
                  target: 'thanked',
                  actions: [
                    recordSurvey('effort', ({ event }) => svc.parseRating(said(event)) ?? 0),
                    reply(({ context }) => svc.message(context.language, 'surveyThanks')),
                  ],
                },
                askAgainOnThanks,
              ],
            },
          },
          thanked: { type: 'final' },
        },
        onDone: 'closed',
      },
      closed: { type: 'final' },
    },
  });

  return defineFlow({
    name: 'care',
    description: 'Customer care: answers from the knowledge base, hands off to a person, asks CSAT and effort.',
    machine,
    migrate: withArticleId,
    samples: {
      texts: [
        'How do I pay my bill?',
        'Come pago la bolletta?',
        'I want a human',
        'yes',
        'no',
        '4',
        'Wie bezahle ich meine Rechnung bitte?',
        'hi',
        'it does not work',
        'qwxz zzkj',
        'third time I write, this is unacceptable',
        'I will take legal action',
        'sì, grazie',
        'not really',
        'thanks',
      ],
      // A topic button is a clarifying question, an article button an answer.
      actions: [CONVERSATION_START, 'topic:billing', 'article:en-bill-pay'],
      timers: ['remind', 'close'],
      stateKey: (c: CareContext) => [c.language, c.misses, c.reminded, c.handoffReason, c.unclear],
    },
  });
}

/** The knowledge base the shipped care flow answers from; `careKnowledge.reload()` reads it again (SIGHUP). */
export const careKnowledge = liveKnowledge();
export const careFlow = createCareFlow(careKnowledge.services);
