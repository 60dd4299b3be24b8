/**
 * The care bot's knowledge base, reloadable while caredesk runs: the flow
 * holds `services`, which always answers from the articles loaded last.
 * `reload()` reads and validates the folder again; an invalid file leaves
 * the bot answering from what it had (the error says which file and why).
 */
import { careServices } from './care-services.js';
import { loadKnowledgeBase } from './knowledge-base.js';
import type { CareServices } from './services.js';

export interface LiveKnowledge {
  /** The services the flow calls; each call goes to the knowledge base loaded last. */
  readonly services: CareServices;
  /** The folder loaded last (undefined: the one caredesk ships). */
  readonly dir: string | undefined;
  /** Loads `dir` (default: the folder loaded last); throws, keeping the old articles, if a file is invalid. */
  reload(dir?: string): { readonly articles: number; readonly languages: readonly string[] };
}

export function liveKnowledge(): LiveKnowledge {
  let dir: string | undefined;
  let generation = 0;
  let current = careServices(loadKnowledgeBase());
  // A Proxy and not a copy of each method: every service the flow reaches follows a reload, new ones included.
  // Methods are bound once per knowledge base, not on every call of a step.
  let bound = new Map<PropertyKey, unknown>();
  const services = new Proxy({} as CareServices, {
    get: (_target, key) => {
      if (key === 'generation') return generation;
      if (bound.has(key)) return bound.get(key);
      const value = (current as unknown as Record<PropertyKey, unknown>)[key];
      const served = typeof value === 'function' ? value.bind(current) : value;
      bound.set(key, served);
      return served;
    },
  });
  return {
    services,
    get dir() {
      return dir;
    },
    reload(next = dir) {
      const articles = loadKnowledgeBase(next);
      current = careServices(articles);
      bound = new Map();
      generation += 1;
      dir = next;
      return { articles: articles.length, languages: current.languages };
    },
  };
}
