import { calendarFromHolidayFile, WorkingCalendar } from 'src/calendar/working-time';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRITERIA, feedbackDueAt, isWellFormedCode, summarizeRatings } from 'src/public/citizen-rules';
import { CITIZEN_MESSAGES } from 'src/public/citizens.messages';
import { publicLookupUrl } from 'src/public/public-lookup-url';

const at = (local: string) => new Date(`${local}+07:00`);

describe('feedback deadline', () => {
  const calendar = WorkingCalendar.build(
    calendarFromHolidayFile(
      JSON.parse(readFileSync(join(__dirname, '../../config/calendars/vn-public-holidays.json'), 'utf8')),
    ),
    { fromYear: 2025, toYear: 2026 },
  );

  it('is 15 working days (120 working hours) from lodging, skipping Tết', () => {
    // Fri 13/02 10:00: 5.5 h that day, Tết 14-22/02, then 14 days of 8 h and 2.5 h on Fri 13/03.
    expect(feedbackDueAt(calendar, at('2026-02-13T10:00:00')).toISOString()).toBe(
      at('2026-03-13T10:00:00').toISOString(),
    );
  });

  it('starts the clock at the next working instant when lodged outside working hours', () => {
    // Sat 07/03 → Mon 09/03 07:30; 15 full days → Mon 30/03 07:30 is the instant 120 h have elapsed: Fri 27/03 17:00.
    expect(feedbackDueAt(calendar, at('2026-03-07T20:00:00')).toISOString()).toBe(
      at('2026-03-27T17:00:00').toISOString(),
    );
  });
});

describe('dossier codes in public paths', () => {
  it('accepts generated and imported codes and refuses what cannot be a code', () => {
    expect(isWellFormedCode('H15.50-260213-0007')).toBe(true);
    expect(isWellFormedCode('HS 2025/001 Đà Nẵng')).toBe(true);
    expect(isWellFormedCode('')).toBe(false);
    expect(isWellFormedCode('x'.repeat(81))).toBe(false);
    expect(isWellFormedCode('H15\n50')).toBe(false);
    expect(isWellFormedCode(' H15.50-260213-0007')).toBe(false);
  });
});

describe('ratings summary', () => {
  it('averages each of the nine criteria and the total over the ratings, with English keys and Vietnamese labels', () => {
    const s = summarizeRatings({
      count: 3,
      sums: [6, 5, 4, 3, 2, 1, 0, 6, 4],
      verdicts: { very_satisfied: 1, satisfied: 1, dissatisfied: 1 },
    });
    expect(s.criteria.map((c) => c.key)).toEqual([...CRITERIA]);
    expect(s.criteria[0]).toEqual({
      key: 'total_time',
      label: CITIZEN_MESSAGES.criteria.total_time,
      sum: 6,
      average: 2,
    });
    expect(s.criteria[1].average).toBe(1.67);
    expect(s.criteria[6].average).toBe(0);
    expect(s.averageTotal).toBe(10.33);
  });

  it('has no averages without ratings', () => {
    const s = summarizeRatings({
      count: 0,
      sums: Array(9).fill(0),
      verdicts: { very_satisfied: 0, satisfied: 0, dissatisfied: 0 },
    });
    expect(s.averageTotal).toBeNull();
    expect(s.criteria.every((c) => c.average === null)).toBe(true);
  });
});

describe('public lookup address', () => {
  it('is the lookup page /tra-cuu/{code} under PUBLIC_BASE_URL, else on this service at localhost', () => {
    expect(
      publicLookupUrl({ PUBLIC_BASE_URL: 'https://dichvucong.hue.gov.vn/', PORT: 3000 }, 'H15.50-260213-0007'),
    ).toBe('https://dichvucong.hue.gov.vn/tra-cuu/H15.50-260213-0007');
    expect(publicLookupUrl({ PUBLIC_BASE_URL: undefined, PORT: 8080 }, 'HS 01/2025')).toBe(
      'http://localhost:8080/tra-cuu/HS%2001%2F2025',
    );
  });
});
