import { describe, expect, it } from 'vitest';
import { BusinessHoursSchema, nextOpening } from '../../../core/sla/business-hours.js';

const nineToSix = [['09:00', '18:00']];
const hours = BusinessHoursSchema.parse({
  utcOffsetMinutes: 60,
  week: { mon: nineToSix, tue: nineToSix, wed: nineToSix, thu: nineToSix, fri: nineToSix },
  holidays: ['2026-01-06'],
});

describe('when the team is next at work', () => {
  it('is now while the team works', () => {
    const at = new Date('2026-01-05T10:00:00Z'); // Monday 11:00 local
    expect(nextOpening(at, hours)).toEqual(at);
  });
  it('is the next morning after closing, skipping holidays and the weekend', () => {
    expect(nextOpening(new Date('2026-01-05T18:00:00Z'), hours)?.toISOString()).toBe('2026-01-07T08:00:00.000Z'); // Tuesday is a holiday
    expect(nextOpening(new Date('2026-01-09T20:00:00Z'), hours)?.toISOString()).toBe('2026-01-12T08:00:00.000Z'); // Friday night -> Monday
  });
  it('is now without business hours (around the clock), and never when a year of holidays closes every day', () => {
    const at = new Date('2026-01-10T03:00:00Z');
    expect(nextOpening(at, undefined)).toEqual(at);
    const days = Array.from({ length: 400 }, (_, i) =>
      new Date(at.getTime() + i * 86_400_000).toISOString().slice(0, 10),
    );
    expect(nextOpening(at, { ...hours, holidays: days })).toBeUndefined();
  });

  it('a week with no opening at all is refused, saying what to write', () => {
    const parsed = BusinessHoursSchema.safeParse({ week: {} });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain('the team must be open at some time of the week');
  });
});
