import { describe, expect, it } from 'vitest';
import { detectLanguage, isNo, isThanks, isYes, parseRating } from '../../../flows/care/intents.js';

describe('what a customer’s short answer means', () => {
  it.each(['sì', 'si', 'Sì, grazie', 'SÌ!', 'certo', 'yes please', 'yep', 'Yes', 'ok', 'yes it worked, thanks'])(
    '"%s" is a yes',
    (text) => expect(isYes(text)).toBe(true),
  );

  it.each([
    'no',
    'sì ma non funziona ancora',
    'yes but it still does not let me pay',
    'silly question',
    'certainly not',
  ])('"%s" is not a yes', (text) => expect(isYes(text)).toBe(false));

  it.each(['no, non ancora', 'not really', 'nope', 'No grazie', 'non funziona', 'per niente'])('"%s" is a no', (text) =>
    expect(isNo(text)).toBe(true),
  );

  it.each(['thanks', 'grazie mille!', 'ok grazie', '👍'])('"%s" is a courtesy', (text) =>
    expect(isThanks(text)).toBe(true),
  );

  it('a rating is 1 to 5, typed plainly, out of 5, or with a thank-you', () => {
    expect(['4', '4/5', '5!', '5, grazie', '6', 'five'].map(parseRating)).toEqual([4, 4, 5, 5, undefined, undefined]);
  });
});

describe('the language of a message', () => {
  it.each([
    ['come scarico le fatture in pdf?', 'it'],
    ['vado in Spagna la settimana prossima, come funziona il roaming?', 'it'],
    ['How do I pay my bill?', 'en'],
    ['Guten Tag, meine Rechnung ist viel zu hoch und ich verstehe nicht warum', 'de'],
  ])('"%s" reads as %s', (text, language) => expect(detectLanguage(text)).toBe(language));

  it('a short text franc cannot tell apart says nothing (the channel’s locale decides)', () => {
    expect(detectLanguage('pdf?')).toBeUndefined();
  });
});
