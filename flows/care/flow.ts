/**
 * The customer-care flow. It acknowledges the first message at once in the
 * customer's language, answers from the knowledge base, asks whether that
 * solved it, tries one more article, and hands off to a person (with reason,
 * topic and language for routing, and the expected wait from the live queue)
 * when asked, when two answers did not help, or when the language is not
 * covered. After resolution it asks CSAT and effort (1–5) in the survey
 * window of the resolved case: a rating (or a "thanks") is taken as part of
 * the survey; anything else is left to the desk, which reopens the case.
 * No sentiment analysis.
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
  startTimer,
  timerIs,
} from '../kit/effects.js';
import { interimServices } from './interim-kb.js';
import type { Article, CareServices } from './services.js';

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

const twoLetters = (tag: string | undefined): string | undefined =>
  tag && /^[a-z]{2}/i.test(tag) ? tag.slice(0, 2).toLowerCase() : undefined;
const MAX_MISSES = 2;

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
  /*
   * One step asks the same questions of several guards and actions (is the
   * language covered, is there an answer, which one): the last answer of
   * each is kept, so a message is searched and its language detected once.
   */
  let lastDetect: { text: string; language: string | undefined } | undefined;
  const detectLanguage = (text: string): string | undefined => {
    if (lastDetect?.text !== text) lastDetect = { text, language: svc.detectLanguage(text) };
    return lastDetect.language;
  };
  let lastSearch: { query: string; language: string; tried: readonly string[]; hit: Article | undefined } | undefined;
  const firstHit = (query: string, language: string, tried: readonly string[]): Article | undefined => {
    const l = lastSearch;
    if (
      l?.query !== query ||
      l.language !== language ||
      l.tried.length !== tried.length ||
      l.tried.some((id, i) => id !== tried[i])
    ) {
      lastSearch = { query, language, tried: [...tried], hit: svc.search(query, language, tried)[0] };
    }
    return (lastSearch as { hit: Article | undefined }).hit;
  };
  const covered = (language: string) => svc.languages.includes(language);
  /**
   * The channel's locale is a strong prior: the text overrides it only when
   * detection is sure, and a customer whose locale is covered is never taken
   * for one writing in a language nobody covers (short texts fool detectors).
   */
  const languageOf = (context: CareContext, event: FlowEvent): string => {
    if (event.type !== 'customer.message') return context.language;
    const locale = twoLetters(event.language) ?? context.locale;
    const detected = detectLanguage(event.text);
    if (locale !== undefined && covered(locale)) return detected !== undefined && covered(detected) ? detected : locale;
    return detected ?? locale ?? context.language;
  };
  /** A "no" keeps the question; anything else is a new, more precise one. */
  const queryOf = (context: CareContext, event: FlowEvent) => (svc.isNo(said(event)) ? context.lastQuery : said(event));
  const firstAnswer = (context: CareContext, event: FlowEvent, language: string) => {
    const article = firstHit(said(event), language, []);
    return {
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

  const machine = setup({
    types: flowTypes<CareContext>(),
    guards: {
      joined: ({ event }) => event.type === 'customer.action' && event.value === CONVERSATION_START,
      asksForHuman: ({ event }) => svc.asksForHuman(said(event)),
      languageNotCovered: ({ context, event }) => !covered(languageOf(context, event)),
      hasAnswer: ({ context, event }) => firstHit(said(event), languageOf(context, event), []) !== undefined,
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
      learnLanguage: assign({ language: ({ context, event }) => languageOf(context, event) }),
      acknowledge: reply(({ context }) => svc.message(context.language, 'ack')),
      // One assign rather than learning the language, then picking: each assign makes XState build a new snapshot.
      learnLanguageAndPickFirstAnswer: assign(({ context, event }) => {
        const language = languageOf(context, event);
        return { language, ...firstAnswer(context, event, language) };
      }),
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
        on: {
          'customer.*': [
            ignoreJoin,
            {
              guard: 'asksForHuman',
              target: 'handedOff',
              actions: ['learnLanguage', 'acknowledge', assign({ handoffReason: 'customer asked for a person' })],
            },
            {
              guard: 'languageNotCovered',
              target: 'handedOff',
              actions: ['learnLanguage', assign({ handoffReason: 'language not covered' })],
            },
            {
              guard: 'hasAnswer',
              target: 'confirmingResolution',
              actions: ['learnLanguageAndPickFirstAnswer', 'acknowledge', 'sendAnswer'],
            },
            {
              target: 'handedOff',
              actions: ['learnLanguage', 'acknowledge', assign({ handoffReason: 'no article matched the question' })],
            },
          ],
        },
      },
      awaitingQuestion: {
        entry: reply(({ context }) => svc.message(context.language, 'welcomeBack')),
        on: {
          'customer.*': [
            ignoreJoin,
            {
              guard: 'asksForHuman',
              target: 'handedOff',
              actions: assign({ handoffReason: 'customer asked for a person' }),
            },
            { guard: 'saysYes', target: 'awaitingQuestion', reenter: true },
            // The language of the new question, as hasAnswer searched it: a customer may switch after a handback.
            {
              guard: 'hasAnswer',
              target: 'confirmingResolution',
              actions: ['learnLanguageAndPickFirstAnswer', 'sendAnswer'],
            },
            { target: 'handedOff', actions: assign({ handoffReason: 'no article matched the question' }) },
          ],
          'conversation.resolved': 'surveying',
        },
      },
      confirmingResolution: {
        entry: [startTimer('remind', REMIND_AFTER_MS), startTimer('close', CLOSE_AFTER_MS)],
        exit: [cancelTimer('remind'), cancelTimer('close')],
        on: {
          'customer.*': [
            ignoreJoin,
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
          'agent.handback': 'awaitingQuestion',
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

  // Every stored snapshot the engine rehydrates passes here (createActor with `snapshot`).
  const restore = machine.restoreSnapshot.bind(machine);
  machine.restoreSnapshot = (snapshot, scope) => restore(withArticleId(snapshot), scope);

  return defineFlow({
    name: 'care',
    description: 'Customer care: answers from the knowledge base, hands off to a person, asks CSAT and effort.',
    machine,
    samples: {
      texts: [
        'How do I pay my bill?',
        'Come pago la bolletta?',
        'I want a human',
        'yes',
        'no',
        '4',
        'Wie bezahle ich meine Rechnung bitte?',
        'sì, grazie',
        'not really',
        'thanks',
      ],
      actions: [CONVERSATION_START],
      timers: ['remind', 'close'],
      stateKey: (c: CareContext) => [c.language, c.misses, c.reminded, c.handoffReason],
    },
  });
}

export const careFlow = createCareFlow(interimServices());
