// Properties of the working calendar with random seasonal hour schedules and random exceptions over
// 2000–2100 (about 12 a year, like generated holiday years), against the day-by-day reference
// (test/support/naive-working-time.ts). Fixed seeds: every run checks the same cases.
import fc from 'fast-check';
import {
  naiveAddWorkingMs,
  naiveClockStart,
  naiveDueAt,
  naiveNonWorkingDays,
  naivePeriodsOn,
  naiveWorkingMsBetween,
  naiveWorkingSegments,
} from '../../test/support/naive-working-time';
import { CalendarDefinition, CalendarException, MINUTE_MS, TimeLimit, WorkingCalendar } from './working-time';

const DAY_MS = 86_400_000;
const OFFSET_MS = 7 * 3_600_000;
const FROM_DAY = Date.UTC(2000, 0, 1) / DAY_MS;
const TO_DAY = Date.UTC(2101, 0, 1) / DAY_MS; // exclusive
const DEFINITIONS = 6;
const RUNS = 250;
/** Instants stay this far from the end of the range: 30 working days at 1 h a day, 2 days a week. */
const MARGIN_DAYS = 1500;

const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const minutesOf = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));
const dateOf = (epochDay: number): string => new Date(epochDay * DAY_MS).toISOString().slice(0, 10);

/** mulberry32, so that 1,200 exceptions come from one generated seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ~12 exceptions a year over 2000–2100: mostly holidays, a make-up working day now and then. */
function exceptionsFrom(seed: number): CalendarException[] {
  const random = prng(seed);
  const seen = new Set<number>();
  const out: CalendarException[] = [];
  for (let year = 2000; year <= 2100; year++) {
    const first = Date.UTC(year, 0, 1) / DAY_MS;
    const days = Date.UTC(year + 1, 0, 1) / DAY_MS - first;
    for (let i = 0; i < 12; i++) {
      const day = first + Math.floor(random() * days);
      if (seen.has(day)) continue;
      seen.add(day);
      out.push({ date: dateOf(day), kind: random() < 0.15 ? 'working' : 'holiday' });
    }
  }
  return out;
}

/** 1–3 sorted periods; the last one may end at 24:00; some notable sets come up often. */
const periods: fc.Arbitrary<[string, string][]> = fc.oneof(
  fc.constantFrom<[string, string][]>(
    [
      ['07:30', '11:30'],
      ['13:00', '17:00'],
    ],
    [
      ['07:00', '11:30'],
      ['13:30', '17:00'],
    ],
    [['08:00', '16:00']],
    [['20:00', '24:00']],
    [
      ['00:00', '06:00'],
      ['18:00', '24:00'],
    ],
  ),
  fc
    .integer({ min: 1, max: 3 })
    .chain((n) => fc.uniqueArray(fc.integer({ min: 0, max: 1440 }), { minLength: 2 * n, maxLength: 2 * n }))
    .map((bounds) => {
      const sorted = [...bounds].sort((a, b) => a - b);
      const out: [string, string][] = [];
      for (let k = 0; k < sorted.length; k += 2) out.push([hhmm(sorted[k]), hhmm(sorted[k + 1])]);
      return out;
    })
    // At least an hour a day, so that the longest limits below end well inside the range.
    .filter((ps) => ps.reduce((sum, [s, e]) => sum + minutesOf(e) - minutesOf(s), 0) >= 60),
);

const weekdays = fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 7 }).map((w) => w.sort());

const definition: fc.Arbitrary<CalendarDefinition> = fc
  .record({
    base: fc.record({ weekdays, periods }),
    entries: fc.array(fc.record({ day: fc.integer({ min: FROM_DAY - 30, max: TO_DAY - 1 }), weekdays, periods }), {
      minLength: 1,
      maxLength: 3,
    }),
    seed: fc.integer(),
  })
  .map(({ base, entries, seed }) => {
    const unique = [...new Map(entries.map((e) => [e.day, e])).values()].sort((a, b) => a.day - b.day);
    return {
      utcOffsetMinutes: 420,
      workingHours: base,
      exceptions: exceptionsFrom(seed),
      hoursSchedule: unique.map((e) => ({ effectiveFrom: dateOf(e.day), weekdays: e.weekdays, periods: e.periods })),
    };
  });

