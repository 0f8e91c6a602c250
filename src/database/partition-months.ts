import { VN_OFFSET_MINUTES } from 'src/common/time';

const OFFSET_MS = VN_OFFSET_MINUTES * 60_000;

/**
 * Months of the partitioned tables are local months (Asia/Ho_Chi_Minh, UTC+7 all year): the
 * instant at which the month `k` months after the one holding `at` begins.
 */
export function localMonthStart(at: Date, k = 0): Date {
  const local = new Date(at.getTime() + OFFSET_MS);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + k, 1) - OFFSET_MS);
}

/** The months the worker keeps created: the current one and `ahead` after it. */
export function monthsToCreate(now: Date, ahead: number): Date[] {
  return Array.from({ length: ahead + 1 }, (_, k) => localMonthStart(now, k));
}

/**
 * The retention cutoff: a ledger partition whose whole month ends at or before it is dropped, so
 * the current month and the `months` full months before it are kept. Null when retention is off (0).
 */
export function retentionCutoff(now: Date, months: number): Date | null {
  return months > 0 ? localMonthStart(now, -months) : null;
}
