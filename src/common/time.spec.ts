import { localDate, parseInstant, toLocalIso } from './time';

describe('instant formatting', () => {
  it('formats instants with the +07:00 offset of Asia/Ho_Chi_Minh', () => {
    expect(toLocalIso(new Date('2026-02-25T03:00:00Z'))).toBe('2026-02-25T10:00:00+07:00');
    expect(toLocalIso(new Date('2026-12-31T17:30:00.250Z'))).toBe('2027-01-01T00:30:00.250+07:00');
    expect(toLocalIso(null)).toBeNull();
  });

  it('gives the local calendar date, which differs from UTC after 17:00 UTC', () => {
    expect(localDate(new Date('2026-01-09T17:00:00Z'))).toBe('2026-01-10');
  });

  it('refuses instants without an offset', () => {
    expect(() => parseInstant('2026-02-13T10:00:00', 'start')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ field: 'start' })] }),
    );
    expect(parseInstant('2026-02-13T10:00:00+07:00', 'start').toISOString()).toBe('2026-02-13T03:00:00.000Z');
  });
});
