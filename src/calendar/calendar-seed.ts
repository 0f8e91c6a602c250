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
  days: { date: string; kind: DayKind; name: string }[];
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
  const rawDays = (json as { days: { name?: unknown }[] }).days;
  const days = def.exceptions.map((e, i) => {
    const name = rawDays[i]?.name;
    return { date: e.date, kind: e.kind, name: typeof name === 'string' && name.trim() ? name.trim() : e.kind };
  });
  const dates = new Set(days.map((d) => d.date));
  if (dates.size !== days.length) throw new Error(`${path}: a date is listed twice`);
  return {
    source: CALENDAR_SEED_FILE,
    weekdays: [...def.workingHours.weekdays].sort((a, b) => a - b),
    periods: def.workingHours.periods,
    days,
  };
}
