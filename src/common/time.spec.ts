import fc from 'fast-check';
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

describe('instant formatting against toISOString', () => {
  /** The formatting as it was: toISOString of the shifted instant, its fraction dropped when zero. */
  const reference = (d: Date): string => {
    const local = new Date(d.getTime() + 420 * 60_000).toISOString();
    const end = local.length - 5;
    const ms = local.slice(end, end + 4) === '.000' ? '' : local.slice(end, end + 4);
    return `${local.slice(0, end)}${ms}+07:00`;
  };

  it('gives the same text for any instant, milliseconds and years beyond 9999 included', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          // Years 1000-9999 mostly (the formatted path), any valid instant too (the fallback).
          { arbitrary: fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31) }), weight: 4 },
          { arbitrary: fc.integer({ min: Date.UTC(1969, 0, 1), max: Date.UTC(2100, 0, 1) }), weight: 4 },
          { arbitrary: fc.integer({ min: -8.64e15 + 25_200_000, max: 8.64e15 - 25_200_000 }), weight: 1 },
        ),
        (t) => {
          const d = new Date(t);
          return toLocalIso(d) === reference(d);
        },
      ),
      { numRuns: 20_000, seed: 18 },
    );
    for (const iso of ['0999-12-31T16:59:59.999Z', '1969-12-31T17:00:00.001Z', '9999-12-31T16:59:59.010Z']) {
      expect(toLocalIso(new Date(iso))).toBe(reference(new Date(iso)));
    }
  });

  it('throws on an invalid date as toISOString does', () => {
    expect(() => toLocalIso(new Date(NaN))).toThrow(RangeError);
  });
});
