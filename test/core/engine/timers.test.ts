import { describe, expect, it } from 'vitest';
import { type FlowTimer, TimerTable } from '../../../core/engine/timers.js';

const t = (conversationId: string, name: string, minute: number): FlowTimer => ({
  conversationId,
  name,
  dueAt: new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString(),
});
const at = (minute: number): number => Date.UTC(2026, 0, 1, 0, minute);

describe('TimerTable', () => {
  it('knows the earliest deadline as timers are set, moved, fired and cancelled', () => {
    const table = new TimerTable();
    expect(table.next()).toBeUndefined();
    table.put(t('c1', 'close', 30));
    table.put(t('c2', 'remind', 10));
    table.put(t('c3', 'remind', 20));
    expect(table.next()).toBe(at(10));
    // Moving the earliest later: the next one takes its place.
    table.put(t('c2', 'remind', 40));
    expect(table.next()).toBe(at(20));
    // Moving another one earlier.
    table.put(t('c1', 'close', 5));
    expect(table.next()).toBe(at(5));
    table.remove('c1', 'close');
    expect(table.next()).toBe(at(20));
    table.remove('c3', 'remind');
    table.remove('c3', 'remind'); // twice: nothing happens
    expect(table.next()).toBe(at(40));
    expect(table.size).toBe(1);
    table.remove('c2', 'remind');
    expect(table.next()).toBeUndefined();
    expect(table.size).toBe(0);
    table.put(t('c4', 'close', 1));
    expect(table.next()).toBe(at(1));
    expect(table.due(at(1)).map((x) => x.conversationId)).toEqual(['c4']);
  });

  it('knows the earliest deadline through thousands of moves, cancels and restarts of many conversations', () => {
    const table = new TimerTable();
    const live = new Map<string, number>();
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 20_000; step++) {
      const conversation = `c${random(300)}`;
      const name = random(2) === 0 ? 'remind' : 'close';
      if (random(4) === 0) {
        table.remove(conversation, name);
        live.delete(`${conversation}:${name}`);
      } else {
        const minute = random(100_000);
        table.put(t(conversation, name, minute));
        live.set(`${conversation}:${name}`, at(minute));
      }
      if (step % 7 === 0) {
        expect(table.next()).toBe(live.size === 0 ? undefined : Math.min(...live.values()));
        expect(table.size).toBe(live.size);
      }
    }
  });
});
