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
  it('is now without business hours (around the clock), and never for hours that never open', () => {
    const at = new Date('2026-01-10T03:00:00Z');
    expect(nextOpening(at, undefined)).toEqual(at);
    expect(nextOpening(at, BusinessHoursSchema.parse({ week: {} }))).toBeUndefined();
  });
});
