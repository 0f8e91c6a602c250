import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import {
  naiveAddWorkingMs,
  naiveClockStart,
  naiveDueAt,
  naiveWorkingMsBetween,
} from '../../test/support/naive-working-time';
import { calendarFromHolidayFile, MINUTE_MS, TimeLimit, WorkingCalendar } from './working-time';

const def = calendarFromHolidayFile(
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../config/calendars/vn-public-holidays.json'), 'utf8')),
);
const cal = WorkingCalendar.build(def);

// A fixed seed: CI replays the same cases (a counterexample found there can be replayed here).
const RUNS = { numRuns: 2000, seed: 20261208 };
const DAY_MS = 86_400_000;
const FROM = Date.parse('2025-01-01T00:00:00+07:00');
const DAYS = 730; // 2025–2026, the years the holiday file covers

// Uniform instants rarely hit a boundary exactly, so half of them sit on or next to one:
// local midnight, 07:30, 11:30, 13:00, 17:00, 23:59, give or take a millisecond or a minute.
const instant = fc
  .oneof(
    fc.integer({ min: FROM, max: FROM + DAYS * DAY_MS - 1 }),
    fc
      .tuple(
        fc.integer({ min: 0, max: DAYS - 1 }),
        fc.constantFrom(0, 450, 690, 780, 1020, 1439),
        fc.integer({ min: -1, max: 1 }),
        fc.constantFrom(1, MINUTE_MS),
      )
      .map(([day, minute, sign, step]) => FROM + day * DAY_MS + minute * MINUTE_MS + sign * step),
  )
  .map((ms) => new Date(ms));

const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const cutoff = fc.option(
  fc.oneof(
    fc.constantFrom('15:00', '07:30', '11:30', '12:00', '13:00', '17:00', '00:00'),
    fc.integer({ min: 0, max: 1439 }).map(hhmm),
  ),
  { nil: null },
);

const limit: fc.Arbitrary<TimeLimit> = fc.oneof(
  fc.record({
    amount: fc.integer({ min: 0, max: 400 }).map((half) => half / 2),
    unit: fc.constant('working_hours' as const),
  }),
  fc.record({
    amount: fc.integer({ min: 0, max: 60 }),
    unit: fc.constant('working_days' as const),
  }),
  fc.record({
    amount: fc.integer({ min: 0, max: 90 }),
    unit: fc.constant('calendar_days' as const),
  }),
);

/** Up to 60 working days, often a whole number of minutes. */
const workingMs = fc.oneof(
  fc.integer({ min: 0, max: 60 * 480 * MINUTE_MS }),
  fc.integer({ min: 0, max: 60 * 480 }).map((minutes) => minutes * MINUTE_MS),
);

function isPeriodEndOfWorkingDay(t: Date): boolean {
  const date = cal.localDate(t);
  const minuteOfDay = Math.round((t.getTime() - Date.parse(`${date}T00:00:00+07:00`)) / MINUTE_MS);
  const endsAt = t.getTime() % MINUTE_MS === 0 && (minuteOfDay === 690 || minuteOfDay === 1020);
  return endsAt && cal.isWorkingDay(date);
}

describe('working time properties', () => {
  it('measures back exactly the working time it added', () => {
    fc.assert(
      fc.property(instant, workingMs, (start, ms) => {
        expect(cal.workingMsBetween(start, cal.addWorkingMs(start, ms))).toBe(ms);
      }),
      RUNS,
    );
  });

  it('puts every due instant inside working hours or exactly at a period end of a working day', () => {
    fc.assert(
      fc.property(instant, cutoff, limit, (received, intakeCutoff, lim) => {
        const due = cal.dueAt(cal.clockStart(received, intakeCutoff), lim);
        expect(cal.isWorkingInstant(due) || isPeriodEndOfWorkingDay(due)).toBe(true);
      }),
      RUNS,
    );
  });

  it('starts the clock at a working instant no earlier than the reception, idempotently', () => {
    fc.assert(
      fc.property(instant, cutoff, (received, intakeCutoff) => {
        const start = cal.clockStart(received, intakeCutoff);
        expect(start.getTime()).toBeGreaterThanOrEqual(received.getTime());
        expect(cal.isWorkingInstant(start)).toBe(true);
        expect(cal.clockStart(start)).toEqual(start);
        expect(cal.clockStart(cal.clockStart(received))).toEqual(cal.clockStart(received));
      }),
      RUNS,
    );
  });

  it('starts the clock where the day-by-day reference does', () => {
    fc.assert(
      fc.property(instant, cutoff, (received, intakeCutoff) => {
        expect(cal.clockStart(received, intakeCutoff)).toEqual(naiveClockStart(def, received, intakeCutoff));
      }),
      RUNS,
    );
  });

  it('adds working time as the day-by-day reference does', () => {
    fc.assert(
      fc.property(instant, workingMs, (start, ms) => {
        expect(cal.addWorkingMs(start, ms)).toEqual(naiveAddWorkingMs(def, start, ms));
      }),
      RUNS,
    );
  });

  it('measures working time between two instants as the day-by-day reference does', () => {
    fc.assert(
      fc.property(instant, instant, (a, b) => {
        expect(cal.workingMsBetween(a, b)).toBe(naiveWorkingMsBetween(def, a, b));
      }),
      RUNS,
    );
  });

  it('computes due instants as the day-by-day reference does', () => {
    fc.assert(
      fc.property(instant, cutoff, limit, (received, intakeCutoff, lim) => {
        const start = cal.clockStart(received, intakeCutoff);
        expect(cal.dueAt(start, lim)).toEqual(naiveDueAt(def, start, lim));
        // Starts that are not clock starts (e.g. a resume instant) too.
        expect(cal.dueAt(received, lim)).toEqual(naiveDueAt(def, received, lim));
      }),
      RUNS,
    );
  });
});
