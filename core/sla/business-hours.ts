/**
 * Business time: SLA clocks run only while the team works. Opening hours are
 * given per weekday in the team's local time (a fixed UTC offset: a DST
 * change moves them by an hour until the config is updated), minus holidays.
 */
import { z } from 'zod';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'use HH:MM, e.g. 09:00');
const Interval = z.tuple([HHMM, HHMM]).refine(([a, b]) => a < b, 'an interval must end after it starts');
const Day = z.array(Interval).max(8).default([]);

export const BusinessHoursSchema = z.object({
  /** Minutes east of UTC of the team's local time (e.g. 60 for CET). */
  utcOffsetMinutes: z.number().int().min(-720).max(840).default(0),
  week: z
    .object({ mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day })
    // A week with no opening would tell every customer the team is closed, with no day it is back.
    .refine((week) => Object.values(week).some((day) => day.length > 0), {
      message: 'the team must be open at some time of the week, e.g. "mon": [["09:00", "17:00"]]',
    }),
  /** Local dates (YYYY-MM-DD) on which the team does not work. */
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).default([]),
});
export type BusinessHours = z.infer<typeof BusinessHoursSchema>;

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY_MS = 86_400_000;
const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Open intervals [from, to) in epoch ms of the local day starting at `dayStart` (epoch ms of local midnight). */
function openIntervals(hours: BusinessHours, dayStart: number): Array<[number, number]> {
  const offset = hours.utcOffsetMinutes * 60_000;
  const local = new Date(dayStart + offset);
  if (hours.holidays.includes(local.toISOString().slice(0, 10))) return [];
  return hours.week[DAYS[local.getUTCDay()]!].map(([a, b]) => [
    dayStart + minutes(a) * 60_000,
    dayStart + minutes(b) * 60_000,
  ]);
}

/** Epoch ms of the team's local midnight on the day holding `at`. */
function localDayStart(at: Date, hours: BusinessHours): number {
  const offset = hours.utcOffsetMinutes * 60_000;
  return Math.floor((at.getTime() + offset) / DAY_MS) * DAY_MS - offset;
}

/**
 * The instant at which `durationMs` of business time has passed since `start`.
 * Without business hours (undefined) the clock runs around the clock.
 */
export function addBusinessTime(start: Date, durationMs: number, hours: BusinessHours | undefined): Date {
  if (!hours) return new Date(start.getTime() + durationMs);
  let remaining = durationMs;
  let dayStart = localDayStart(start, hours);
  // Bounded: a year of closed days means the config is wrong; fall back to wall-clock time.
  for (let day = 0; day < 366; day++, dayStart += DAY_MS) {
    for (const [from, to] of openIntervals(hours, dayStart)) {
      const begin = Math.max(from, start.getTime());
      if (begin >= to) continue;
      if (begin + remaining <= to) return new Date(begin + remaining);
      remaining -= to - begin;
    }
  }
  return new Date(start.getTime() + durationMs);
}

/** Whether the team is at work at this instant. */
export function isOpen(at: Date, hours: BusinessHours | undefined): boolean {
  if (!hours) return true;
  return openIntervals(hours, localDayStart(at, hours)).some(([from, to]) => at.getTime() >= from && at.getTime() < to);
}

/**
 * When the team is next at work, from `at` on: `at` itself while open.
 * Undefined when the hours never open within a year (a config with no open
 * interval, or every day a holiday).
 */
export function nextOpening(at: Date, hours: BusinessHours | undefined): Date | undefined {
  if (!hours) return at;
  let dayStart = localDayStart(at, hours);
  for (let day = 0; day < 366; day++, dayStart += DAY_MS) {
    for (const [from, to] of openIntervals(hours, dayStart)) {
      if (to > at.getTime()) return new Date(Math.max(from, at.getTime()));
    }
  }
  return undefined;
}
