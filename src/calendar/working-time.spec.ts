import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  calendarFromHolidayFile,
  CalendarDefinition,
  MINUTE_MS,
  WORKING_DAY_MINUTES,
  WorkingCalendar,
} from './working-time';

const holidayFile: unknown = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../config/calendars/vn-public-holidays.json'), 'utf8'),
);
const vnDefinition = calendarFromHolidayFile(holidayFile);
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

function definition(overrides: Partial<CalendarDefinition['workingHours']> = {}): CalendarDefinition {
  return {
    utcOffsetMinutes: 420,
    workingHours: {
      weekdays: [1, 2, 3, 4, 5],
      periods: [
        ['07:30', '11:30'],
        ['13:00', '17:00'],
      ],
      ...overrides,
    },
    exceptions: [],
  };
}

describe('WorkingCalendar.build', () => {
  it('rejects a period time that is not a clock time', () => {
    expect(() => WorkingCalendar.build(definition({ periods: [['07:30', '25:00']] }))).toThrow(
      /Invalid working period end "25:00"/,
    );
    expect(() => WorkingCalendar.build(definition({ periods: [['7:30', '11:30']] }))).toThrow(
      /Invalid working period start "7:30"/,
    );
    expect(() => WorkingCalendar.build(definition({ periods: [['07:60', '11:30']] }))).toThrow(/HH:MM/);
  });

  it('rejects overlapping or unsorted periods', () => {
    const overlapping: [string, string][] = [
      ['07:30', '12:00'],
      ['11:30', '17:00'],
    ];
    const unsorted: [string, string][] = [
      ['13:00', '17:00'],
      ['07:30', '11:30'],
    ];
    expect(() => WorkingCalendar.build(definition({ periods: overlapping }))).toThrow(/overlap/);
    expect(() => WorkingCalendar.build(definition({ periods: unsorted }))).toThrow(/sorted/);
  });

  it('rejects a period that ends before it starts, and an empty list of periods', () => {
    expect(() => WorkingCalendar.build(definition({ periods: [['17:00', '13:00']] }))).toThrow(
      /end must be after the start/,
    );
    expect(() => WorkingCalendar.build(definition({ periods: [] }))).toThrow(/at least one period/);
  });

  it('accepts a period ending at 24:00 but not starting at 24:00', () => {
    const late = WorkingCalendar.build(definition({ periods: [['20:00', '24:00']] }));
    expect(vn(late.endOfWorkingDay('2026-03-02'))).toBe('2026-03-03 00:00');
    expect(() => WorkingCalendar.build(definition({ periods: [['24:00', '24:00']] }))).toThrow(/start "24:00"/);
  });

  it('rejects weekdays outside 1..7 and duplicated weekdays', () => {
    expect(() => WorkingCalendar.build(definition({ weekdays: [0, 1, 2] }))).toThrow(/Invalid weekday 0/);
    expect(() => WorkingCalendar.build(definition({ weekdays: [1, 8] }))).toThrow(/Invalid weekday 8/);
    expect(() => WorkingCalendar.build(definition({ weekdays: [1.5] }))).toThrow(/Invalid weekday/);
    expect(() => WorkingCalendar.build(definition({ weekdays: [1, 1] }))).toThrow(/listed twice/);
  });

  it('rejects an exception on a date that does not exist, or with an unknown kind', () => {
    const bad = (exceptions: unknown): CalendarDefinition => ({ ...definition(), exceptions }) as CalendarDefinition;
    expect(() => WorkingCalendar.build(bad([{ date: '2026-02-30', kind: 'holiday' }]))).toThrow(
      /Invalid calendar exception date "2026-02-30"/,
    );
    expect(() => WorkingCalendar.build(bad([{ date: '2026-02-03', kind: 'off' }]))).toThrow(
      /Invalid calendar exception kind "off"/,
    );
  });

  it('rejects a date that is both a holiday and a make-up working day', () => {
    const def: CalendarDefinition = {
      ...definition(),
      exceptions: [
        { date: '2026-02-03', kind: 'holiday' },
        { date: '2026-02-03', kind: 'working' },
      ],
    };
    expect(() => WorkingCalendar.build(def)).toThrow(/both a holiday and a working day/);
  });

  it('rejects an inverted year range and an impossible UTC offset', () => {
    expect(() => WorkingCalendar.build(definition(), { fromYear: 2027, toYear: 2026 })).toThrow(
      /Invalid calendar range/,
    );
    expect(() => WorkingCalendar.build({ ...definition(), utcOffsetMinutes: 900 })).toThrow(/Invalid UTC offset/);
  });
});

