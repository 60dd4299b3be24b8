/**
 * What a supervisor types on the agents screen, read into admin API bodies:
 * `Marco role:supervisor skills:billing,tech languages:it,en capacity:3` for
 * a new agent, a number for a capacity, a comma list for skills or languages.
 * Each answers the body, or a message saying what to type instead.
 */
import type { NewAgent } from '../client.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (error: string): Parsed<never> => ({ ok: false, error });

const FIELD_NAMES: Readonly<Record<string, 'role' | 'skills' | 'languages' | 'capacity'>> = {
  role: 'role',
  skills: 'skills',
  skill: 'skills',
  languages: 'languages',
  language: 'languages',
  lang: 'languages',
  capacity: 'capacity',
  cap: 'capacity',
};

/** `a, b ,,c` → ['a', 'b', 'c']; none is an empty list (no skills). */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function parseCapacity(text: string): Parsed<number> {
  const t = text.trim();
  const n = Number(t);
  if (!/^\d{1,3}$/.test(t) || n < 1 || n > 100) return fail(`Capacity is a whole number from 1 to 100, not "${t}".`);
  return ok(n);
}

export function parseNewAgent(text: string): Parsed<NewAgent> {
  const words: string[] = [];
  const input: { -readonly [K in keyof NewAgent]?: NewAgent[K] } = {};
  for (const word of text.trim().split(/\s+/)) {
    const m = /^([a-z]+):(.*)$/i.exec(word);
    const field = m ? FIELD_NAMES[m[1]!.toLowerCase()] : undefined;
    if (!m || !field) {
      words.push(word);
      continue;
    }
    const value = m[2]!;
    if (field === 'role') {
      if (value !== 'agent' && value !== 'supervisor') return fail(`role is agent or supervisor, not "${value}".`);
      input.role = value;
    } else if (field === 'capacity') {
      const capacity = parseCapacity(value);
      if (!capacity.ok) return capacity;
      input.capacity = capacity.value;
    } else input[field] = parseList(value);
  }
  const name = words.join(' ');
  if (name === '') return fail('Type the new agent’s name first, e.g. "Marco skills:billing languages:it,en".');
  return ok({ ...input, name });
}
