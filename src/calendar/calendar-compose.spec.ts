import fc from 'fast-check';
import { composeCalendar, ComposeInput } from 'src/calendar/calendar-compose';
import { generateYear } from 'src/calendar/holiday-rules';
import { WorkingCalendar } from 'src/calendar/working-time';

const HOURS = {
  effectiveFrom: '2000-01-01',
  weekdays: [1, 2, 3, 4, 5],
  periods: [
    ['07:30', '11:30'],
    ['13:00', '17:00'],
  ] as [string, string][],
};
const OFFICIAL_2026: ComposeInput['days'] = [{ date: '2026-02-16', kind: 'holiday', name: 'Tết Nguyên đán Bính Ngọ' }];

function build(days = OFFICIAL_2026, years: ComposeInput['years'] = [{ year: 2026, status: 'official' }]) {
  const composed = composeCalendar({ utcOffsetMinutes: 420, hours: [HOURS], days, years }, 2000, 2100);
  return { composed, calendar: WorkingCalendar.build(composed.definition, { fromYear: 2000, toYear: 2100 }) };
}

describe('the composed calendar (stored days, and the rules for years with no stored plan)', () => {
  const { composed, calendar } = build();

  it("counts the rules' days for years with no stored plan, and only the stored days for a planned year", () => {
    for (const d of generateYear(2027)) expect(calendar.isWorkingDay(d.date)).toBe(d.kind === 'working');
    expect(calendar.isWorkingDay('2030-02-04')).toBe(false); // Tết Canh Tuất (generated)
    // 2026 has a stored plan: only its stored day counts, none generated.
    expect(calendar.isWorkingDay('2026-02-16')).toBe(false);
    expect(calendar.isWorkingDay('2026-02-17')).toBe(true);
    expect(composed.names.get('2027-01-01')).toBe('Tết Dương lịch');
  });

  it('marks every year without an official plan provisional', () => {
    expect(composed.provisionalYears).toContain(2027);
    expect(composed.provisionalYears).not.toContain(2026);
    expect(composed.provisionalYears).toHaveLength(100);
    expect(
      calendar.crossesProvisional(new Date('2026-12-31T08:00:00+07:00'), new Date('2027-01-04T08:00:00+07:00')),
    ).toBe(true);
  });

  it("keeps an administrator's day of an unplanned year over the rules' day", () => {
    const { calendar: edited } = build([...OFFICIAL_2026, { date: '2027-02-04', kind: 'working', name: 'Đi làm' }]);
    expect(calendar.isWorkingDay('2027-02-04')).toBe(false);
    expect(edited.isWorkingDay('2027-02-04')).toBe(true);
  });

  it('adds working time and measures it back to the same amount across the generated years (fixed seed)', () => {
    const from = Date.parse('2000-01-01T00:00:00+07:00');
    const span = Date.parse('2099-06-01T00:00:00+07:00') - from;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: span }), fc.integer({ min: 1, max: 480 * 60 }), (offset, minutes) => {
        const start = calendar.clockStart(new Date(from + offset));
        const due = calendar.addWorkingMinutes(start, minutes);
        expect(calendar.workingMinutesBetween(start, due)).toBe(minutes);
        expect(calendar.isWorkingDay(calendar.localDate(new Date(due.getTime() - 1)))).toBe(true);
      }),
      { seed: 20270206, numRuns: 2000 },
    );
  });
});
