import { cronIntervalMs, drainSeconds, portalLimiter, sweepBudget, SYNC_PRIORITY } from 'src/portal-sync/portal-rate';

describe('the portal outbox rate', () => {
  it('spaces dossiers evenly up to 20 a second, then counts them per second; 0 means no limit', () => {
    expect(portalLimiter(0)).toBeUndefined();
    expect(portalLimiter(1)).toEqual({ max: 1, duration: 1000 });
    expect(portalLimiter(0.5)).toEqual({ max: 1, duration: 2000 });
    // 1000 / 3 rounds up: never faster than asked.
    expect(portalLimiter(3)).toEqual({ max: 1, duration: 334 });
    expect(portalLimiter(20)).toEqual({ max: 1, duration: 50 });
    expect(portalLimiter(50.5)).toEqual({ max: 50, duration: 1000 });
  });

  it('hands the worker two sweep intervals of work at the rate, at least 100, everything without a limit', () => {
    expect(cronIntervalMs('* * * * *', 'Asia/Ho_Chi_Minh')).toBe(60_000);
    expect(cronIntervalMs('*/5 * * * *', 'Asia/Ho_Chi_Minh')).toBe(300_000);
    expect(sweepBudget(10, 60_000)).toBe(1200);
    expect(sweepBudget(0.5, 60_000)).toBe(100);
    expect(sweepBudget(0, 60_000)).toBe(Infinity);
  });

  it('ranks live changes before imported history, and tells how long the backlog needs', () => {
    expect(SYNC_PRIORITY.live).toBeLessThan(SYNC_PRIORITY.backfill);
    expect(drainSeconds(100_000, 10)).toBe(10_000);
    expect(drainSeconds(5, 0)).toBeNull();
  });
});
