import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { careServices } from '../../../flows/care/care-services.js';
import { checkKnowledgeBase } from '../../../flows/care/kb-check.js';
import { loadKnowledgeBase } from '../../../flows/care/knowledge-base.js';
import { asksForPerson, riskOf, smallTalkOf, withoutGreeting } from '../../../flows/care/signals.js';
import { stem } from '../../../flows/care/words.js';

describe('what a message says besides its question', () => {
  it.each([
    'I want to talk to a human',
    'agent please',
    'operator',
    'can I talk to someone from customer service',
    'put me through to an operator',
    'voglio parlare con un operatore',
    'mi passi una persona vera',
  ])('"%s" asks for a person', (text) => expect(asksForPerson(text)).toBe(true));

  it.each([
    "I'd like to move to you from another operator and keep my number",
    'can I bring my number from my old operator',
    'vorrei passare a voi da un altro operatore mantenendo il numero',
    'can I pay in person at the shop',
    'someone stole my phone',
  ])('"%s" does not ask for a person', (text) => expect(asksForPerson(text)).toBe(false));

  it.each([
    ['hi', ''],
    ['Hello there!', ''],
    ['good morning, my internet is slow', 'my internet is slow'],
    ['buongiorno, ho un problema con la fattura', 'ho un problema con la fattura'],
    ['high bill', 'high bill'],
  ])('"%s" without its greeting is "%s"', (text, rest) => expect(withoutGreeting(text).rest).toBe(rest));

  it.each([
    ['thanks', 'thanks'],
    ['grazie mille', 'thanks'],
    ['bye', 'bye'],
    ['arrivederci', 'bye'],
    ['are you a bot', 'bot'],
    ['who are you', 'bot'],
    ['sei un robot', 'bot'],
    ['how are you', 'howAreYou'],
    ['is anyone there', 'presence'],
    ['my bill is high', undefined],
  ])('"%s" is small talk: %s', (folded, talk) => expect(smallTalkOf(folded)).toBe(talk));

  it.each([
    ['I will take legal action', 'legal-threat'],
    ['vi denuncio all AGCOM', 'legal-threat'],
    ['third time I write about this', 'repeat-contact'],
    ['I have called 5 times already', 'repeat-contact'],
    ['ho scritto già tre volte', 'repeat-contact'],
    ['fix it or I am leaving you for another provider', 'churn-risk'],
    ['se continua così passo a un altro operatore', 'churn-risk'],
    ['this is ridiculous', 'angry'],
    ['MY PHONE DOES NOT WORK AT ALL', 'angry'],
  ])('"%s" is a risk: %s', (text, tag) => expect(riskOf(text)?.tag).toBe(tag));

  it.each([
    'how do I cancel my contract?',
    'I entered the wrong pin 3 times',
    'ho sbagliato il pin tre volte',
    'can I switch to a cheaper plan',
    "I'm switching from TIM to you, what do I need?",
    'my download speed is slow',
  ])('"%s" is no risk', (text) => expect(riskOf(text)).toBeUndefined());
});

describe('the care bot’s understanding', () => {
  const kb = careServices();

  it.each([
    ['How do I pay my bill?', 'en', 'en-bill-pay'],
    ['Why was I charged so much this month?', 'en', 'en-bill-high'],
    ['does my phone support 5G?', 'en', 'en-5g'],
    ['need to add credit to my pay as you go phone', 'en', 'en-topup'],
    ['good morning, I lost my phone yesterday', 'en', 'en-sim-lost'],
    ['giga finiti', 'it', 'it-giga'],
  ])('"%s" (%s) is answered with %s', (text, language, id) => {
    const meaning = kb.understand(text, language);
    expect(meaning.kind === 'answer' && meaning.article.id).toBe(id);
  });

  it.each([
    ['it does not work', 'en', 'vague'],
    ['non funziona', 'it', 'vague'],
    ['problem with my bill', 'en', 'clarify'],
    ['qwxz zzkj', 'en', 'notUnderstood'],
    ['can you recommend a good pizza place', 'en', 'notUnderstood'],
    ['hi', 'en', 'smallTalk'],
  ])('"%s" (%s) is %s', (text, language, kind) => expect(kb.understand(text, language).kind).toBe(kind));

  it('a short message’s language without a locale comes from the knowledge base’s words', () => {
    expect(kb.guessLanguage('internet lentisimo')).toBe('it');
    expect(kb.guessLanguage('broadband crawling')).toBe('en');
  });

  it('light stems keep the forms customers write together', () => {
    expect(stem('charges', 'en')).toBe(stem('charged', 'en'));
    expect(stem('bollette', 'it')).toBe(stem('bolletta', 'it'));
    expect(stem('lentissimo', 'it')).toBe(stem('lento', 'it'));
  });

  it('every shipped article has example questions, and they find their own article', () => {
    const articles = loadKnowledgeBase();
    for (const article of articles) {
      expect(article.questions.length, article.id).toBeGreaterThan(0);
      for (const question of article.questions) {
        const meaning = kb.understand(question, article.language);
        // An example question may be one several articles answer: then it is offered among the options.
        const found =
          meaning.kind === 'answer'
            ? [meaning.article.id]
            : meaning.kind === 'clarify'
              ? meaning.options.map((a) => a.id)
              : [];
        expect(found, `${article.id}: "${question}"`).toContain(article.id);
      }
    }
  });

  it('questions and synonyms are optional in a knowledge-base file, and checked when given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'caredesk-kb-'));
    const article = { id: 'x', topic: 't', title: 'T', body: 'B' };
    writeFileSync(join(dir, 'en.json'), JSON.stringify([article]));
    expect(loadKnowledgeBase(dir)[0]).toMatchObject({ questions: [], synonyms: [] });
    writeFileSync(join(dir, 'en.json'), JSON.stringify([{ ...article, questions: 'how?' }]));
    expect(() => loadKnowledgeBase(dir)).toThrow(/en\.json: 0\.questions/);
    writeFileSync(join(dir, 'en.json'), JSON.stringify([{ ...article, synonyms: [''] }]));
    expect(() => loadKnowledgeBase(dir)).toThrow(/en\.json: 0\.synonyms/);
  });
});

describe('checking a knowledge base', () => {
  it('the shipped knowledge base has no unreachable article and no example question shared by two', () => {
    expect(checkKnowledgeBase(loadKnowledgeBase())).toEqual({ unreachable: [], overlapping: [] });
  });

  it('an article nobody can reach, and a question two articles claim, are reported', () => {
    const base = { language: 'en', body: 'Some text.' };
    const report = checkKnowledgeBase([
      { ...base, id: 'a-pay', topic: 'billing', title: 'Pay your bill', questions: ['How do I pay my bill?'] },
      { ...base, id: 'b-pay', topic: 'billing', title: 'Pay your bill', questions: ['How do I pay my bill?'] },
      { ...base, id: 'c-roam', topic: 'roaming', title: 'Roaming abroad', questions: ['Does my phone work abroad?'] },
    ]);
    expect(report.overlapping).toEqual([{ question: 'How do I pay my bill?', ids: ['a-pay', 'b-pay'] }]);
    expect(report.unreachable).toEqual([]);
    const hidden = checkKnowledgeBase([
      { ...base, id: 'a-pay', topic: 'billing', title: 'Pay your bill', questions: ['How do I pay my bill?'] },
      // Only generic words: every phrasing of it is "what is it about?".
      { ...base, id: 'x', topic: 'billing', title: 'Help and support', questions: ['I need help'] },
    ]);
    expect(hidden.unreachable.map((u) => u.id)).toEqual(['x']);
  });
});
