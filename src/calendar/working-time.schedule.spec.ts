import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  calendarFromHolidayFile,
  CalendarDefinition,
  HoursScheduleEntry,
  MAX_NON_WORKING_DAYS_SPAN,
  MAX_WORKING_SEGMENTS,
  MINUTE_MS,
  WorkingCalendar,
} from './working-time';

const vnDefinition = calendarFromHolidayFile(
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../config/calendars/vn-public-holidays.json'), 'utf8')),
);
const cal = WorkingCalendar.build(vnDefinition);

/** A local Asia/Ho_Chi_Minh wall-clock time, "YYYY-MM-DD HH:MM[:SS[.mmm]]". */
function at(local: string): Date {
  return new Date(`${local.replace(' ', 'T')}+07:00`);
}

/** Formats an instant as local "YYYY-MM-DD HH:MM" (seconds only when not zero). */
function vn(t: Date | null): string | null {
  if (t === null) return null;
  const s = new Date(t.getTime() + 7 * 3_600_000).toISOString();
  const seconds = s.slice(16, 23) === ':00.000' ? '' : s.slice(16, 23);
  return `${s.slice(0, 10)} ${s.slice(11, 16)}${seconds}`;
}

const WEEKDAYS = [1, 2, 3, 4, 5];
const WINTER: [string, string][] = [
  ['07:30', '11:30'],
  ['13:00', '17:00'],
];
const SUMMER: [string, string][] = [
  ['07:00', '11:30'],
  ['13:30', '17:00'],
];

function seasonal(extra: Partial<CalendarDefinition> = {}): CalendarDefinition {
  return {
    utcOffsetMinutes: 420,
    workingHours: { weekdays: WEEKDAYS, periods: WINTER },
    exceptions: [
      { date: '2027-04-16', kind: 'holiday' }, // Giỗ Tổ, Friday
      { date: '2027-06-05', kind: 'working' }, // a make-up Saturday in summer
      { date: '2027-06-07', kind: 'holiday' }, // the Monday swapped for it
    ],
    hoursSchedule: [
      { effectiveFrom: '2027-04-15', weekdays: WEEKDAYS, periods: SUMMER },
      { effectiveFrom: '2027-10-15', weekdays: WEEKDAYS, periods: WINTER },
    ],
    ...extra,
  };
}

const season = WorkingCalendar.build(seasonal());

describe('hours schedule validation', () => {
  const withSchedule = (hoursSchedule: unknown): CalendarDefinition =>
    ({ ...seasonal(), hoursSchedule }) as CalendarDefinition;
  const entry = (effectiveFrom: string, periods = SUMMER, weekdays = WEEKDAYS): HoursScheduleEntry => ({
    effectiveFrom,
    weekdays,
    periods,
  });

  it('rejects entries out of date order and two entries on the same date', () => {
    expect(() => WorkingCalendar.build(withSchedule([entry('2027-10-15'), entry('2027-04-15')]))).toThrow(
      /sorted by effectiveFrom with unique dates: 2027-04-15/,
    );
    expect(() => WorkingCalendar.build(withSchedule([entry('2027-04-15'), entry('2027-04-15')]))).toThrow(
      /unique dates/,
    );
  });

  it('rejects an effective date that is not a real date', () => {
    expect(() => WorkingCalendar.build(withSchedule([entry('2027-02-30')]))).toThrow(
      /Invalid hours schedule effectiveFrom "2027-02-30"/,
    );
    expect(() => WorkingCalendar.build(withSchedule([{ weekdays: WEEKDAYS, periods: SUMMER }]))).toThrow(
      /effectiveFrom undefined/,
    );
    expect(() => WorkingCalendar.build(withSchedule('summer'))).toThrow(/must be an array/);
  });

  it('validates each entry’s periods and weekdays like the working hours, naming the entry', () => {
    expect(() => WorkingCalendar.build(withSchedule([entry('2027-04-15', [['07:00', '25:00']])]))).toThrow(
      /Hours schedule from 2027-04-15: Invalid working period end "25:00"/,
    );
    const overlapping: [string, string][] = [
      ['07:00', '12:00'],
      ['11:30', '17:00'],
    ];
    expect(() => WorkingCalendar.build(withSchedule([entry('2027-04-15', overlapping)]))).toThrow(
      /Hours schedule from 2027-04-15: Working periods must be sorted and must not overlap/,
    );
    expect(() => WorkingCalendar.build(withSchedule([entry('2027-04-15', [])]))).toThrow(/at least one period/);
    expect(() => WorkingCalendar.build(withSchedule([entry('2027-04-15', SUMMER, [1, 1])]))).toThrow(
      /Hours schedule from 2027-04-15: Weekday 1 is listed twice/,
    );
  });

  it('rejects provisional years that are not years', () => {
    expect(() => WorkingCalendar.build({ ...seasonal(), provisionalYears: [2027.5] })).toThrow(
      /Invalid provisional year 2027.5/,
    );
  });

  it('computes without a schedule exactly as with an empty one', () => {
    const none = WorkingCalendar.build({ ...vnDefinition, hoursSchedule: [] });
    const start = at('2026-02-13 10:00');
    expect(none.dueAt(start, { amount: 3, unit: 'working_days' })).toEqual(at('2026-02-25 10:00'));
  });
});

