import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { hungKingsDate, LunarDate, lunarToSolar, solarToLunar, tetDate } from './lunar';

// Independent reference table (python-holidays' Chinese-lunisolar tables with their Vietnamese overrides).
const table = JSON.parse(fs.readFileSync(path.join(__dirname, 'testdata/vn-lunar-dates.json'), 'utf8')) as {
  tet: Record<string, string>;
  hungKings: Record<string, string>;
};

/** Gregorian "YYYY-MM-DD" arithmetic without Date's local-time methods (UTC only). */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

describe('tetDate and hungKingsDate against the reference table (1990-2060)', () => {
  it('the table covers every year 1990-2060', () => {
    expect(Object.keys(table.tet)).toHaveLength(71);
    expect(Object.keys(table.hungKings)).toHaveLength(71);
  });

  it.each(Object.entries(table.tet))('Tết %s is %s', (year, expected) => {
    expect(tetDate(Number(year))).toBe(expected);
    expect(solarToLunar(expected)).toEqual({ year: Number(year), month: 1, day: 1, leap: false });
  });

  it.each(Object.entries(table.hungKings))('Giỗ Tổ Hùng Vương %s is %s', (year, expected) => {
    expect(hungKingsDate(Number(year))).toBe(expected);
    expect(solarToLunar(expected)).toEqual({ year: Number(year), month: 3, day: 10, leap: false });
  });
});

describe('Vietnam (UTC+7) versus China (UTC+8)', () => {
  const newYear = (year: number, offset: number) => lunarToSolar({ year, month: 1, day: 1, leap: false }, offset);

  it('Tết 1985: Vietnam 21/01, China 20/02 (a month apart)', () => {
    expect(tetDate(1985)).toBe('1985-01-21');
    expect(newYear(1985, 7)).toBe('1985-01-21');
    expect(newYear(1985, 8)).toBe('1985-02-20');
  });

  it('Tết 2007: Vietnam 17/02, China 18/02 (the new moon fell around midnight)', () => {
    expect(tetDate(2007)).toBe('2007-02-17');
    expect(newYear(2007, 8)).toBe('2007-02-18');
    expect(solarToLunar('2007-02-17')).toEqual({ year: 2007, month: 1, day: 1, leap: false });
    expect(solarToLunar('2007-02-17', 8)).toEqual({ year: 2006, month: 12, day: 30, leap: false });
  });

  it('the default offset is Vietnam: 2026 agrees in both', () => {
    expect(newYear(2026, 8)).toBe('2026-02-17');
    expect(tetDate(2026)).toBe('2026-02-17');
  });
});

describe('leap months', () => {
  it('2023 had a leap 2nd month: 22/03/2023 is 1/2 nhuận, 20/04/2023 is 1/3', () => {
    expect(solarToLunar('2023-03-21')).toEqual({ year: 2023, month: 2, day: 30, leap: false });
    expect(solarToLunar('2023-03-22')).toEqual({ year: 2023, month: 2, day: 1, leap: true });
    expect(solarToLunar('2023-04-20')).toEqual({ year: 2023, month: 3, day: 1, leap: false });
    expect(lunarToSolar({ year: 2023, month: 2, day: 1, leap: true })).toBe('2023-03-22');
    expect(lunarToSolar({ year: 2023, month: 2, day: 1, leap: false })).toBe('2023-02-20');
  });

  it('2020 had a leap 4th month (23/05/2020) and 2025 a leap 6th month (25/07/2025)', () => {
    expect(solarToLunar('2020-05-23')).toEqual({ year: 2020, month: 4, day: 1, leap: true });
    expect(solarToLunar('2025-07-25')).toEqual({ year: 2025, month: 6, day: 1, leap: true });
  });

  it('a leap month the year does not have is null', () => {
    expect(lunarToSolar({ year: 2024, month: 2, day: 1, leap: true })).toBeNull();
    expect(lunarToSolar({ year: 2023, month: 3, day: 1, leap: true })).toBeNull();
  });

  it('day 30 of a 29-day month is null; of a 30-day month it exists', () => {
    // Month 2 of 2023 has 30 days (21/03 is its 30th), the leap 2nd month has 29 (20/04 is 1/3).
    expect(lunarToSolar({ year: 2023, month: 2, day: 30, leap: false })).toBe('2023-03-21');
    expect(lunarToSolar({ year: 2023, month: 2, day: 30, leap: true })).toBeNull();
  });
});

