import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { careServices } from '../../../flows/care/care-services.js';
import { loadKnowledgeBase } from '../../../flows/care/knowledge-base.js';

describe('the care knowledge base', () => {
  it('ships at least 15 articles in English and in Italian', () => {
    const articles = loadKnowledgeBase();
    expect(articles.filter((a) => a.language === 'en').length).toBeGreaterThanOrEqual(15);
    expect(articles.filter((a) => a.language === 'it').length).toBeGreaterThanOrEqual(15);
  });

  it('a broken article file stops loading with the file and the field at fault', () => {
    const dir = mkdtempSync(join(tmpdir(), 'caredesk-kb-'));
    writeFileSync(join(dir, 'en.json'), JSON.stringify([{ id: 'x', topic: 't', title: 'T' }]));
    expect(() => loadKnowledgeBase(dir)).toThrow(/en\.json: 0\.body/);
    writeFileSync(join(dir, 'en.json'), '[{');
    expect(() => loadKnowledgeBase(dir)).toThrow(/en\.json is not valid JSON/);
  });

  it.each([
    ['my internt is slow', 'en', 'en-internet-slow'],
    ['roming charges when I travel', 'en', 'en-roaming'],
    ['I forgot my PUK code', 'en', 'en-puk'],
    ['how do I keep my number when I switch', 'en', 'en-port-number'],
    ['non funziona internet, è lentissimo', 'it', 'it-internet-lento'],
    ['ho perso il telefono', 'it', 'it-sim-smarrita'],
    ['giga finiti', 'it', 'it-giga'],
    ['voglio fare la disdetta del contratto', 'it', 'it-disdetta'],
  ])('"%s" (%s) finds %s first', (text, language, id) => {
    expect(careServices().search(text, language, [])[0]?.id).toBe(id);
  });

  it('gibberish finds nothing, and an article already tried is left out', () => {
    const kb = careServices();
    expect(kb.search('qwxz zzkj', 'en', [])).toEqual([]);
    expect(kb.search('slow internet', 'en', ['en-internet-slow'])[0]?.id).not.toBe('en-internet-slow');
  });

  it('a question searched again, leaving out what was tried, finds what a first search of it would', () => {
    const kb = careServices();
    const ids = (found: { id: string }[]) => found.map((a) => a.id);
    for (const [text, language] of [
      ['my bill is higher than usual, why?', 'en'],
      ['non funziona internet, è lentissimo', 'it'],
    ] as const) {
      const first = ids(kb.search(text, language, []));
      expect(first.length).toBeGreaterThan(1);
      for (const tried of [first.slice(0, 1), first.slice(0, 2), [first[1]!]]) {
        expect(ids(kb.search(text, language, tried))).toEqual(ids(careServices().search(text, language, tried)));
      }
      expect(ids(kb.search(text, language, []))).toEqual(first);
    }
  });
});