describe('summer and winter office hours', () => {
  it('gives each day the periods in force that day', () => {
    expect(season.periodsOn('2027-04-14')).toEqual(WINTER); // before the first entry: workingHours
    expect(season.periodsOn('2027-04-15')).toEqual(SUMMER);
    expect(season.periodsOn('2027-10-14')).toEqual(SUMMER);
    expect(season.periodsOn('2027-10-15')).toEqual(WINTER);
    expect(season.periodsOn('2027-04-16')).toEqual([]); // holiday
    expect(season.periodsOn('2027-04-17')).toEqual([]); // Saturday
  });

  it('starts the clock with the day’s own hours', () => {
    expect(vn(season.clockStart(at('2027-04-14 07:10')))).toBe('2027-04-14 07:30');
    expect(vn(season.clockStart(at('2027-04-15 07:10')))).toBe('2027-04-15 07:10');
    expect(vn(season.clockStart(at('2027-06-01 13:10')))).toBe('2027-06-01 13:30');
    expect(vn(season.clockStart(at('2027-11-02 13:10')))).toBe('2027-11-02 13:10');
    // After hours on the eve of the switch: the next day's first instant is a summer one.
    expect(vn(season.clockStart(at('2027-04-14 17:30')))).toBe('2027-04-15 07:00');
  });

  it('tells working instants with the day’s own hours', () => {
    expect(season.isWorkingInstant(at('2027-05-04 07:00'))).toBe(true);
    expect(season.isWorkingInstant(at('2027-05-04 13:15'))).toBe(false);
    expect(season.isWorkingInstant(at('2027-11-04 07:00'))).toBe(false);
    expect(season.isWorkingInstant(at('2027-11-04 13:15'))).toBe(true);
  });

  it('counts a deadline across the autumn switch with each day’s hours', () => {
    // Thu 14/10 (summer) 13:30–17:00 = 3.5 h; Fri 15/10 (winter) 07:30–11:30 and 13:00–13:30.
    expect(vn(season.dueAt(at('2027-10-14 13:30'), { amount: 1, unit: 'working_days' }))).toBe('2027-10-15 13:30');
    // The same start under summer hours throughout would end at 11:30.
    const summerOnly = WorkingCalendar.build({ ...seasonal(), hoursSchedule: [seasonal().hoursSchedule![0]] });
    expect(vn(summerOnly.dueAt(at('2027-10-14 13:30'), { amount: 1, unit: 'working_days' }))).toBe('2027-10-15 11:30');
    expect(vn(season.dueAt(at('2027-10-14 16:00'), { amount: 2, unit: 'working_hours' }))).toBe('2027-10-15 08:30');
    expect(season.workingMsBetween(at('2027-10-14 13:30'), at('2027-10-15 13:30'))).toBe(8 * 60 * MINUTE_MS);
  });

  it('counts a deadline across the spring switch and its holiday', () => {
    // Wed 14/04 (winter) 16:00–17:00 = 1 h; Thu 15/04 (summer) from 07:00; Fri 16/04 Giỗ Tổ.
    expect(vn(season.dueAt(at('2027-04-14 16:00'), { amount: 3, unit: 'working_hours' }))).toBe('2027-04-15 09:00');
    // 16 h: 1 h Wed + 8 h Thu + Mon 19/04 07:00–11:30 (4.5 h) and 13:30–16:00 (2.5 h).
    expect(vn(season.dueAt(at('2027-04-14 16:00'), { amount: 2, unit: 'working_days' }))).toBe('2027-04-19 16:00');
  });

  it('gives a make-up working day the periods of its season', () => {
    expect(season.isWorkingDay('2027-06-05')).toBe(true);
    expect(season.periodsOn('2027-06-05')).toEqual(SUMMER);
    expect(season.isWorkingInstant(at('2027-06-05 07:10'))).toBe(true);
    expect(season.isWorkingDay('2027-06-07')).toBe(false);
    // Fri 04/06 16:00 + 2 h: 1 h Friday, Saturday 07:00–08:00.
    expect(vn(season.dueAt(at('2027-06-04 16:00'), { amount: 2, unit: 'working_hours' }))).toBe('2027-06-05 08:00');
  });

  it('follows the weekdays in force: a schedule entry may work Saturdays', () => {
    const sixDays = WorkingCalendar.build(
      seasonal({
        hoursSchedule: [{ effectiveFrom: '2027-07-01', weekdays: [1, 2, 3, 4, 5, 6], periods: SUMMER }],
      }),
    );
    expect(sixDays.isWorkingDay('2027-06-26')).toBe(false);
    expect(sixDays.isWorkingDay('2027-07-03')).toBe(true);
    expect(vn(sixDays.clockStart(at('2027-07-02 17:30')))).toBe('2027-07-03 07:00');
  });

  it('keeps a standard working day at 8 working hours whatever the periods add up to', () => {
    const mornings = WorkingCalendar.build(
      seasonal({ hoursSchedule: [{ effectiveFrom: '2027-07-01', weekdays: WEEKDAYS, periods: [['08:00', '12:00']] }] }),
    );
    expect(mornings.limitWorkingMinutes({ amount: 1, unit: 'working_days' })).toBe(480);
    // Thu 01/07 and Fri 02/07, 4 h each.
    expect(vn(mornings.dueAt(at('2027-07-01 08:00'), { amount: 1, unit: 'working_days' }))).toBe('2027-07-02 12:00');
  });

  describe('calendar days across a switch of the day’s end', () => {
    const early = WorkingCalendar.build(
      seasonal({ hoursSchedule: [{ effectiveFrom: '2027-07-01', weekdays: WEEKDAYS, periods: [['08:00', '16:00']] }] }),
    );

    it('keeps an instant inside the new hours and snaps with the day’s own end', () => {
      expect(vn(early.dueAt(at('2027-06-28 10:00'), { amount: 3, unit: 'calendar_days' }))).toBe('2027-07-01 10:00');
      // Wed 30/06 17:30 (old hours) → Thu 01/07, whose hours end at 16:00.
      expect(vn(early.snapCalendarDue(at('2027-06-30 17:30')))).toBe('2027-07-01 16:00');
      expect(vn(early.snapCalendarDue(at('2027-06-30 12:00')))).toBe('2027-06-30 17:00');
      expect(vn(early.snapCalendarDue(at('2027-07-01 07:45')))).toBe('2027-07-01 16:00');
      expect(vn(early.snapCalendarDue(at('2027-07-01 16:30')))).toBe('2027-07-02 16:00');
      expect(vn(early.dueAt(at('2027-06-27 16:30'), { amount: 4, unit: 'calendar_days' }))).toBe('2027-07-02 16:00');
    });

    it('gives the end of working day of each season', () => {
      expect(vn(early.endOfWorkingDay('2027-06-30'))).toBe('2027-06-30 17:00');
      expect(vn(early.endOfWorkingDay('2027-07-01'))).toBe('2027-07-01 16:00');
    });
  });
});