describe('calendarFromHolidayFile', () => {
  it('reads exceptions and default working hours from the holiday file', () => {
    expect(vnDefinition.utcOffsetMinutes).toBe(420);
    expect(vnDefinition.workingHours).toEqual({
      weekdays: [1, 2, 3, 4, 5],
      periods: [
        ['07:30', '11:30'],
        ['13:00', '17:00'],
      ],
    });
    expect(vnDefinition.exceptions).toContainEqual({ date: '2026-01-10', kind: 'working' });
    expect(vnDefinition.exceptions).toContainEqual({ date: '2026-02-16', kind: 'holiday' });
  });

  it('rejects a file without days or working hours', () => {
    expect(() => calendarFromHolidayFile(null)).toThrow(/expected a JSON object/);
    expect(() => calendarFromHolidayFile({ default_working_hours: {} })).toThrow(/"days"/);
    expect(() => calendarFromHolidayFile({ days: [] })).toThrow(/default_working_hours/);
    expect(() =>
      calendarFromHolidayFile({
        days: [{ date: '2026-01-01', kind: 'vacation' }],
        default_working_hours: { periods: [], weekdays: [] },
      }),
    ).toThrow(/days\[0\]/);
  });
});

describe('working days', () => {
  it('counts Monday to Friday as working days and weekends as not', () => {
    expect(cal.isWorkingDay('2026-03-02')).toBe(true); // Monday
    expect(cal.isWorkingDay('2026-03-06')).toBe(true); // Friday
    expect(cal.isWorkingDay('2026-03-07')).toBe(false); // Saturday
    expect(cal.isWorkingDay('2026-03-08')).toBe(false); // Sunday
  });

  it('treats Tết 2026 (16–20/02) and Tết 2025 (27–31/01) as non-working days', () => {
    for (const d of ['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20']) {
      expect(cal.isWorkingDay(d)).toBe(false);
    }
    for (const d of ['2025-01-27', '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31']) {
      expect(cal.isWorkingDay(d)).toBe(false);
    }
    expect(cal.isWorkingDay('2026-02-13')).toBe(true);
    expect(cal.isWorkingDay('2026-02-23')).toBe(true);
  });

  it('treats the make-up Saturdays 2025-04-26 and 2026-01-10 as working days', () => {
    expect(cal.isWorkingDay('2025-04-26')).toBe(true);
    expect(cal.isWorkingDay('2026-01-10')).toBe(true);
    expect(cal.isWorkingDay('2026-01-17')).toBe(false); // an ordinary Saturday
    expect(cal.isWorkingDay('2026-01-02')).toBe(false); // the day swapped for 10/01
  });

  it('works make-up Saturdays with the ordinary periods', () => {
    expect(cal.isWorkingInstant(at('2026-01-10 07:30'))).toBe(true);
    expect(cal.isWorkingInstant(at('2026-01-10 12:00'))).toBe(false);
    expect(vn(cal.endOfWorkingDay('2026-01-10'))).toBe('2026-01-10 17:00');
  });

  it('counts period starts as working and period ends as not', () => {
    expect(cal.isWorkingInstant(at('2026-03-02 07:30'))).toBe(true);
    expect(cal.isWorkingInstant(at('2026-03-02 07:29:59.999'))).toBe(false);
    expect(cal.isWorkingInstant(at('2026-03-02 11:30'))).toBe(false);
    expect(cal.isWorkingInstant(at('2026-03-02 13:00'))).toBe(true);
    expect(cal.isWorkingInstant(at('2026-03-02 16:59:59.999'))).toBe(true);
    expect(cal.isWorkingInstant(at('2026-03-02 17:00'))).toBe(false);
    expect(cal.isWorkingInstant(at('2026-02-17 10:00'))).toBe(false); // Tết
  });

  it('gives the end of working hours of a working day and null for a day off', () => {
    expect(vn(cal.endOfWorkingDay('2026-03-02'))).toBe('2026-03-02 17:00');
    expect(cal.endOfWorkingDay('2026-02-18')).toBeNull();
    expect(cal.endOfWorkingDay('2026-03-07')).toBeNull();
  });

  it('gives the local date in the calendar offset, not the machine time zone', () => {
    expect(cal.localDate(new Date('2026-02-12T17:30:00Z'))).toBe('2026-02-13');
    expect(cal.localDate(new Date('2026-02-12T16:59:59.999Z'))).toBe('2026-02-12');
  });

  it('rejects malformed dates', () => {
    expect(() => cal.isWorkingDay('2026-2-3')).toThrow(/expected YYYY-MM-DD/);
    expect(() => cal.isWorkingDay('2026-02-29')).toThrow(RangeError);
  });
});

