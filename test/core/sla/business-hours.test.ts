import { describe, expect, it } from 'vitest';
import { addBusinessTime, BusinessHoursSchema, isOpen } from '../../../core/sla/business-hours.js';

// 2026-01-05 is a Monday.
const hours = BusinessHoursSchema.parse({
  utcOffsetMinutes: 60,
  week: {
    mon: [['09:00', '17:00']],
    tue: [['09:00', '17:00']],
    wed: [['09:00', '17:00']],
    thu: [['09:00', '17:00']],
    fri: [
      ['09:00', '13:00'],
      ['14:00', '17:00'],
    ],
  },
  holidays: ['2026-01-06'],
});

describe('business hours', () => {
  it('an SLA clock started after hours begins counting at the next opening', () => {
    // Monday 18:00 local (17:00Z) + 1 h → Wednesday (Tuesday is a holiday) 10:00 local = 09:00Z.
    expect(addBusinessTime(new Date('2026-01-05T17:00:00Z'), 3_600_000, hours).toISOString()).toBe(
      '2026-01-07T09:00:00.000Z',
    );
  });

  it('the clock stops over lunch, nights and weekends', () => {
    // Friday 12:30 local + 1 h → 30 min before lunch, 30 min after: 14:30 local = 13:30Z.
    expect(addBusinessTime(new Date('2026-01-09T11:30:00Z'), 3_600_000, hours).toISOString()).toBe(
      '2026-01-09T13:30:00.000Z',
    );
    // Friday 16:30 local + 1 h → Monday 09:30 local = 08:30Z.
    expect(addBusinessTime(new Date('2026-01-09T15:30:00Z'), 3_600_000, hours).toISOString()).toBe(
      '2026-01-12T08:30:00.000Z',
    );
  });

  it('without business hours the clock runs around the clock', () => {
    expect(addBusinessTime(new Date('2026-01-05T23:00:00Z'), 3_600_000, undefined).toISOString()).toBe(
      '2026-01-06T00:00:00.000Z',
    );
  });

  it('tells whether the team is at work', () => {
    expect(isOpen(new Date('2026-01-05T08:30:00Z'), hours)).toBe(true); // Monday 09:30 local
    expect(isOpen(new Date('2026-01-06T09:30:00Z'), hours)).toBe(false); // holiday
    expect(isOpen(new Date('2026-01-10T10:00:00Z'), hours)).toBe(false); // Saturday
  });

  it('refuses malformed hours', () => {
    expect(BusinessHoursSchema.safeParse({ week: { mon: [['9am', '17:00']] } }).success).toBe(false);
    expect(BusinessHoursSchema.safeParse({ week: { mon: [['17:00', '09:00']] } }).success).toBe(false);
  });
});
