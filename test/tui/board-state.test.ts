import { describe, expect, it } from 'vitest';
import {
  ConversationSet,
  compareUrgency,
  languageOf,
  matchesFilter,
  parseFilter,
  urgencyOf,
} from '../../tui/state/board.js';
import { event, iso, row, T0 } from './helpers/fake-client.js';

describe('urgency', () => {
  it('is breached past the deadline or when the server says so, warning past an 80% mark, ok before, none without a clock', () => {
    expect(urgencyOf(row({ id: 'a', slaDueAt: iso(-1) }), T0)).toBe('breached');
    expect(urgencyOf(row({ id: 'b', slaDueAt: iso(60_000), breached: true }), T0)).toBe('breached');
    expect(
      urgencyOf(
        row({
          id: 'c',
          slaDueAt: iso(60_000),
          sla: { firstResponseWarnAt: iso(-1000), firstResponseDueAt: iso(60_000) },
        }),
        T0,
      ),
    ).toBe('warning');
    expect(urgencyOf(row({ id: 'd', slaDueAt: iso(60_000) }), T0)).toBe('ok');
    expect(urgencyOf(row({ id: 'e', sla: {} }), T0)).toBe('none');
  });

  it('orders by deadline (none last), then priority, then who waited longest', () => {
    const rows = [
      row({ id: 'none', sla: {} }),
      row({ id: 'later', slaDueAt: iso(120_000) }),
      row({ id: 'soon-normal', slaDueAt: iso(60_000), sla: { queuedAt: iso(-10) } }),
      row({ id: 'soon-urgent', slaDueAt: iso(60_000), priority: 'urgent' }),
      row({ id: 'soon-normal-older', slaDueAt: iso(60_000), sla: { queuedAt: iso(-100) } }),
    ];
    expect([...rows].sort(compareUrgency).map((r) => r.id)).toEqual([
      'soon-urgent',
      'soon-normal-older',
      'soon-normal',
      'later',
      'none',
    ]);
  });
});

describe('filter', () => {
  it('reads channel:, skill:, lang: and words, in any case and order', () => {
    expect(parseFilter('  ch:tele Lang:IT  refund  skill:billing ')).toEqual({
      channel: 'tele',
      language: 'it',
      skill: 'billing',
      words: ['refund'],
    });
    const r = row({
      id: 'c1',
      channel: 'telegram',
      language: 'it',
      skill: 'billing',
      lastMessagePreview: 'Refund please',
    });
    expect(matchesFilter(r, parseFilter('channel:telegram lang:it refund'))).toBe(true);
    expect(matchesFilter(r, parseFilter('channel:bot'))).toBe(false);
    expect(matchesFilter(r, parseFilter('skill:tech'))).toBe(false);
    expect(matchesFilter(r, parseFilter('refund invoice'))).toBe(false);
  });

  it('finds a customer by the name the row shows, whatever escape sequences and controls the stored name hides', () => {
    const r = row({
      id: 'c_mal',
      customer: { id: 'cus_mal', displayName: 'Mal\x1b]0;pwned\x07lo\u200fry\u202e' },
      lastMessagePreview: 'hel\x1b[31mlo\x1b[0m there',
    });
    expect(matchesFilter(r, parseFilter('Mallory'))).toBe(true);
    expect(matchesFilter(r, parseFilter('hello'))).toBe(true);
    // What is not on the screen is not found either.
    expect(matchesFilter(r, parseFilter('pwned'))).toBe(false);
  });

  it("finds a conversation by its assignee's name, as the row shows it", () => {
    const r = row({ id: 'c_t', mode: 'agent', assignee: 'ag_tom' });
    const names = (id: string) => (id === 'ag_tom' ? 'Tom' : undefined);
    expect(matchesFilter(r, parseFilter('tom'), names)).toBe(true);
    expect(matchesFilter(r, parseFilter('marta'), names)).toBe(false);
  });

  it('shows and filters the primary language: a customer whose locale is en-GB is "en", as the queue has it', () => {
    const bot = row({ id: 'c_b', mode: 'bot', customer: { id: 'cus_b', language: 'en-GB' } });
    const queued = row({ id: 'c_q', language: 'it', customer: { id: 'cus_q', language: 'it-IT' } });
    expect(languageOf(bot)).toBe('en');
    expect(languageOf(queued)).toBe('it');
    expect(languageOf(row({ id: 'c_n', customer: { id: 'cus_n' } }))).toBe('');
    expect(matchesFilter(bot, parseFilter('lang:en'))).toBe(true);
    expect(matchesFilter(bot, parseFilter('lang:en-US'))).toBe(true);
    expect(matchesFilter(bot, parseFilter('lang:it'))).toBe(false);
  });
});

describe('ConversationSet', () => {
  it('kept in order one event at a time, it matches a full sort after any mix of events', () => {
    const set = new ConversationSet();
    const rows = Array.from({ length: 400 }, (_, i) =>
      row({
        id: `c${i}`,
        mode: (['queued', 'agent', 'bot'] as const)[i % 3],
        slaDueAt: i % 5 === 0 ? undefined : iso(((i * 7919) % 1000) * 1000),
        priority: (['low', 'normal', 'high', 'urgent'] as const)[i % 4],
      }),
    );
    set.replace(rows);
    set.sorted();
    const types = [
      'conversation.escalated',
      'conversation.assigned',
      'message.received',
      'conversation.resolved',
      'sla.breached',
      'conversation.released',
    ];
    for (let n = 0; n < 2000; n++) {
      const id = `c${(n * 31) % 400}`;
      const type = types[n % types.length]!;
      set.apply(event({ type, conversationId: id, agentId: 'ag', data: { to: ['low', 'urgent', 'high'][n % 3] } }));
      if (n % 97 === 0) {
        const fresh = new ConversationSet();
        fresh.replace([...set.sorted()].reverse());
        expect(set.sorted().map((r) => r.id)).toEqual(fresh.sorted().map((r) => r.id));
        expect([...set.sorted()].sort(compareUrgency).map((r) => r.id)).toEqual(set.sorted().map((r) => r.id));
      }
    }
    expect(set.size).toBeLessThan(400);
  });

  it('counts queued, breached and mine', () => {
    const set = new ConversationSet();
    set.replace([
      row({ id: 'q1', mode: 'queued', slaDueAt: iso(-1) }),
      row({ id: 'q2', mode: 'queued', slaDueAt: iso(60_000) }),
      row({ id: 'a1', mode: 'agent', assignee: 'me', breached: true }),
      row({ id: 'a2', mode: 'agent', assignee: 'other' }),
      row({ id: 'b1', mode: 'bot', slaDueAt: iso(-1) }),
    ]);
    expect(set.counts(T0, 'me')).toEqual({ queued: 2, breached: 2, mine: 1 });
  });

  it('asks for a reload when an event names a conversation it does not know, or changes what no event carries', () => {
    const set = new ConversationSet();
    set.replace([row({ id: 'known' })]);
    expect(set.apply(event({ type: 'handoff.requested', conversationId: 'new' }))).toBe(true);
    expect(set.apply(event({ type: 'conversation.assigned', conversationId: 'known', agentId: 'x' }))).toBe(false);
    expect(set.get('known')?.assignee).toBe('x');
    expect(set.apply(event({ type: 'message.received', conversationId: 'known' }))).toBe(true);
    expect(set.apply(event({ type: 'agent.presence_changed', agentId: 'x' }))).toBe(false);
  });
});