describe('clockStart', () => {
  it('starts at the reception instant when it is inside working hours, keeping seconds', () => {
    const received = at('2026-03-03 09:15:42.123');
    expect(cal.clockStart(received)).toEqual(received);
    expect(cal.clockStart(at('2026-03-03 07:30'))).toEqual(at('2026-03-03 07:30'));
  });

  it('snaps a reception during the lunch break to 13:00', () => {
    expect(vn(cal.clockStart(at('2026-03-03 12:00')))).toBe('2026-03-03 13:00');
  });

  it('snaps a reception at exactly 11:30 to 13:00', () => {
    expect(vn(cal.clockStart(at('2026-03-03 11:30')))).toBe('2026-03-03 13:00');
  });

  it('snaps a reception before 07:30 to 07:30 the same day', () => {
    expect(vn(cal.clockStart(at('2026-03-03 06:10')))).toBe('2026-03-03 07:30');
  });

  it('snaps a reception after 17:00 to 07:30 of the next working day', () => {
    expect(vn(cal.clockStart(at('2026-03-03 17:30')))).toBe('2026-03-04 07:30');
  });

  it('snaps a reception at exactly 17:00 to 07:30 of the next working day', () => {
    expect(vn(cal.clockStart(at('2026-03-03 17:00')))).toBe('2026-03-04 07:30');
  });

  it('snaps a reception on Sunday to Monday 07:30', () => {
    expect(vn(cal.clockStart(at('2026-03-08 10:00')))).toBe('2026-03-09 07:30');
  });

  it('snaps a reception on a weekend before Tết to the first working day after Tết', () => {
    expect(vn(cal.clockStart(at('2026-02-14 09:00')))).toBe('2026-02-23 07:30');
    expect(vn(cal.clockStart(at('2025-01-25 09:00')))).toBe('2025-02-03 07:30');
  });

  it('snaps a Friday-evening reception to a make-up Saturday', () => {
    expect(vn(cal.clockStart(at('2026-01-09 18:00')))).toBe('2026-01-10 07:30');
  });

  it('snaps a reception on New Year’s Eve evening past the 1–2/01/2026 holidays', () => {
    expect(vn(cal.clockStart(at('2025-12-31 17:30')))).toBe('2026-01-05 07:30');
  });

  describe('with an intake cut-off', () => {
    it('keeps the reception instant before the cut-off', () => {
      expect(vn(cal.clockStart(at('2026-03-03 14:59'), '15:00'))).toBe('2026-03-03 14:59');
    });

    it('starts at the next working day’s 07:30 for a reception exactly at the cut-off', () => {
      expect(vn(cal.clockStart(at('2026-03-03 15:00'), '15:00'))).toBe('2026-03-04 07:30');
    });

    it('starts at the next working day’s 07:30 for a reception after the cut-off', () => {
      expect(vn(cal.clockStart(at('2026-03-03 16:20'), '15:00'))).toBe('2026-03-04 07:30');
    });

    it('skips the afternoon period when the cut-off falls in the lunch break', () => {
      expect(vn(cal.clockStart(at('2026-03-03 12:10'), '12:00'))).toBe('2026-03-04 07:30');
    });

    it('moves a Friday reception after the cut-off to Monday', () => {
      expect(vn(cal.clockStart(at('2026-03-06 15:30'), '15:00'))).toBe('2026-03-09 07:30');
    });

    it('moves a Friday reception after the cut-off to the next make-up Saturday', () => {
      expect(vn(cal.clockStart(at('2026-01-09 15:30'), '15:00'))).toBe('2026-01-10 07:30');
    });

    it('applies the cut-off on a make-up Saturday', () => {
      expect(vn(cal.clockStart(at('2026-01-10 14:00'), '15:00'))).toBe('2026-01-10 14:00');
      expect(vn(cal.clockStart(at('2026-01-10 15:30'), '15:00'))).toBe('2026-01-12 07:30');
    });

    it('moves a reception after the cut-off on the eve of a holiday past the holidays', () => {
      // 30/04 and 01/05/2026 are holidays, then a weekend.
      expect(vn(cal.clockStart(at('2026-04-29 15:30'), '15:00'))).toBe('2026-05-04 07:30');
      // Friday before Tết 2026.
      expect(vn(cal.clockStart(at('2026-02-13 15:00'), '15:00'))).toBe('2026-02-23 07:30');
    });

    it('ignores the cut-off on a non-working day: the next working day is not skipped', () => {
      expect(vn(cal.clockStart(at('2026-03-08 16:00'), '15:00'))).toBe('2026-03-09 07:30');
    });

    it('behaves as without a cut-off when the cut-off is null', () => {
      expect(vn(cal.clockStart(at('2026-03-03 16:20'), null))).toBe('2026-03-03 16:20');
    });

    it('rejects a malformed cut-off', () => {
      expect(() => cal.clockStart(at('2026-03-03 10:00'), '15h')).toThrow(/intake cut-off "15h"/);
    });
  });
});

