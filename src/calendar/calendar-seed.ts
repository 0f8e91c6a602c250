import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CALENDAR_MESSAGES as M } from 'src/calendar/calendar.messages';
import { CALENDAR_FROM_YEAR, CALENDAR_TO_YEAR } from 'src/calendar/calendar-rules';
import type { DayKind } from 'src/calendar/calendar-day.entity';
import { calendarFromHolidayFile, WorkingCalendar } from 'src/calendar/working-time';
import { VN_OFFSET_MINUTES } from 'src/common/time';

/** Relative to the project root (the directory holding config/, whether run from src/ or dist/src/). */
export const CALENDAR_SEED_FILE = 'config/calendars/vn-public-holidays.json';

export interface CalendarSeed {
  source: string;
  weekdays: number[];
  periods: [string, string][];
  days: { date: string; kind: DayKind; name: string; source: string | null }[];
  /** Years whose plan the Government decided: their days in the file are complete and official. */
  years: { year: number; source: string }[];
}

/** Finds the seed file by walking up from this module (src/calendar or dist/src/calendar). */
export function findSeedFile(from = __dirname): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, CALENDAR_SEED_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(M.seedMissing(CALENDAR_SEED_FILE));
}

/** Reads and checks the holiday file; a bad file stops the start rather than seeding a wrong calendar. */
export function readCalendarSeed(path = findSeedFile()): CalendarSeed {
  const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const def = calendarFromHolidayFile(json, VN_OFFSET_MINUTES);
  // Checks weekdays, periods, dates and kinds (throws with the reason).
  WorkingCalendar.build(def, { fromYear: CALENDAR_FROM_YEAR, toYear: CALENDAR_TO_YEAR });
  const rawDays = (json as { days: { name?: unknown; source?: unknown }[] }).days;
  const days = def.exceptions.map((e, i) => {
    const name = rawDays[i]?.name;
    const source = rawDays[i]?.source;
    return {
      date: e.date,
      kind: e.kind,
      name: typeof name === 'string' && name.trim() ? name.trim() : e.kind,
      source: typeof source === 'string' && source.trim() ? source.trim() : null,
    };
  });
  const dates = new Set(days.map((d) => d.date));
  if (dates.size !== days.length) throw new Error(`${path}: a date is listed twice`);
  const rawYears = (json as { years?: unknown }).years ?? [];
  if (!Array.isArray(rawYears)) throw new Error(`${path}: "years" must be an array`);
  const years = rawYears.map((y: unknown, i) => {
    const { year, status, source } = (y ?? {}) as { year?: unknown; status?: unknown; source?: unknown };
    if (!Number.isInteger(year) || (year as number) < CALENDAR_FROM_YEAR || (year as number) > CALENDAR_TO_YEAR) {
      throw new Error(`${path}: years[${i}].year must be a year within ${CALENDAR_FROM_YEAR}–${CALENDAR_TO_YEAR}`);
    }
    if (status !== 'official' || typeof source !== 'string' || !source.trim()) {
      throw new Error(`${path}: years[${i}] needs status "official" and the deciding documents as "source"`);
    }
    return { year: year as number, source: source.trim() };
  });
  return {
    years,
    source: CALENDAR_SEED_FILE,
    weekdays: [...def.workingHours.weekdays].sort((a, b) => a - b),
    periods: def.workingHours.periods,
    days,
  };
}
