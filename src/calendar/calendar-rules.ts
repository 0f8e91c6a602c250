// Pure checks on calendar input (no framework imports), shared by the DTO validators and the service.
import { CALENDAR_MESSAGES as M } from 'src/calendar/calendar.messages';

/** The range of years every built calendar covers; dates and deadlines outside it are refused. */
export const CALENDAR_FROM_YEAR = 2000;
export const CALENDAR_TO_YEAR = 2100;
/** Longest span GET /calendar/days answers in one call. */
export const MAX_RANGE_YEARS = 10;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CLOCK_RE = /^(\d{2}):(\d{2})$/;

/** A real calendar date in YYYY-MM-DD (2026-02-30 is refused). */
export function isRealDate(value: unknown): value is string {
  const m = typeof value === 'string' ? DATE_RE.exec(value) : null;
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = new Date(Date.UTC(y, mo - 1, d));
  return utc.getUTCFullYear() === y && utc.getUTCMonth() === mo - 1 && utc.getUTCDate() === d;
}

/** A real date within the years the calendar covers. */
export function isCalendarDate(value: unknown): value is string {
  if (!isRealDate(value)) return false;
  const year = Number(value.slice(0, 4));
  return year >= CALENDAR_FROM_YEAR && year <= CALENDAR_TO_YEAR;
}

/** The same month and day `years` later (29 February falls back to the 28th). */
export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const target = new Date(Date.UTC(y + years, m - 1, d));
  if (target.getUTCDate() !== d) target.setUTCDate(0);
  return target.toISOString().slice(0, 10);
}

/** The date `days` later (or earlier). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Minutes since midnight for "HH:MM"; "24:00" only as an end. Null when malformed. */
export function clockMinutes(value: unknown, allowEndOfDay: boolean): number | null {
  const m = typeof value === 'string' ? CLOCK_RE.exec(value) : null;
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min >= 60) return null;
  if (h < 24 || (allowEndOfDay && h === 24 && min === 0)) return h * 60 + min;
  return null;
}

/** The first problem with a list of working periods, or null when it is valid. */
export function workingPeriodsProblem(periods: unknown): string | null {
  if (!Array.isArray(periods) || periods.length === 0) return M.periodsEmpty;
  let previousEnd = -1;
  for (const p of periods) {
    if (!Array.isArray(p) || p.length !== 2) return M.periodShape;
    const start = clockMinutes(p[0], false);
    const end = clockMinutes(p[1], true);
    if (start === null || end === null) return M.clockFormat;
    if (end <= start) return M.periodOrder;
    if (start < previousEnd) return M.periodsOverlap;
    previousEnd = end;
  }
  return null;
}

/** Weekdays: 1..7, unique, at least one. */
export function weekdaysProblem(weekdays: unknown): string | null {
  if (!Array.isArray(weekdays) || weekdays.length === 0 || weekdays.length > 7) return M.weekdays;
  const seen = new Set<number>();
  for (const w of weekdays) {
    if (!Number.isInteger(w) || w < 1 || w > 7 || seen.has(w)) return M.weekdays;
    seen.add(w);
  }
  return null;
}