describe('dueAt with working hours and working days', () => {
  it('counts 3 working days from Fri 13/02/2026 10:00 across Tết to Wed 25/02 10:00', () => {
    const start = cal.clockStart(at('2026-02-13 10:00'));
    expect(start).toEqual(at('2026-02-13 10:00'));
    expect(vn(cal.dueAt(start, { amount: 3, unit: 'working_days' }))).toBe('2026-02-25 10:00');
  });

  it('counts 1 working day from Fri 09/01/2026 16:00 into the make-up Saturday 10/01', () => {
    const start = cal.clockStart(at('2026-01-09 16:00'));
    expect(vn(cal.dueAt(start, { amount: 1, unit: 'working_days' }))).toBe('2026-01-10 16:00');
  });

  it('counts 3 working days across Tết 2025 (27–31/01) and the weekends around it', () => {
    // Fri 5.5 h, Mon 03/02 8 h, Tue 04/02 8 h, Wed 05/02 2.5 h.
    const due = cal.dueAt(at('2025-01-24 10:00'), { amount: 3, unit: 'working_days' });
    expect(vn(due)).toBe('2025-02-05 10:00');
  });

  it('counts the make-up Saturday 26/04/2025 and skips 30/04–02/05/2025', () => {
    const intoSaturday = cal.dueAt(at('2025-04-25 16:00'), { amount: 1, unit: 'working_days' });
    expect(vn(intoSaturday)).toBe('2025-04-26 16:00');
    const acrossHolidays = cal.dueAt(at('2025-04-29 10:00'), { amount: 2, unit: 'working_days' });
    expect(vn(acrossHolidays)).toBe('2025-05-06 10:00');
  });

  it('lands exactly at 11:30 when the hours run out at the end of the morning', () => {
    expect(vn(cal.dueAt(at('2026-03-03 07:30'), { amount: 4, unit: 'working_hours' }))).toBe('2026-03-03 11:30');
  });

  it('lands exactly at 17:00 when the hours run out at the end of the day', () => {
    expect(vn(cal.dueAt(at('2026-03-03 07:30'), { amount: 1, unit: 'working_days' }))).toBe('2026-03-03 17:00');
    expect(vn(cal.dueAt(at('2026-03-03 13:00'), { amount: 4, unit: 'working_hours' }))).toBe('2026-03-03 17:00');
  });

  it('does not count the lunch break', () => {
    expect(vn(cal.dueAt(at('2026-03-03 10:30'), { amount: 2, unit: 'working_hours' }))).toBe('2026-03-03 14:00');
  });

  it('does not count the evening and night', () => {
    expect(vn(cal.dueAt(at('2026-03-03 16:00'), { amount: 2, unit: 'working_hours' }))).toBe('2026-03-04 08:30');
  });

  it('counts a deadline started in late December 2025 across the 1–2/01/2026 holidays', () => {
    // Tue 30/12 5.5 h, Wed 31/12 8 h, Mon 05/01 8 h, Tue 06/01 2.5 h.
    const due = cal.dueAt(at('2025-12-30 10:00'), { amount: 3, unit: 'working_days' });
    expect(vn(due)).toBe('2026-01-06 10:00');
  });

  it('counts a deadline spanning two whole years (250 working days in 2025 and in 2026)', () => {
    const due = cal.dueAt(at('2025-01-02 07:30'), { amount: 500, unit: 'working_days' });
    expect(vn(due)).toBe('2026-12-31 17:00');
  });

  it('keeps seconds and milliseconds of the clock start', () => {
    const due = cal.dueAt(at('2026-03-03 09:15:42.123'), { amount: 1, unit: 'working_hours' });
    expect(due).toEqual(at('2026-03-03 10:15:42.123'));
  });

  it('returns the clock start itself for a zero limit', () => {
    expect(cal.dueAt(at('2026-03-03 09:00'), { amount: 0, unit: 'working_days' })).toEqual(at('2026-03-03 09:00'));
  });

  it('converts limits to working minutes (8 working hours per working day)', () => {
    expect(WORKING_DAY_MINUTES).toBe(480);
    expect(cal.limitWorkingMinutes({ amount: 3, unit: 'working_hours' })).toBe(180);
    expect(cal.limitWorkingMinutes({ amount: 2, unit: 'working_days' })).toBe(960);
    expect(cal.limitWorkingMinutes({ amount: 15, unit: 'calendar_days' })).toBeNull();
  });
});

