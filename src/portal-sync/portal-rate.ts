/**
 * How fast and in which order the outbox drains to the national portal. Pure: the worker and the
 * sweep read the configuration and call these.
 * - The rate is BullMQ's limiter on the portal queue (kept in Redis, so it holds across every worker
 *   replica): one dossier every 1000/rate ms, evenly spaced rather than in bursts, up to 20 a second;
 *   above that, `rate` per one-second window (a window shorter than 50 ms would make the limiter's
 *   own Redis round trip the bound).
 * - Priorities: BullMQ takes lower numbers first; live changes outrank imported history.
 * - The sweep hands the worker at most two sweep intervals' worth of dossiers at the rate: the rest
 *   stays in Postgres (the outbox is the queue of record), so Redis never holds a year of history.
 */
import type { RateLimiterOptions } from 'bullmq';
import { CronTime } from 'cron';

export const SYNC_PRIORITY = { live: 1, backfill: 10 } as const;

export function portalLimiter(perSecond: number): RateLimiterOptions | undefined {
  if (!(perSecond > 0)) return undefined;
  if (perSecond <= 20) return { max: 1, duration: Math.ceil(1000 / perSecond) };
  return { max: Math.floor(perSecond), duration: 1000 };
}

/** Milliseconds between two ticks of a cron expression (the first two from now). */
export function cronIntervalMs(cron: string, timeZone: string): number {
  const [a, b] = new CronTime(cron, timeZone).sendAt(2);
  return b.toMillis() - a.toMillis();
}

/** Dossiers one sweep hands to the worker at most (Infinity without a rate limit). */
export function sweepBudget(perSecond: number, intervalMs: number): number {
  if (!(perSecond > 0)) return Infinity;
  return Math.max(100, Math.ceil(((perSecond * intervalMs) / 1000) * 2));
}

/** Seconds the dossiers waiting need at the rate (null without a limit). */
export function drainSeconds(pending: number, perSecond: number): number | null {
  return perSecond > 0 ? Math.ceil(pending / perSecond) : null;
}
