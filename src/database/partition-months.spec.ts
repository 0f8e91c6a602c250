import { localMonthStart, monthsToCreate, retentionCutoff } from './partition-months';

describe('partition months (local, UTC+7)', () => {
  it('starts a month at local midnight of its first day, also in the last hours of a UTC month', () => {
    // 31 Dec 2026 18:00 UTC is already 1 January 2027 01:00 in Hà Nội.
    expect(localMonthStart(new Date('2026-12-31T18:00:00Z')).toISOString()).toBe('2026-12-31T17:00:00.000Z');
    expect(localMonthStart(new Date('2026-12-31T16:59:59Z')).toISOString()).toBe('2026-11-30T17:00:00.000Z');
  });

  it('creates the current month and three ahead, across a year', () => {
    expect(monthsToCreate(new Date('2026-11-15T03:00:00Z'), 3).map((d) => d.toISOString())).toEqual([
      '2026-10-31T17:00:00.000Z',
      '2026-11-30T17:00:00.000Z',
      '2026-12-31T17:00:00.000Z',
      '2027-01-31T17:00:00.000Z',
    ]);
  });

  it('keeps the current month and the N full months before it, and nothing is dropped at 0', () => {
    expect(retentionCutoff(new Date('2027-03-10T00:00:00Z'), 12)?.toISOString()).toBe('2026-02-28T17:00:00.000Z');
    expect(retentionCutoff(new Date('2027-03-10T00:00:00Z'), 1)?.toISOString()).toBe('2027-01-31T17:00:00.000Z');
    expect(retentionCutoff(new Date('2027-03-10T00:00:00Z'), 0)).toBeNull();
  });
});