const definitions = fc.sample(definition, { numRuns: DEFINITIONS, seed: 20270415 });

describe.each(definitions.map((def, i) => [i, def] as const))('random seasonal calendar #%i', (i, def) => {
  const cal = WorkingCalendar.build(def);
  const switches = def.hoursSchedule!.map(
    (e) => Date.UTC(...(e.effectiveFrom.split('-').map(Number) as [number, number, number])) / DAY_MS,
  );
  const seed = 1000 + i;

  // Instants anywhere in 2000–2099, or within a few weeks of a schedule switch, often exactly on a
  // boundary of some period (local midnight, a period start or end, give or take 1 ms).
  const clocks = [...def.workingHours.periods.flat(), ...def.hoursSchedule!.flatMap((e) => e.periods.flat())];
  const boundaries = [0, 1440, ...clocks.map(minutesOf)];
  const day = fc.oneof(
    fc.integer({ min: FROM_DAY, max: TO_DAY - MARGIN_DAYS }),
    fc
      .tuple(fc.constantFrom(...switches), fc.integer({ min: -20, max: 20 }))
      .map(([s, d]) => Math.min(TO_DAY - MARGIN_DAYS, Math.max(FROM_DAY, s + d))),
  );
  const instant = fc
    .oneof(
      fc.tuple(day, fc.integer({ min: 0, max: DAY_MS - 1 })).map(([d, ms]) => d * DAY_MS + ms),
      fc
        .tuple(day, fc.constantFrom(...boundaries), fc.integer({ min: -1, max: 1 }))
        .map(([d, minute, sign]) => d * DAY_MS + minute * MINUTE_MS + sign),
    )
    .map((localMs) => new Date(localMs - OFFSET_MS));
  /** Up to 240 working hours, often whole minutes. */
  const workingMs = fc.oneof(
    fc.integer({ min: 0, max: 240 * 60 * MINUTE_MS }),
    fc.integer({ min: 0, max: 240 * 60 }).map((m) => m * MINUTE_MS),
  );
  const later = (maxDays: number) =>
    fc
      .tuple(instant, fc.integer({ min: 0, max: maxDays * DAY_MS }))
      .map(([a, span]) => [a, new Date(a.getTime() + span)] as const);
  const cutoff = fc.option(fc.integer({ min: 0, max: 1440 }).map(hhmm), { nil: null });
  const limit: fc.Arbitrary<TimeLimit> = fc.oneof(
    fc.record({
      amount: fc.integer({ min: 0, max: 200 }).map((half) => half / 2),
      unit: fc.constant('working_hours' as const),
    }),
    fc.record({ amount: fc.integer({ min: 0, max: 30 }), unit: fc.constant('working_days' as const) }),
    fc.record({ amount: fc.integer({ min: 0, max: 90 }), unit: fc.constant('calendar_days' as const) }),
  );
  const opts = { numRuns: RUNS, seed };

  it('measures back exactly the working time it added', () => {
    fc.assert(
      fc.property(instant, workingMs, (start, ms) => {
        expect(cal.workingMsBetween(start, cal.addWorkingMs(start, ms))).toBe(ms);
      }),
      opts,
    );
  });

  it('adds working time as the day-by-day reference does', () => {
    fc.assert(
      fc.property(instant, workingMs, (start, ms) => {
        expect(cal.addWorkingMs(start, ms)).toEqual(naiveAddWorkingMs(def, start, ms));
      }),
      opts,
    );
  });

  it('measures working time as the day-by-day reference does', () => {
    fc.assert(
      fc.property(later(400), instant, ([a, b], c) => {
        expect(cal.workingMsBetween(a, b)).toBe(naiveWorkingMsBetween(def, a, b));
        expect(cal.workingMsBetween(b, a)).toBe(0);
        if (Math.abs(c.getTime() - a.getTime()) < 400 * DAY_MS) {
          expect(cal.workingMsBetween(a, c)).toBe(naiveWorkingMsBetween(def, a, c));
        }
      }),
      opts,
    );
  });

  it('starts the clock, and computes due instants for every unit, as the reference does', () => {
    fc.assert(
      fc.property(instant, cutoff, limit, (received, intakeCutoff, lim) => {
        const start = cal.clockStart(received, intakeCutoff);
        expect(start).toEqual(naiveClockStart(def, received, intakeCutoff));
        expect(cal.dueAt(start, lim)).toEqual(naiveDueAt(def, start, lim));
        expect(cal.dueAt(received, lim)).toEqual(naiveDueAt(def, received, lim));
        expect(cal.snapCalendarDue(received)).toEqual(naiveDueAt(def, received, { amount: 0, unit: 'calendar_days' }));
      }),
      opts,
    );
  });

  it('explains the clock start consistently with clockStart', () => {
    fc.assert(
      fc.property(instant, cutoff, (received, intakeCutoff) => {
        const reason = cal.clockStartReason(received, intakeCutoff);
        const start = cal.clockStart(received, intakeCutoff);
        const date = cal.localDate(received);
        expect(reason === 'non_working_day').toBe(!cal.isWorkingDay(date));
        expect(reason === 'in_hours').toBe(start.getTime() === received.getTime());
        if (reason === 'lunch_break') expect(cal.localDate(start)).toBe(date);
        if (reason === 'in_hours') expect(cal.isWorkingInstant(received)).toBe(true);
        if (reason === 'intake_cutoff' || reason === 'non_working_day') {
          expect(cal.localDate(start) > date).toBe(true);
        }
      }),
      opts,
    );
  });

  it('lists working segments as the reference does; they add up to the working time between', () => {
    fc.assert(
      fc.property(later(60), ([a, b]) => {
        const segments = cal.workingSegments(a, b);
        expect(segments).toEqual(naiveWorkingSegments(def, a, b));
        expect(segments.reduce((sum, s) => sum + s.ms, 0)).toBe(cal.workingMsBetween(a, b));
        for (const s of segments) expect(s.ms).toBe(s.to.getTime() - s.from.getTime());
      }),
      opts,
    );
  });

  it('lists non-working days and each day’s periods as the reference does', () => {
    fc.assert(
      fc.property(day, fc.integer({ min: 0, max: 120 }), (first, span) => {
        const from = dateOf(first);
        const to = dateOf(first + span);
        expect(cal.nonWorkingDays(from, to)).toEqual(naiveNonWorkingDays(def, from, to));
        const periods = cal.periodsOn(to).map(([s, e]) => [s, e].map((c) => minutesOf(c) * MINUTE_MS));
        expect(periods).toEqual(naivePeriodsOn(def, to));
        expect(cal.isWorkingDay(to)).toBe(periods.length > 0);
      }),
      opts,
    );
  });
});

describe('the random seasonal calendars', () => {
  it('cover 24:00 ends, single-period days, several entries with different periods and ~12 exceptions a year', () => {
    const allPeriods = definitions.flatMap((d) => [d.workingHours.periods, ...d.hoursSchedule!.map((e) => e.periods)]);
    expect(allPeriods.some((ps) => ps[ps.length - 1][1] === '24:00')).toBe(true);
    expect(allPeriods.some((ps) => ps.length === 1)).toBe(true);
    expect(allPeriods.some((ps) => ps.length === 3)).toBe(true);
    expect(
      definitions.some(
        (d) =>
          new Set(d.hoursSchedule!.map((e) => JSON.stringify(e.periods))).size >= 2 && d.hoursSchedule!.length >= 2,
      ),
    ).toBe(true);
    for (const d of definitions) {
      expect(d.hoursSchedule!.length).toBeGreaterThanOrEqual(1);
      expect(d.exceptions.length).toBeGreaterThan(101 * 11);
    }
  });
});