describe('dueAt with calendar days', () => {
  const days = (amount: number) => ({ amount, unit: 'calendar_days' as const });

  it('keeps start + N × 24 h when it lands inside working hours', () => {
    expect(vn(cal.dueAt(at('2026-03-02 10:00'), days(7)))).toBe('2026-03-09 10:00');
  });

  it('keeps start + N × 24 h when it lands inside working hours of a make-up Saturday', () => {
    expect(vn(cal.dueAt(at('2026-01-05 10:00'), days(5)))).toBe('2026-01-10 10:00');
  });

  it('moves a due instant landing on a holiday to the end of the next working day', () => {
    expect(vn(cal.dueAt(at('2026-02-09 10:00'), days(7)))).toBe('2026-02-23 17:00');
  });

  it('moves a due instant landing on a weekend to the end of the next working day', () => {
    expect(vn(cal.dueAt(at('2026-03-02 10:00'), days(5)))).toBe('2026-03-09 17:00');
  });

  it('moves a due instant landing in the lunch break to that day’s 17:00', () => {
    expect(vn(cal.dueAt(at('2026-03-02 12:00'), days(3)))).toBe('2026-03-05 17:00');
  });

  it('moves a due instant landing before 07:30 on a working day to that day’s 17:00', () => {
    expect(vn(cal.dueAt(at('2026-03-02 06:00'), days(3)))).toBe('2026-03-05 17:00');
  });

  it('moves a due instant landing after 17:00 on a working day to the next working day’s 17:00', () => {
    expect(vn(cal.dueAt(at('2026-03-02 18:00'), days(3)))).toBe('2026-03-06 17:00');
    expect(vn(cal.dueAt(at('2026-03-02 18:00'), days(4)))).toBe('2026-03-09 17:00');
  });

  it('moves a due instant landing exactly at 17:00 to the next working day’s 17:00 (that end is not ahead)', () => {
    expect(vn(cal.dueAt(at('2026-03-02 17:00'), days(3)))).toBe('2026-03-06 17:00');
  });

  it('moves a due instant after 17:00 on the eve of holidays past the holidays', () => {
    expect(vn(cal.dueAt(at('2026-04-22 18:00'), days(7)))).toBe('2026-05-04 17:00');
  });

  it('counts 24 h days without regard to working time or the year end', () => {
    expect(vn(cal.dueAt(at('2025-12-26 09:00'), days(7)))).toBe('2026-01-05 17:00');
  });
});

