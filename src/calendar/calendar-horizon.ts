// Pure: how far the confirmed calendar reaches, and when to warn (docs/domain.md, "Never run out").
import { CALENDAR_MESSAGES as M } from 'src/calendar/calendar.messages';

export interface HorizonWarning {
  code: 'CALENDAR_HORIZON';
  message: string;
}

export interface CalendarHorizon {
  /** Last local date of the unbroken run of official years starting this year; null when this year is not official. */
  confirmedUntil: string | null;
  /** Whole days from today to confirmedUntil (0 when none). */
  daysLeft: number;
  nextYearStatus: 'official' | 'provisional';
  warnings: HorizonWarning[];
}

/** Warn this many days before the confirmed calendar ends. */
export const HORIZON_WARNING_DAYS = 90;
/** From this month on, a provisional next year is a warning (the Government usually decides in October). */
export const NEXT_YEAR_WARNING_MONTH = 10;

const DAY_MS = 86_400_000;

export function calendarHorizon(
  today: string,
  years: { year: number; status: 'official' | 'provisional' }[],
): CalendarHorizon {
  const official = new Set(years.filter((y) => y.status === 'official').map((y) => y.year));
  const year = Number(today.slice(0, 4));
  let last = year - 1;
  while (official.has(last + 1)) last++;
  const confirmedUntil = last >= year ? `${last}-12-31` : null;
  const daysLeft = confirmedUntil === null ? 0 : Math.round((Date.parse(confirmedUntil) - Date.parse(today)) / DAY_MS);
  const nextYearStatus = official.has(year + 1) ? 'official' : 'provisional';
  const warnings: HorizonWarning[] = [];
  if (nextYearStatus === 'provisional' && Number(today.slice(5, 7)) >= NEXT_YEAR_WARNING_MONTH) {
    warnings.push({ code: 'CALENDAR_HORIZON', message: M.horizonNextYear(year + 1) });
  }
  if (confirmedUntil === null) {
    warnings.push({ code: 'CALENDAR_HORIZON', message: M.horizonNone });
  } else if (daysLeft < HORIZON_WARNING_DAYS) {
    warnings.push({ code: 'CALENDAR_HORIZON', message: M.horizonSoon(confirmedUntil, daysLeft) });
  }
  return { confirmedUntil, daysLeft, nextYearStatus, warnings };
}