describe('input checking', () => {
  it.each(['2025-02-30', '2025-13-01', '2025-1-01', 'soon', '2025-00-10'])('rejects %s', (bad) => {
    expect(() => solarToLunar(bad)).toThrow(RangeError);
  });

  it('rejects impossible lunar dates', () => {
    expect(() => lunarToSolar({ year: 2025, month: 13, day: 1, leap: false })).toThrow(RangeError);
    expect(() => lunarToSolar({ year: 2025, month: 1, day: 31, leap: false })).toThrow(RangeError);
    expect(() => lunarToSolar({ year: 2025, month: 1, day: 0, leap: false })).toThrow(RangeError);
  });
});

describe('every day of 2000-2100', () => {
  // Walk the days once; the lunar dates must advance one day at a time, months of 29 or 30 days, months in
  // order with at most one leap month per lunar year, and each lunar date must map back to its day.
  const days: { solar: string; lunar: LunarDate }[] = [];
  for (let d = '2000-01-01'; d <= '2100-12-31'; d = addDays(d, 1)) days.push({ solar: d, lunar: solarToLunar(d) });

  it('round-trips: lunarToSolar(solarToLunar(d)) = d', () => {
    const wrong = days.filter(({ solar, lunar }) => lunarToSolar(lunar) !== solar);
    expect(wrong).toEqual([]);
    expect(days).toHaveLength(36890);
  });

  it('the lunar dates advance by one day, months of 29 or 30 days, one leap month at most per year', () => {
    const problems: string[] = [];
    const leapsPerYear = new Map<number, number>();
    for (let i = 1; i < days.length; i++) {
      const prev = days[i - 1].lunar;
      const cur = days[i].lunar;
      if (cur.day === prev.day + 1) {
        if (cur.month !== prev.month || cur.year !== prev.year || cur.leap !== prev.leap) problems.push(days[i].solar);
        continue;
      }
      if (cur.day !== 1 || (prev.day !== 29 && prev.day !== 30)) {
        problems.push(`${days[i].solar}: day ${prev.day} then ${cur.day}`);
        continue;
      }
      if (cur.leap) {
        leapsPerYear.set(cur.year, (leapsPerYear.get(cur.year) ?? 0) + 1);
        if (cur.month !== prev.month || prev.leap) problems.push(`${days[i].solar}: bad leap month`);
      } else if (cur.month === 1) {
        if (prev.month !== 12 || cur.year !== prev.year + 1) problems.push(`${days[i].solar}: bad new year`);
      } else if (cur.month !== prev.month + 1 || cur.year !== prev.year) {
        problems.push(`${days[i].solar}: month ${prev.month} then ${cur.month}`);
      }
    }
    expect(problems).toEqual([]);
    expect([...leapsPerYear.values()].every((n) => n === 1)).toBe(true);
    // 7 leap months every 19 years (Metonic cycle): 2000-2100 has 37 or 38.
    expect(leapsPerYear.size).toBeGreaterThanOrEqual(37);
    expect(leapsPerYear.size).toBeLessThanOrEqual(38);
  });

  it('any lunar date either does not exist or round-trips: solarToLunar(lunarToSolar(x)) = x', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2000, max: 2100 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        (year, month, day, leap) => {
          const x: LunarDate = { year, month, day, leap };
          const solar = lunarToSolar(x);
          return solar === null || JSON.stringify(solarToLunar(solar)) === JSON.stringify(x);
        },
      ),
      { seed: 20260217, numRuns: 2000 },
    );
  });
});