describe('workingSegments', () => {
  it('lists each working period run from Fri 13/02/2026 10:00 across Tết to Wed 25/02 10:00', () => {
    const from = at('2026-02-13 10:00');
    const to = at('2026-02-25 10:00');
    const segments = cal.workingSegments(from, to);
    expect(segments.map((s) => `${vn(s.from)}–${vn(s.to)?.slice(11)}`)).toEqual([
      '2026-02-13 10:00–11:30',
      '2026-02-13 13:00–17:00',
      '2026-02-23 07:30–11:30',
      '2026-02-23 13:00–17:00',
      '2026-02-24 07:30–11:30',
      '2026-02-24 13:00–17:00',
      '2026-02-25 07:30–10:00',
    ]);
    expect(segments[0].ms).toBe(90 * MINUTE_MS);
    expect(segments.reduce((sum, s) => sum + s.ms, 0)).toBe(cal.workingMsBetween(from, to));
    expect(cal.workingMsBetween(from, to)).toBe(24 * 60 * MINUTE_MS);
  });

  it('uses the periods of each season', () => {
    expect(
      season.workingSegments(at('2027-10-14 12:00'), at('2027-10-15 12:00')).map((s) => `${vn(s.from)}–${vn(s.to)}`),
    ).toEqual(['2027-10-14 13:30–2027-10-14 17:00', '2027-10-15 07:30–2027-10-15 11:30']);
  });

  it('is empty when the end is not after the start or no working time lies between', () => {
    expect(cal.workingSegments(at('2026-03-03 10:00'), at('2026-03-03 10:00'))).toEqual([]);
    expect(cal.workingSegments(at('2026-03-03 10:00'), at('2026-03-02 10:00'))).toEqual([]);
    expect(cal.workingSegments(at('2026-03-07 00:00'), at('2026-03-09 07:30'))).toEqual([]);
  });

  it('refuses to produce more than the bound of segments', () => {
    expect(MAX_WORKING_SEGMENTS).toBe(20_000);
    // About 500 segments a year: 2000–2019 stays under the bound, 2000–2049 does not.
    expect(cal.workingSegments(at('2000-01-01 00:00'), at('2020-01-01 00:00')).length).toBeGreaterThan(9_000);
    expect(() => cal.workingSegments(at('2000-01-01 00:00'), at('2050-01-01 00:00'))).toThrow(RangeError);
  });
});

