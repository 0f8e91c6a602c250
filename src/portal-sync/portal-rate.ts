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
 * - A portal that answers 429 (or 503) pauses the whole queue for its Retry-After: the pause is the
 *   same Redis limiter key (BullMQ's manual rate limit), so every replica and every job stops taking
 *   work until it expires. BullMQ only looks at that key when the worker has a limiter: without a
 *   rate (0) the queue still gets one, wide enough never to bind.
 */
import type { RateLimiterOptions } from 'bullmq';
import { CronTime } from 'cron';

export const SYNC_PRIORITY = { live: 1, backfill: 10 } as const;

/** The limiter of a queue without a rate: never reached, but it makes BullMQ honour a pause. */
export const UNLIMITED: RateLimiterOptions = { max: 1_000_000, duration: 1000 };

export function portalLimiter(perSecond: number): RateLimiterOptions {
  if (!(perSecond > 0)) return UNLIMITED;
  if (perSecond <= 20) return { max: 1, duration: Math.ceil(1000 / perSecond) };
  return { max: Math.floor(perSecond), duration: 1000 };
}

/**
 * Milliseconds between two ticks of a cron expression (the first two from now). `off` (no tick: a
 * sweep runs only when something else enqueues it) counts as a minute, the default schedule.
 */
export function cronIntervalMs(cron: string, timeZone: string): number {
  if (cron === 'off') return 60_000;
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

/**
 * How long the portal asked us to wait, in ms, from its Retry-After header: delay-seconds ("120") or
 * an HTTP-date (measured from the answer's own Date header when it has one, so the two clocks need not
 * agree; else from `nowMs`). Absent or unreadable: `defaultMs`. Never more than `maxMs` (a portal
 * asking for a day would stall every dossier for a day), never less than a second.
 */
export function retryAfterMs(
  header: string | null | undefined,
  dateHeader: string | null | undefined,
  nowMs: number,
  defaultMs: number,
  maxMs: number,
): number {
  const bound = (ms: number) => Math.min(maxMs, Math.max(1000, Math.ceil(ms)));
  const value = header?.trim();
  if (!value) return bound(defaultMs);
  if (/^\d+$/.test(value)) return bound(Number(value) * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at) || !/[a-z]/i.test(value)) return bound(defaultMs);
  const sent = dateHeader ? Date.parse(dateHeader) : NaN;
  return bound(at - (Number.isNaN(sent) ? nowMs : sent));
}
