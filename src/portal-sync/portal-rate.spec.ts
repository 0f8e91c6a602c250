import {
  cronIntervalMs,
  drainSeconds,
  portalLimiter,
  retryAfterMs,
  sweepBudget,
  SYNC_PRIORITY,
  UNLIMITED,
} from 'src/portal-sync/portal-rate';

describe('the portal outbox rate', () => {
  it('spaces dossiers evenly up to 20 a second, then counts them per second; 0 means no limit', () => {
    // No rate: a limiter that never binds (BullMQ needs one to honour a pause).
    expect(portalLimiter(0)).toBe(UNLIMITED);
    expect(UNLIMITED.max).toBeLessThan(Number.MAX_SAFE_INTEGER);
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
    expect(cronIntervalMs('off', 'Asia/Ho_Chi_Minh')).toBe(60_000);
    expect(sweepBudget(10, 60_000)).toBe(1200);
    expect(sweepBudget(0.5, 60_000)).toBe(100);
    expect(sweepBudget(0, 60_000)).toBe(Infinity);
  });

  it('ranks live changes before imported history, and tells how long the backlog needs', () => {
    expect(SYNC_PRIORITY.live).toBeLessThan(SYNC_PRIORITY.backfill);
    expect(drainSeconds(100_000, 10)).toBe(10_000);
    expect(drainSeconds(5, 0)).toBeNull();
  });

  it('reads Retry-After as seconds or an HTTP-date, with a default when absent and a cap', () => {
    const now = Date.parse('2026-03-20T02:00:00Z');
    expect(retryAfterMs('120', null, now, 30_000, 600_000)).toBe(120_000);
    expect(retryAfterMs(' 2 ', null, now, 30_000, 600_000)).toBe(2000);
    expect(retryAfterMs(undefined, null, now, 30_000, 600_000)).toBe(30_000);
    expect(retryAfterMs('', null, now, 30_000, 600_000)).toBe(30_000);
    expect(retryAfterMs('soon', null, now, 30_000, 600_000)).toBe(30_000);
    expect(retryAfterMs('-5', null, now, 30_000, 600_000)).toBe(30_000);
    // Capped, and never under a second (0 would mean "no pause" to the limiter).
    expect(retryAfterMs('86400', null, now, 30_000, 600_000)).toBe(600_000);
    expect(retryAfterMs('0', null, now, 30_000, 600_000)).toBe(1000);
    // An HTTP-date: from the answer's Date header when present, else from now.
    expect(retryAfterMs('Fri, 20 Mar 2026 02:01:30 GMT', null, now, 30_000, 600_000)).toBe(90_000);
    expect(retryAfterMs('Fri, 20 Mar 2026 02:01:30 GMT', 'Fri, 20 Mar 2026 02:01:00 GMT', now, 30_000, 600_000)).toBe(
      30_000,
    );
    expect(retryAfterMs('Fri, 20 Mar 2026 01:00:00 GMT', null, now, 30_000, 600_000)).toBe(1000);
  });
});