describe('measuring working time', () => {
  it('counts working minutes across a weekend', () => {
    // Fri 16:00–17:00 and Mon 07:30–08:30.
    expect(cal.workingMinutesBetween(at('2026-03-06 16:00'), at('2026-03-09 08:30'))).toBe(120);
  });

  it('counts working minutes across holidays', () => {
    // Wed 29/04 16:00–17:00, 30/04–03/05 off, Mon 04/05 07:30–08:00.
    expect(cal.workingMinutesBetween(at('2026-04-29 16:00'), at('2026-05-04 08:00'))).toBe(90);
  });

  it('excludes the lunch break and rounds down to whole minutes', () => {
    expect(cal.workingMinutesBetween(at('2026-03-03 11:00'), at('2026-03-03 13:29:59'))).toBe(59);
    expect(cal.workingMsBetween(at('2026-03-03 11:00'), at('2026-03-03 13:29:59'))).toBe(59 * MINUTE_MS + 59_000);
  });

  it('counts 8 hours per working day over two whole years', () => {
    expect(cal.workingMinutesBetween(at('2025-01-01 00:00'), at('2027-01-01 00:00'))).toBe(500 * WORKING_DAY_MINUTES);
  });

  it('returns 0 when the end is not after the start', () => {
    expect(cal.workingMsBetween(at('2026-03-03 10:00'), at('2026-03-03 10:00'))).toBe(0);
    expect(cal.workingMsBetween(at('2026-03-03 10:00'), at('2026-03-03 09:00'))).toBe(0);
  });

  it('adds working minutes from an instant outside working hours', () => {
    expect(vn(cal.addWorkingMinutes(at('2026-03-08 10:00'), 30))).toBe('2026-03-09 08:00');
  });

  it('adds fractional working minutes to the millisecond', () => {
    expect(cal.addWorkingMinutes(at('2026-03-03 11:29'), 1.5)).toEqual(at('2026-03-03 13:00:30'));
  });

  it('rejects negative or non-finite amounts', () => {
    expect(() => cal.addWorkingMinutes(at('2026-03-03 10:00'), -1)).toThrow(RangeError);
    expect(() => cal.addWorkingMs(at('2026-03-03 10:00'), Number.NaN)).toThrow(RangeError);
    expect(() => cal.dueAt(at('2026-03-03 10:00'), { amount: Infinity, unit: 'working_days' })).toThrow(RangeError);
  });
});

describe('calendar range', () => {
  const short = WorkingCalendar.build(vnDefinition, { fromYear: 2025, toYear: 2026 });

  it('computes inside a narrow range as the default range does', () => {
    const start = at('2026-02-13 10:00');
    const limit = { amount: 3, unit: 'working_days' } as const;
    expect(short.dueAt(start, limit)).toEqual(cal.dueAt(start, limit));
  });

  it('throws a RangeError for an instant before the range', () => {
    expect(() => short.clockStart(at('2024-12-31 10:00'))).toThrow(/outside the working calendar range/);
    expect(() => cal.clockStart(at('1999-12-31 10:00'))).toThrow(RangeError);
  });

  it('throws a RangeError for a deadline beyond the range', () => {
    expect(() => short.dueAt(at('2026-12-30 10:00'), { amount: 5, unit: 'working_days' })).toThrow(
      /after the end of the working calendar range \(2025–2026\)/,
    );
    expect(() => short.clockStart(at('2026-12-31 17:30'))).toThrow(RangeError);
    expect(() => short.dueAt(at('2026-12-30 10:00'), { amount: 5, unit: 'calendar_days' })).toThrow(RangeError);
  });

  it('throws a RangeError for dates outside the range and for invalid instants', () => {
    expect(() => short.isWorkingDay('2027-01-04')).toThrow(RangeError);
    expect(() => cal.isWorkingInstant(new Date(Number.NaN))).toThrow(/Invalid date/);
  });
});