describe('nonWorkingDays', () => {
  it('lists the Tết 2026 break: weekends and holidays', () => {
    expect(cal.nonWorkingDays('2026-02-13', '2026-02-23')).toEqual([
      { date: '2026-02-14', reason: 'weekend' },
      { date: '2026-02-15', reason: 'weekend' },
      { date: '2026-02-16', reason: 'holiday' },
      { date: '2026-02-17', reason: 'holiday' },
      { date: '2026-02-18', reason: 'holiday' },
      { date: '2026-02-19', reason: 'holiday' },
      { date: '2026-02-20', reason: 'holiday' },
      { date: '2026-02-21', reason: 'weekend' },
      { date: '2026-02-22', reason: 'weekend' },
    ]);
  });

  it('leaves out a make-up Saturday and follows the weekdays in force', () => {
    expect(cal.nonWorkingDays('2026-01-09', '2026-01-11')).toEqual([{ date: '2026-01-11', reason: 'weekend' }]);
    expect(season.nonWorkingDays('2027-06-05', '2027-06-07')).toEqual([
      { date: '2027-06-06', reason: 'weekend' },
      { date: '2027-06-07', reason: 'holiday' },
    ]);
  });

  it('is empty for an inverted span and bounded in length', () => {
    expect(cal.nonWorkingDays('2026-02-23', '2026-02-13')).toEqual([]);
    expect(MAX_NON_WORKING_DAYS_SPAN).toBe(3_700);
    expect(cal.nonWorkingDays('2020-01-01', '2030-02-16').length).toBeGreaterThan(1_000); // 3,700 days
    expect(() => cal.nonWorkingDays('2020-01-01', '2030-02-17')).toThrow(RangeError);
    expect(() => cal.nonWorkingDays('2020-01-01', '2020-02-30')).toThrow(/expected YYYY-MM-DD/);
  });
});

