import { isRealDate, PeriodError, periodDates, resolvePeriod } from 'src/reports/periods';

describe('reporting periods', () => {
  it('gives calendar periods by default', () => {
    expect(periodDates('2026')).toEqual({ label: '2026', from: '2026-01-01', to: '2026-12-31' });
    expect(periodDates('2026-H2')).toMatchObject({ from: '2026-07-01', to: '2026-12-31' });
    expect(periodDates('2026-Q1')).toMatchObject({ from: '2026-01-01', to: '2026-03-31' });
    expect(periodDates('2024-02')).toMatchObject({ from: '2024-02-01', to: '2024-02-29' });
    expect(periodDates('2026-02')).toMatchObject({ from: '2026-02-01', to: '2026-02-28' });
  });

  it('follows the 15th-to-14th convention with cut-off day 15', () => {
    expect(periodDates('2026-03', 15)).toMatchObject({ from: '2026-02-15', to: '2026-03-14' });
    expect(periodDates('2026-Q1', 15)).toMatchObject({ from: '2025-12-15', to: '2026-03-14' });
    expect(periodDates('2026-H2', 15)).toMatchObject({ from: '2026-06-15', to: '2026-12-14' });
    expect(periodDates('2026', 15)).toMatchObject({ from: '2025-12-15', to: '2026-12-14' });
  });

  it('tiles the year without gaps or overlaps under any cut-off day', () => {
    for (const cutoff of [1, 15, 28]) {
      const months = Array.from({ length: 12 }, (_, i) =>
        periodDates(`2026-${String(i + 1).padStart(2, '0')}`, cutoff),
      );
      for (let i = 1; i < 12; i++) {
        const next = new Date(Date.parse(months[i - 1].to) + 86_400_000).toISOString().slice(0, 10);
        expect(months[i].from).toBe(next);
      }
      expect(months[0].from).toBe(periodDates('2026', cutoff).from);
      expect(months[11].to).toBe(periodDates('2026', cutoff).to);
    }
  });

  it('refuses malformed labels, dates and spans', () => {
    for (const bad of ['2026-Q5', '2026-13', '26', '2026-H3', '2026-1', 'x']) {
      expect(() => periodDates(bad)).toThrow(PeriodError);
    }
    expect(() => periodDates('2026', 29)).toThrow(PeriodError);
    expect(isRealDate('2026-02-29')).toBe(false);
    expect(isRealDate('2024-02-29')).toBe(true);
    expect(() => resolvePeriod({ from: '2026-02-01', to: '2026-01-01' }, 1)).toThrow(PeriodError);
    expect(() => resolvePeriod({ from: '2026-02-01' }, 1)).toThrow(PeriodError);
    expect(() => resolvePeriod({ period: '2026', from: '2026-01-01', to: '2026-01-02' }, 1)).toThrow(PeriodError);
    expect(() => resolvePeriod({ from: '2020-01-01', to: '2026-01-01' }, 1)).toThrow(PeriodError);
    expect(resolvePeriod({ from: '2026-01-05', to: '2026-01-05' }, 1)).toEqual({
      label: '2026-01-05..2026-01-05',
      from: '2026-01-05',
      to: '2026-01-05',
    });
  });
});
