import { describe, expect, it } from 'vitest';
import { parseCapacity, parseList, parseNewAgent } from '../../tui/state/team-input.js';

describe('what a supervisor types on the agents screen', () => {
  it('a new agent: the name in words, then any of skills:, languages:, capacity:, role: (short forms too)', () => {
    expect(parseNewAgent('Marco Rossi skills:billing,tech lang:it,en cap:3 role:supervisor')).toEqual({
      ok: true,
      value: {
        name: 'Marco Rossi',
        skills: ['billing', 'tech'],
        languages: ['it', 'en'],
        capacity: 3,
        role: 'supervisor',
      },
    });
    expect(parseNewAgent('  Ann  ')).toEqual({ ok: true, value: { name: 'Ann' } });
  });

  it('a missing name, a wrong role or capacity is a message saying what to type', () => {
    expect(parseNewAgent('skills:billing')).toMatchObject({ ok: false, error: expect.stringContaining('name first') });
    expect(parseNewAgent('Ann role:boss')).toEqual({ ok: false, error: 'role is agent or supervisor, not "boss".' });
    expect(parseNewAgent('Ann capacity:0')).toEqual({
      ok: false,
      error: 'Capacity is a whole number from 1 to 100, not "0".',
    });
  });

  it('a capacity is 1 to 100; a list drops blanks', () => {
    expect(parseCapacity(' 7 ')).toEqual({ ok: true, value: 7 });
    expect(parseCapacity('101').ok).toBe(false);
    expect(parseCapacity('2.5').ok).toBe(false);
    expect(parseList(' billing, ,tech,')).toEqual(['billing', 'tech']);
    expect(parseList('')).toEqual([]);
  });
});