describe('clockStartReason', () => {
  it('names each case', () => {
    expect(cal.clockStartReason(at('2026-03-03 10:00'))).toBe('in_hours');
    expect(cal.clockStartReason(at('2026-03-03 07:30'))).toBe('in_hours');
    expect(cal.clockStartReason(at('2026-03-03 12:00'))).toBe('lunch_break');
    expect(cal.clockStartReason(at('2026-03-03 11:30'))).toBe('lunch_break');
    expect(cal.clockStartReason(at('2026-03-03 06:00'))).toBe('after_hours');
    expect(cal.clockStartReason(at('2026-03-03 17:00'))).toBe('after_hours');
    expect(cal.clockStartReason(at('2026-03-03 22:00'))).toBe('after_hours');
    expect(cal.clockStartReason(at('2026-03-08 10:00'))).toBe('non_working_day'); // Sunday
    expect(cal.clockStartReason(at('2026-02-17 10:00'))).toBe('non_working_day'); // Tết
  });

  it('names the intake cut-off only when it applied', () => {
    expect(cal.clockStartReason(at('2026-03-03 15:30'), '15:00')).toBe('intake_cutoff');
    expect(cal.clockStartReason(at('2026-03-03 15:00'), '15:00')).toBe('intake_cutoff');
    expect(cal.clockStartReason(at('2026-03-03 18:00'), '15:00')).toBe('intake_cutoff');
    expect(cal.clockStartReason(at('2026-03-03 14:59'), '15:00')).toBe('in_hours');
    expect(cal.clockStartReason(at('2026-03-08 16:00'), '15:00')).toBe('non_working_day');
    expect(cal.clockStartReason(at('2026-03-03 12:00'), null)).toBe('lunch_break');
    expect(() => cal.clockStartReason(at('2026-03-03 12:00'), '3pm')).toThrow(/intake cut-off/);
  });

  it('uses the day’s own periods', () => {
    expect(season.clockStartReason(at('2027-06-01 07:10'))).toBe('in_hours');
    expect(season.clockStartReason(at('2027-06-01 13:10'))).toBe('lunch_break');
    expect(season.clockStartReason(at('2027-11-02 07:10'))).toBe('after_hours');
    expect(season.clockStartReason(at('2027-11-02 13:10'))).toBe('in_hours');
  });
});

describe('periodsOn', () => {
  it('gives the periods of a working day and none for a day off', () => {
    expect(cal.periodsOn('2026-03-03')).toEqual(WINTER);
    expect(cal.periodsOn('2026-01-10')).toEqual(WINTER); // make-up Saturday
    expect(cal.periodsOn('2026-03-07')).toEqual([]);
    expect(cal.periodsOn('2026-02-17')).toEqual([]);
  });

  it('returns a copy the caller cannot use to change the calendar', () => {
    const periods = cal.periodsOn('2026-03-03');
    periods[0][0] = '00:00';
    periods.pop();
    expect(cal.periodsOn('2026-03-03')).toEqual(WINTER);
  });

  it('writes a 24:00 end as "24:00"', () => {
    const late = WorkingCalendar.build({
      ...seasonal(),
      hoursSchedule: [{ effectiveFrom: '2027-01-01', weekdays: WEEKDAYS, periods: [['20:00', '24:00']] }],
    });
    expect(late.periodsOn('2027-01-04')).toEqual([['20:00', '24:00']]);
  });
});

describe('crossesProvisional', () => {
  const provisional = WorkingCalendar.build({ ...vnDefinition, provisionalYears: [2027] });

  it('is true when a local date between the two instants lies in a provisional year, in either order', () => {
    expect(provisional.crossesProvisional(at('2026-12-30 10:00'), at('2027-01-04 10:00'))).toBe(true);
    expect(provisional.crossesProvisional(at('2027-01-04 10:00'), at('2026-12-30 10:00'))).toBe(true);
    expect(provisional.crossesProvisional(at('2026-02-13 10:00'), at('2028-06-01 10:00'))).toBe(true);
    expect(provisional.crossesProvisional(at('2027-05-01 10:00'), at('2027-05-01 10:00'))).toBe(true);
  });

  it('is false when every date is in an official year', () => {
    expect(provisional.crossesProvisional(at('2026-02-13 10:00'), at('2026-12-31 23:59'))).toBe(false);
    expect(provisional.crossesProvisional(at('2028-01-01 00:00'), at('2029-01-01 00:00'))).toBe(false);
    expect(cal.crossesProvisional(at('2026-02-13 10:00'), at('2030-01-01 00:00'))).toBe(false);
  });

  it('uses local dates: 31/12/2026 17:30 UTC is already 2027 in Hà Nội', () => {
    expect(provisional.crossesProvisional(new Date('2026-12-01T00:00:00Z'), new Date('2026-12-31T17:30:00Z'))).toBe(
      true,
    );
    expect(provisional.crossesProvisional(new Date('2026-12-01T00:00:00Z'), new Date('2026-12-31T16:59:59Z'))).toBe(
      false,
    );
    expect(() => provisional.crossesProvisional(new Date(Number.NaN), at('2027-01-01 00:00'))).toThrow(RangeError);
  });
});
