import * as fs from 'node:fs';
import * as path from 'node:path';
import { GeneratedDay, generateYear, GENERATOR_VERSION, statutoryHolidays, YearPlanOptions } from './holiday-rules';

const official = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../../config/calendars/vn-public-holidays.json'), 'utf8'),
) as { days: { date: string; kind: string; name: string }[] };

/** ISO weekday of a "YYYY-MM-DD" date, 1 = Monday … 7 = Sunday (UTC arithmetic only). */
function weekday(date: string): number {
  return ((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
}

const compact = (days: GeneratedDay[]) => days.map((d) => `${d.date} ${d.kind}`);
const holidayDates = (days: GeneratedDay[]) => days.filter((d) => d.kind === 'holiday').map((d) => d.date);

describe('the official 2025 and 2026 calendars follow from the rules plus the year’s swaps', () => {
  const swaps: Record<number, YearPlanOptions['swaps']> = {
    2025: [{ off: '2025-05-02', work: '2025-04-26' }],
    2026: [
      { off: '2026-01-02', work: '2026-01-10' },
      { off: '2026-08-31', work: '2026-08-22' },
    ],
  };

  it.each([2025, 2026])('%i: day by day, date and kind', (year) => {
    const expected = official.days.filter((d) => d.date.startsWith(`${year}-`)).map((d) => `${d.date} ${d.kind}`);
    expect(expected.length).toBeGreaterThan(10);
    expect(compact(generateYear(year, { swaps: swaps[year] }))).toEqual(expected);
  });

  it('names: Tết by its Can Chi year, swaps with the other date, the day in lieu with its reason', () => {
    const days2026 = generateYear(2026, { swaps: swaps[2026] });
    const name = (date: string) => days2026.find((d) => d.date === date)?.name;
    expect(name('2026-02-16')).toBe('Tết Nguyên đán Bính Ngọ');
    expect(name('2026-01-02')).toBe('Nghỉ hoán đổi (làm bù 10/01/2026)');
    expect(name('2026-01-10')).toBe('Làm bù cho ngày 02/01/2026');
    expect(name('2026-04-27')).toBe('Nghỉ bù Giỗ Tổ Hùng Vương (26/04 rơi vào Chủ nhật)');
    expect(name('2026-09-01')).toBe('Quốc khánh (ngày liền kề)');
    expect(generateYear(2025).find((d) => d.rule === 'tet')?.name).toBe('Tết Nguyên đán Ất Tỵ');
    expect(days2026.find((d) => d.date === '2026-04-27')?.rule).toBe('in_lieu');
  });

  it('default choices: Tết 2025 from 2 days before (27-31/01), 2026 from 1 day before (16-20/02)', () => {
    const tet = (year: number) =>
      statutoryHolidays(year)
        .filter((d) => d.rule === 'tet')
        .map((d) => d.date);
    expect(tet(2025)).toEqual(['2025-01-27', '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31']);
    expect(tet(2026)).toEqual(['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20']);
    // 2021, 2023, 2024: both windows hold 2 rest days; the tie goes to 2 days before, as decided then.
    expect(tet(2021)[0]).toBe('2021-02-10');
    expect(tet(2023)[0]).toBe('2023-01-20');
    expect(tet(2024)[0]).toBe('2024-02-08');
    // Tết 2023 break as decided: 20-26/01 (Sat 21 and Sun 22 give Wed 25 and Thu 26 in lieu).
    expect(holidayDates(generateYear(2023)).filter((d) => d < '2023-02-01')).toEqual([
      '2023-01-02', // 01/01 was a Sunday
      '2023-01-20',
      '2023-01-23',
      '2023-01-24',
      '2023-01-25',
      '2023-01-26',
    ]);
  });

  it('default adjacent day of 02/09: 2021 (Thu) 03/09, 2025 (Tue) 01/09, 2026 (Wed) 01/09, 2027 (Thu) 03/09', () => {
    const adjacent = (year: number) => statutoryHolidays(year).find((d) => d.rule === 'national_day_adjacent')?.date;
    expect(adjacent(2021)).toBe('2021-09-03');
    expect(adjacent(2025)).toBe('2025-09-01');
    expect(adjacent(2026)).toBe('2026-09-01');
    expect(adjacent(2027)).toBe('2027-09-03');
  });

  it('explicit choices override the defaults', () => {
    const days = statutoryHolidays(2026, { tetDaysBefore: 2, nationalDayAdjacent: '09-03' });
    expect(days.filter((d) => d.rule === 'tet')[0].date).toBe('2026-02-15');
    expect(days.find((d) => d.rule === 'national_day_adjacent')?.date).toBe('2026-09-03');
    // 15/02/2026 is a Sunday: Tết 15-19/02 then gives Friday 20/02 in lieu.
    expect(generateYear(2026, { tetDaysBefore: 2 }).find((d) => d.rule === 'in_lieu' && d.date < '2026-03-01')).toEqual(
      {
        date: '2026-02-20',
        kind: 'holiday',
        name: 'Nghỉ bù Tết Nguyên đán Bính Ngọ (15/02 rơi vào Chủ nhật)',
        rule: 'in_lieu',
      },
    );
  });
});

describe('2027 by the rules (no plan known yet)', () => {
  const days = generateYear(2027);

  it('lists exactly these exceptions', () => {
    expect(compact(days)).toEqual([
      '2027-01-01 holiday', // Friday
      // Tết Đinh Mùi: mùng 1 = Saturday 06/02; both windows hold 2 rest days, so from 2 days before:
      // Thu 04, Fri 05, (Sat 06, Sun 07), Mon 08, then in lieu Tue 09 and Wed 10.
      '2027-02-04 holiday',
      '2027-02-05 holiday',
      '2027-02-08 holiday',
      '2027-02-09 holiday',
      '2027-02-10 holiday',
      '2027-04-16 holiday', // Giỗ Tổ, Friday
      '2027-04-30 holiday', // Friday
      '2027-05-03 holiday', // in lieu of Saturday 01/05
      '2027-09-02 holiday', // Thursday
      '2027-09-03 holiday', // Friday
    ]);
  });

  it('names the Tết days and the days in lieu', () => {
    expect(days.find((d) => d.date === '2027-02-04')?.name).toBe('Tết Nguyên đán Đinh Mùi');
    expect(days.find((d) => d.date === '2027-02-09')?.name).toBe(
      'Nghỉ bù Tết Nguyên đán Đinh Mùi (06/02 rơi vào Thứ Bảy)',
    );
    expect(days.find((d) => d.date === '2027-02-10')?.name).toBe(
      'Nghỉ bù Tết Nguyên đán Đinh Mùi (07/02 rơi vào Chủ nhật)',
    );
    expect(days.find((d) => d.date === '2027-05-03')).toEqual({
      date: '2027-05-03',
      kind: 'holiday',
      name: 'Nghỉ bù Quốc tế Lao động (01/05 rơi vào Thứ Bảy)',
      rule: 'in_lieu',
    });
  });

  it('statutoryHolidays also lists the days on rest days', () => {
    const all = statutoryHolidays(2027);
    expect(all.map((d) => d.date)).toEqual([
      '2027-01-01',
      '2027-02-04',
      '2027-02-05',
      '2027-02-06',
      '2027-02-07',
      '2027-02-08',
      '2027-04-16',
      '2027-04-30',
      '2027-05-01',
      '2027-09-02',
      '2027-09-03',
    ]);
    expect(all.find((d) => d.date === '2027-05-01')?.rule).toBe('labour');
  });
});

describe('every year 2000-2100', () => {
  const years = Array.from({ length: 101 }, (_, i) => 2000 + i);

  it('has 11 distinct statutory holiday days (12 with the culture day), all within the year', () => {
    const wrong: string[] = [];
    for (const year of years) {
      for (const [cultureDay, count] of [
        [false, 11],
        [true, 12],
      ] as const) {
        const dates = statutoryHolidays(year, { cultureDay }).map((d) => d.date);
        if (new Set(dates).size !== count || dates.some((d) => !d.startsWith(`${year}-`))) {
          wrong.push(`${year} cultureDay=${cultureDay}: ${dates.join(' ')}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('generateYear: holidays only on working weekdays, make-up days only on rest days, sorted, no duplicates', () => {
    const wrong: string[] = [];
    const plans: [YearPlanOptions, number[]][] = [
      [{}, [6, 7]],
      [{ cultureDay: true }, [6, 7]],
      [{ restWeekdays: [7] }, [7]],
    ];
    for (const year of years) {
      for (const [options, rest] of plans) {
        const days = generateYear(year, options);
        const dates = days.map((d) => d.date);
        if (dates.join() !== [...dates].sort().join() || new Set(dates).size !== dates.length) {
          wrong.push(`${year}: order or duplicates`);
        }
        for (const d of days) {
          const onRestDay = rest.includes(weekday(d.date));
          if ((d.kind === 'holiday') === onRestDay)
            wrong.push(`${year} ${JSON.stringify(options)}: ${d.date} ${d.kind}`);
        }
        // Every statutory holiday on a rest day has its day in lieu.
        const onRest = statutoryHolidays(year, options).filter((d) => rest.includes(weekday(d.date))).length;
        if (days.filter((d) => d.rule === 'in_lieu').length !== onRest) wrong.push(`${year}: days in lieu`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('swaps and options that are refused', () => {
  it.each([
    ['the day off is a Saturday', { off: '2025-04-26', work: '2025-04-27' }, /must be a working weekday/],
    ['the day off is already a holiday', { off: '2025-04-30', work: '2025-04-26' }, /must be a working weekday/],
    ['the day off is a day in lieu', { off: '2026-04-27', work: '2026-04-25' }, /must be a working weekday/],
    ['the day worked is a weekday', { off: '2025-05-02', work: '2025-05-05' }, /must be a weekly rest day/],
    ['the day worked is a holiday on a weekend', { off: '2026-05-04', work: '2026-04-26' }, /statutory holiday/],
    ['a date far from the year', { off: '2025-05-02', work: '2024-04-27' }, /outside 2024-12-01\.\.2026-01-31/],
    ['not a date', { off: '2025-02-30', work: '2025-04-26' }, /calendar dates/],
  ])('%s', (_label, swap, message) => {
    const year = Number(swap.off.slice(0, 4));
    expect(() => generateYear(year, { swaps: [swap] })).toThrow(RangeError);
    expect(() => generateYear(year, { swaps: [swap] })).toThrow(message);
  });

  it('the same day in two swaps', () => {
    const swaps = [
      { off: '2025-05-02', work: '2025-04-26' },
      { off: '2025-05-05', work: '2025-04-26' },
    ];
    expect(() => generateYear(2025, { swaps })).toThrow(/already used by another swap/);
  });

  it('a swap into the neighbouring year is checked against that year’s holidays', () => {
    // Saturday 03/01/2026 is an ordinary rest day: a make-up day for a day off in late December 2025.
    expect(compact(generateYear(2025, { swaps: [{ off: '2025-12-31', work: '2026-01-03' }] })).slice(-2)).toEqual([
      '2025-12-31 holiday',
      '2026-01-03 working',
    ]);
    // Thursday 01/01/2026 is Tết Dương lịch: not a working weekday to take off.
    expect(() => generateYear(2025, { swaps: [{ off: '2026-01-01', work: '2025-12-27' }] })).toThrow(
      /must be a working weekday/,
    );
  });

  it('a swap off on the default adjacent day of 02/09 moves that day to the other side', () => {
    // 2025: 01/09 (Monday) is the default; a swap taking it off leaves 03/09 as the adjacent day.
    const days = statutoryHolidays(2025, { swaps: [{ off: '2025-09-01', work: '2025-08-23' }] });
    expect(days.find((d) => d.rule === 'national_day_adjacent')?.date).toBe('2025-09-03');
    expect(() =>
      generateYear(2025, { nationalDayAdjacent: '09-01', swaps: [{ off: '2025-09-01', work: '2025-08-23' }] }),
    ).toThrow(/must be a working weekday/);
  });

  it('bad options', () => {
    expect(() => generateYear(2025, { tetDaysBefore: 3 as 1 })).toThrow(RangeError);
    expect(() => generateYear(2025, { nationalDayAdjacent: '09-04' as '09-01' })).toThrow(RangeError);
    expect(() => generateYear(2025, { restWeekdays: [0] })).toThrow(RangeError);
    expect(() => generateYear(2025, { restWeekdays: [1, 2, 3, 4, 5, 6, 7] })).toThrow(RangeError);
    expect(() => generateYear(2025.5)).toThrow(RangeError);
    expect(() => generateYear(1800)).toThrow(RangeError);
  });

  it('GENERATOR_VERSION is 1', () => {
    expect(GENERATOR_VERSION).toBe(1);
  });
});
