// Working-time arithmetic for administrative deadlines (docs/domain.md, "Working time").
// Pure: no framework imports. All date math is done on epoch milliseconds shifted by the
// calendar's fixed UTC offset, so results never depend on the process time zone.

export type TimeLimitUnit = 'working_days' | 'working_hours' | 'calendar_days';

export interface TimeLimit {
  amount: number;
  unit: TimeLimitUnit;
}

export interface WorkingHours {
  /** ISO weekdays, 1 = Monday .. 7 = Sunday. */
  weekdays: number[];
  /** Local "HH:MM" pairs, sorted and non-overlapping; an end may be "24:00". */
  periods: [string, string][];
}

export interface CalendarException {
  /** Local date, YYYY-MM-DD. */
  date: string;
  kind: 'holiday' | 'working';
}

/** Working hours in force from a local date (inclusive) until the next entry's date. */
export interface HoursScheduleEntry extends WorkingHours {
  /** Local date, YYYY-MM-DD. */
  effectiveFrom: string;
}

export interface CalendarDefinition {
  /** 420 for Asia/Ho_Chi_Minh (no daylight saving). */
  utcOffsetMinutes: number;
  /** In force before the first `hoursSchedule` entry (and alone without a schedule). */
  workingHours: WorkingHours;
  exceptions: CalendarException[];
  /** Seasonal office hours, sorted by `effectiveFrom` (unique dates). */
  hoursSchedule?: HoursScheduleEntry[];
  /** Years whose exceptions were computed from the rules, not yet published officially. */
  provisionalYears?: number[];
}

export type ClockStartReason = 'in_hours' | 'after_hours' | 'lunch_break' | 'non_working_day' | 'intake_cutoff';

export interface WorkingSegment {
  from: Date;
  to: Date;
  ms: number;
}

export interface NonWorkingDay {
  /** Local date, YYYY-MM-DD. */
  date: string;
  reason: 'weekend' | 'holiday';
}

export const MINUTE_MS = 60_000;
/** A standard working day is 8 working hours, whatever the calendar's periods add up to. */
export const WORKING_DAY_MINUTES = 480;
/** workingSegments refuses to produce more segments than this (RangeError). */
export const MAX_WORKING_SEGMENTS = 20_000;
/** nonWorkingDays refuses spans longer than this many days (RangeError). */
export const MAX_NON_WORKING_DAYS_SPAN = 3_700;

const DAY_MS = 86_400_000;
const DEFAULT_FROM_YEAR = 2000;
const DEFAULT_TO_YEAR = 2100;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CLOCK_RE = /^(\d{2}):(\d{2})$/;

/** Minutes since local midnight for "HH:MM"; "24:00" only when `allowEndOfDay`. */
function parseClock(value: unknown, what: string, allowEndOfDay: boolean): number {
  const m = typeof value === 'string' ? CLOCK_RE.exec(value) : null;
  if (m) {
    const h = Number(m[1]);
    const min = Number(m[2]);
    if (min < 60 && (h < 24 || (allowEndOfDay && h === 24 && min === 0))) return h * 60 + min;
  }
  const max = allowEndOfDay ? '24:00' : '23:59';
  throw new Error(`Invalid ${what} ${JSON.stringify(value)}: expected "HH:MM" from 00:00 to ${max}`);
}

/** Days since 1970-01-01 for a YYYY-MM-DD string, or NaN when it is not a real date. */
function epochDayOf(date: unknown): number {
  const m = typeof date === 'string' ? DATE_RE.exec(date) : null;
  if (!m) return NaN;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const utc = new Date(Date.UTC(y, mo - 1, d));
  // Date.UTC rolls 2026-02-30 over to March and maps years < 100 to 19xx: reject both.
  if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== mo - 1 || utc.getUTCDate() !== d) {
    return NaN;
  }
  return utc.getTime() / DAY_MS;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function hhmm(minutes: number): string {
  return `${pad(Math.floor(minutes / 60), 2)}:${pad(minutes % 60, 2)}`;
}

interface ParsedHours {
  /** Indexed by ISO weekday 1..7. */
  isWeekday: boolean[];
  /** [start, end) in minutes since local midnight. */
  periods: [number, number][];
}

/** Validates weekdays and periods; `where` prefixes the messages of a schedule entry. */
function parseHours(hours: WorkingHours | undefined, where: string): ParsedHours {
  const pre = where ? `${where}: ` : '';
  const weekdays = hours?.weekdays;
  if (!Array.isArray(weekdays)) {
    throw new Error(`${pre}Working hours need a weekdays array (1=Mon..7=Sun)`);
  }
  const isWeekday = new Array<boolean>(8).fill(false);
  for (const w of weekdays) {
    if (!Number.isInteger(w) || w < 1 || w > 7) {
      throw new Error(`${pre}Invalid weekday ${JSON.stringify(w)}: expected an ISO weekday 1 (Mon)..7 (Sun)`);
    }
    if (isWeekday[w]) throw new Error(`${pre}Weekday ${w} is listed twice`);
    isWeekday[w] = true;
  }

  const rawPeriods = hours?.periods;
  if (!Array.isArray(rawPeriods) || rawPeriods.length === 0) {
    throw new Error(`${pre}Working hours need at least one period ["HH:MM", "HH:MM"]`);
  }
  const periods: [number, number][] = [];
  for (const p of rawPeriods) {
    if (!Array.isArray(p) || p.length !== 2) {
      throw new Error(`${pre}Invalid working period ${JSON.stringify(p)}: expected ["HH:MM", "HH:MM"]`);
    }
    let start: number;
    let end: number;
    try {
      start = parseClock(p[0], 'working period start', false);
      end = parseClock(p[1], 'working period end', true);
    } catch (err) {
      throw new Error(`${pre}${(err as Error).message}`, { cause: err });
    }
    if (end <= start) {
      throw new Error(`${pre}Invalid working period ${p[0]}–${p[1]}: the end must be after the start`);
    }
    const prev = periods[periods.length - 1];
    if (prev && start < prev[1]) {
      throw new Error(
        `${pre}Working periods must be sorted and must not overlap: ${p[0]}–${p[1]} starts before the previous period ends`,
      );
    }
    periods.push([start, end]);
  }
  return { isWeekday, periods };
}

/** ISO weekday (1 = Monday .. 7 = Sunday) of an epoch day; epoch day 0 was a Thursday. */
function isoWeekdayOf(epochDay: number): number {
  return ((((epochDay + 3) % 7) + 7) % 7) + 1;
}

interface Prepared {
  /** One per distinct set of periods (minutes since local midnight). */
  patterns: [number, number][][];
  /** Schedule segments in date order; the first (workingHours) starts at -Infinity. */
  segments: { fromEpochDay: number; isWeekday: boolean[]; pattern: number }[];
  exceptionKind: Map<number, CalendarException['kind']>;
  provisionalYears: number[];
}

export class WorkingCalendar {
  private readonly offsetMs: number;
  /** Epoch day of local 1 January of `fromYear`; day index 0 of every array below. */
  private readonly baseEpochDay: number;
  private readonly dayCount: number;
  /** Working minutes per day (0 = not a working day). */
  private readonly dayMinutes: Uint16Array;
  /** Index into the pattern table of the periods in force that day (working day or not). */
  private readonly dayPattern: Uint16Array;
  /** cumMs[d] = working milliseconds in days [0, d); length dayCount + 1. */
  private readonly cumMs: Float64Array;
  /** nextWorking[d] = first working day index >= d, or -1; length dayCount + 1. */
  private readonly nextWorking: Int32Array;
  // The distinct period sets, flattened: pattern p owns periods [patOff[p], patOff[p + 1]) of
  // periodStart/periodEnd (ms since local midnight) and periodCumEnd (working ms of the day
  // elapsed at each period end).
  private readonly patOff: Int32Array;
  private readonly periodStart: Int32Array;
  private readonly periodEnd: Int32Array;
  private readonly periodCumEnd: Int32Array;
  private readonly patternClocks: [string, string][][];
  private readonly exceptionKind: Map<number, CalendarException['kind']>;
  private readonly provisionalYears: number[];

  private constructor(
    readonly utcOffsetMinutes: number,
    readonly fromYear: number,
    readonly toYear: number,
    prepared: Prepared,
  ) {
    this.offsetMs = utcOffsetMinutes * MINUTE_MS;
    this.baseEpochDay = Date.UTC(fromYear, 0, 1) / DAY_MS;
    this.dayCount = Date.UTC(toYear + 1, 0, 1) / DAY_MS - this.baseEpochDay;
    this.exceptionKind = prepared.exceptionKind;
    this.provisionalYears = prepared.provisionalYears;

    const patterns = prepared.patterns;
    const total = patterns.reduce((n, p) => n + p.length, 0);
    this.patOff = new Int32Array(patterns.length + 1);
    this.periodStart = new Int32Array(total);
    this.periodEnd = new Int32Array(total);
    this.periodCumEnd = new Int32Array(total);
    const patternMinutes: number[] = [];
    let i = 0;
    for (let p = 0; p < patterns.length; p++) {
      this.patOff[p] = i;
      let dayWorkMinutes = 0;
      for (const [start, end] of patterns[p]) {
        dayWorkMinutes += end - start;
        this.periodStart[i] = start * MINUTE_MS;
        this.periodEnd[i] = end * MINUTE_MS;
        this.periodCumEnd[i] = dayWorkMinutes * MINUTE_MS;
        i++;
      }
      patternMinutes.push(dayWorkMinutes);
    }
    this.patOff[patterns.length] = i;
    this.patternClocks = patterns.map((ps) => ps.map(([s, e]): [string, string] => [hhmm(s), hhmm(e)]));

    const days = this.dayCount;
    this.dayMinutes = new Uint16Array(days);
    this.dayPattern = new Uint16Array(days);
    this.cumMs = new Float64Array(days + 1);
    const segments = prepared.segments;
    let seg = 0;
    for (let d = 0; d < days; d++) {
      const epochDay = this.baseEpochDay + d;
      while (seg + 1 < segments.length && segments[seg + 1].fromEpochDay <= epochDay) seg++;
      const { isWeekday, pattern } = segments[seg];
      const kind = this.exceptionKind.get(epochDay);
      const working = kind !== undefined ? kind === 'working' : isWeekday[isoWeekdayOf(epochDay)];
      const minutes = working ? patternMinutes[pattern] : 0;
      this.dayPattern[d] = pattern;
      this.dayMinutes[d] = minutes;
      this.cumMs[d + 1] = this.cumMs[d] + minutes * MINUTE_MS;
    }
    this.nextWorking = new Int32Array(days + 1);
    this.nextWorking[days] = -1;
    for (let d = days - 1; d >= 0; d--) {
      this.nextWorking[d] = this.dayMinutes[d] !== 0 ? d : this.nextWorking[d + 1];
    }
  }

  static build(def: CalendarDefinition, opts: { fromYear?: number; toYear?: number } = {}): WorkingCalendar {
    const fromYear = opts.fromYear ?? DEFAULT_FROM_YEAR;
    const toYear = opts.toYear ?? DEFAULT_TO_YEAR;
    if (!Number.isInteger(fromYear) || !Number.isInteger(toYear) || fromYear > toYear) {
      throw new Error(`Invalid calendar range ${fromYear}..${toYear}: expected integer years, from <= to`);
    }
    if (fromYear < 1000 || toYear > 9999) {
      throw new Error(`Invalid calendar range ${fromYear}..${toYear}: years must be within 1000..9999`);
    }
    const offset = def.utcOffsetMinutes;
    if (!Number.isInteger(offset) || Math.abs(offset) > 14 * 60) {
      throw new Error(`Invalid UTC offset ${offset}: expected whole minutes within ±840`);
    }

    const patterns: [number, number][][] = [];
    const patternKeys = new Map<string, number>();
    const patternOf = (periods: [number, number][]): number => {
      const key = periods.join(';');
      let p = patternKeys.get(key);
      if (p === undefined) {
        p = patterns.length;
        patterns.push(periods);
        patternKeys.set(key, p);
      }
      return p;
    };
    const base = parseHours(def.workingHours, '');
    const segments: Prepared['segments'] = [
      { fromEpochDay: -Infinity, isWeekday: base.isWeekday, pattern: patternOf(base.periods) },
    ];
    const schedule = def.hoursSchedule ?? [];
    if (!Array.isArray(schedule)) throw new Error('The hours schedule must be an array');
    for (const [i, entry] of schedule.entries()) {
      const fromEpochDay = epochDayOf(entry?.effectiveFrom);
      if (Number.isNaN(fromEpochDay)) {
        throw new Error(
          `Invalid hours schedule effectiveFrom ${JSON.stringify(entry?.effectiveFrom)} (entry ${i}): expected YYYY-MM-DD`,
        );
      }
      const prev = segments[segments.length - 1];
      if (fromEpochDay <= prev.fromEpochDay) {
        throw new Error(
          `The hours schedule must be sorted by effectiveFrom with unique dates: ${entry.effectiveFrom} (entry ${i}) does not come after the previous entry`,
        );
      }
      const hours = parseHours(entry, `Hours schedule from ${entry.effectiveFrom}`);
      segments.push({ fromEpochDay, isWeekday: hours.isWeekday, pattern: patternOf(hours.periods) });
    }

    if (!Array.isArray(def.exceptions)) throw new Error('Calendar exceptions must be an array');
    const exceptionKind = new Map<number, CalendarException['kind']>();
    for (const e of def.exceptions) {
      const epochDay = epochDayOf(e?.date);
      if (Number.isNaN(epochDay)) {
        throw new Error(`Invalid calendar exception date ${JSON.stringify(e?.date)}: expected YYYY-MM-DD`);
      }
      if (e.kind !== 'holiday' && e.kind !== 'working') {
        throw new Error(`Invalid calendar exception kind ${JSON.stringify(e.kind)} on ${e.date}`);
      }
      const seen = exceptionKind.get(epochDay);
      if (seen !== undefined && seen !== e.kind) {
        throw new Error(`Calendar exception ${e.date} is both a holiday and a working day`);
      }
      exceptionKind.set(epochDay, e.kind);
    }

    if (patterns.length > 0xffff) {
      throw new Error(`Too many distinct sets of working periods (${patterns.length}): at most 65,535`);
    }

    const provisional = def.provisionalYears ?? [];
    if (!Array.isArray(provisional)) throw new Error('Provisional years must be an array');
    for (const y of provisional) {
      if (!Number.isInteger(y) || y < 1000 || y > 9999) {
        throw new Error(`Invalid provisional year ${JSON.stringify(y)}: expected a year 1000..9999`);
      }
    }
    const provisionalYears = [...new Set(provisional)].sort((a, b) => a - b);

    return new WorkingCalendar(offset, fromYear, toYear, { patterns, segments, exceptionKind, provisionalYears });
  }

  isWorkingDay(date: string): boolean {
    return this.dayMinutes[this.dayIndexOfDate(date)] !== 0;
  }

  /** Inside [periodStart, periodEnd) of a working day, with that day's periods. */
  isWorkingInstant(t: Date): boolean {
    const ms = t.getTime();
    const d = this.dayIndexOf(ms);
    return this.dayMinutes[d] !== 0 && this.isInPeriod(d, this.msOfDay(ms, d));
  }

  /** The periods in force on that local date, [] when it is not a working day. */
  periodsOn(date: string): [string, string][] {
    const d = this.dayIndexOfDate(date);
    if (this.dayMinutes[d] === 0) return [];
    return this.patternClocks[this.dayPattern[d]].map(([s, e]): [string, string] => [s, e]);
  }

  /**
   * The reception instant snapped forward to the next working instant. With an intake cut-off,
   * a reception on a working day at or after the cut-off starts at the next working day's first
   * period start.
   */
  clockStart(receivedAt: Date, intakeCutoff?: string | null): Date {
    const cutoffMs = intakeCutoff == null ? Infinity : parseClock(intakeCutoff, 'intake cut-off', true) * MINUTE_MS;
    const t = receivedAt.getTime();
    const d = this.dayIndexOf(t);
    if (this.dayMinutes[d] !== 0) {
      const m = this.msOfDay(t, d);
      if (m < cutoffMs) {
        const p = this.dayPattern[d];
        for (let k = this.patOff[p], end = this.patOff[p + 1]; k < end; k++) {
          if (m < this.periodEnd[k]) {
            return m >= this.periodStart[k] ? new Date(t) : this.instantAt(d, this.periodStart[k]);
          }
        }
      }
    }
    const next = this.workingDayAfter(d);
    return this.instantAt(next, this.firstStartOf(next));
  }

  /** Why clockStart(receivedAt, intakeCutoff) is where it is (for explanations). */
  clockStartReason(receivedAt: Date, intakeCutoff?: string | null): ClockStartReason {
    const cutoffMs = intakeCutoff == null ? Infinity : parseClock(intakeCutoff, 'intake cut-off', true) * MINUTE_MS;
    const t = receivedAt.getTime();
    const d = this.dayIndexOf(t);
    if (this.dayMinutes[d] === 0) return 'non_working_day';
    const m = this.msOfDay(t, d);
    if (m >= cutoffMs) return 'intake_cutoff';
    const p = this.dayPattern[d];
    const first = this.patOff[p];
    const last = this.patOff[p + 1] - 1;
    if (m < this.periodStart[first] || m >= this.periodEnd[last]) return 'after_hours';
    return this.isInPeriod(d, m) ? 'in_hours' : 'lunch_break';
  }

  addWorkingMinutes(start: Date, minutes: number): Date {
    checkAmount(minutes, 'working minutes');
    // Rounding to whole ms absorbs float noise such as 0.1 * 60000.
    return this.addWorkingMs(start, Math.round(minutes * MINUTE_MS));
  }

  /**
   * Earliest instant at which `ms` working milliseconds have elapsed since `start`; when the
   * amount is used up exactly at a period end, that end (e.g. 11:30 or 17:00) is the answer.
   */
  addWorkingMs(start: Date, ms: number): Date {
    checkAmount(ms, 'working milliseconds');
    const t = start.getTime();
    const d = this.dayIndexOf(t);
    if (ms === 0) return new Date(t);
    return this.instantAtPosition(d, this.positionMs(t, d) + Math.ceil(ms));
  }

  /** Working time in [a, b); 0 when b <= a. */
  workingMsBetween(a: Date, b: Date): number {
    const ta = a.getTime();
    const tb = b.getTime();
    const da = this.dayIndexOf(ta);
    const db = this.dayIndexOf(tb);
    return tb <= ta ? 0 : this.positionMs(tb, db) - this.positionMs(ta, da);
  }

  workingMinutesBetween(a: Date, b: Date): number {
    return Math.floor(this.workingMsBetween(a, b) / MINUTE_MS);
  }

  /**
   * The maximal runs of working time in [from, to), one per working period of a day, in order;
   * their ms add up to workingMsBetween(from, to). RangeError beyond MAX_WORKING_SEGMENTS.
   */
  workingSegments(from: Date, to: Date): WorkingSegment[] {
    const ta = from.getTime();
    const tb = to.getTime();
    const da = this.dayIndexOf(ta);
    const db = this.dayIndexOf(tb);
    const out: WorkingSegment[] = [];
    if (tb <= ta) return out;
    for (let d = this.nextWorking[da]; d >= 0 && d <= db; d = this.nextWorking[d + 1]) {
      const p = this.dayPattern[d];
      for (let k = this.patOff[p], end = this.patOff[p + 1]; k < end; k++) {
        const s = Math.max(ta, this.instantMs(d, this.periodStart[k]));
        const e = Math.min(tb, this.instantMs(d, this.periodEnd[k]));
        if (e <= s) continue;
        if (out.length === MAX_WORKING_SEGMENTS) {
          throw new RangeError(
            `More than ${MAX_WORKING_SEGMENTS} working segments between ${from.toISOString()} and ${to.toISOString()}`,
          );
        }
        out.push({ from: new Date(s), to: new Date(e), ms: e - s });
      }
    }
    return out;
  }

  /**
   * The local dates in [fromDate, toDate] that are not working days: 'holiday' when an exception
   * made it so, 'weekend' when the weekday pattern in force did. RangeError beyond
   * MAX_NON_WORKING_DAYS_SPAN days.
   */
  nonWorkingDays(fromDate: string, toDate: string): NonWorkingDay[] {
    const da = this.dayIndexOfDate(fromDate);
    const db = this.dayIndexOfDate(toDate);
    if (db - da + 1 > MAX_NON_WORKING_DAYS_SPAN) {
      throw new RangeError(
        `${fromDate}..${toDate} spans more than ${MAX_NON_WORKING_DAYS_SPAN} days: ask for a shorter span`,
      );
    }
    const out: NonWorkingDay[] = [];
    for (let d = da; d <= db; d++) {
      if (this.dayMinutes[d] !== 0) continue;
      const holiday = this.exceptionKind.get(this.baseEpochDay + d) === 'holiday';
      out.push({ date: this.dateOfIndex(d), reason: holiday ? 'holiday' : 'weekend' });
    }
    return out;
  }

  /** True when a local date from a's to b's (inclusive, either order) lies in a provisional year. */
  crossesProvisional(a: Date, b: Date): boolean {
    const ya = this.localYear(a.getTime());
    const yb = this.localYear(b.getTime());
    const lo = Math.min(ya, yb);
    const hi = Math.max(ya, yb);
    for (const y of this.provisionalYears) {
      if (y > hi) return false;
      if (y >= lo) return true;
    }
    return false;
  }

  dueAt(clockStart: Date, limit: TimeLimit): Date {
    const unit = limit.unit;
    switch (unit) {
      case 'working_hours':
        checkAmount(limit.amount, 'working hours');
        return this.addWorkingMs(clockStart, Math.round(limit.amount * 60 * MINUTE_MS));
      case 'working_days':
        checkAmount(limit.amount, 'working days');
        return this.addWorkingMs(clockStart, Math.round(limit.amount * WORKING_DAY_MINUTES * MINUTE_MS));
      case 'calendar_days':
        checkAmount(limit.amount, 'calendar days');
        this.dayIndexOf(clockStart.getTime()); // the start must be in range, as for other units
        return this.calendarDaysDue(clockStart.getTime() + Math.round(limit.amount * DAY_MS));
      default:
        throw new Error(`Unknown time limit unit ${JSON.stringify(unit satisfies never)}`);
    }
  }

  limitWorkingMinutes(limit: TimeLimit): number | null {
    const unit = limit.unit;
    switch (unit) {
      case 'working_hours':
        return limit.amount * 60;
      case 'working_days':
        return limit.amount * WORKING_DAY_MINUTES;
      case 'calendar_days':
        return null;
      default:
        throw new Error(`Unknown time limit unit ${JSON.stringify(unit satisfies never)}`);
    }
  }

  /** End of the last period of that local date, or null when it is not a working day. */
  endOfWorkingDay(date: string): Date | null {
    const d = this.dayIndexOfDate(date);
    return this.dayMinutes[d] !== 0 ? this.instantAt(d, this.lastEndOf(d)) : null;
  }

  /** YYYY-MM-DD of the instant in the calendar's offset. */
  localDate(t: Date): string {
    const ms = t.getTime();
    if (Number.isNaN(ms)) throw new RangeError('Invalid date');
    const local = new Date(ms + this.offsetMs);
    return `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1, 2)}-${pad(local.getUTCDate(), 2)}`;
  }

  /**
   * The calendar-days rule applied to an unsnapped instant (start + N x 24 h, shifted by pauses):
   * the dossier lifecycle keeps the raw instant and snaps it after each resumption.
   */
  snapCalendarDue(raw: Date): Date {
    return this.calendarDaysDue(raw.getTime());
  }

  // t = start + N x 24 h; outside working hours, the end of that day's working hours when it is
  // still ahead, else the end of the next working day's working hours.
  private calendarDaysDue(t: number): Date {
    const d = this.dayIndexOf(t);
    if (this.dayMinutes[d] !== 0) {
      const m = this.msOfDay(t, d);
      if (this.isInPeriod(d, m)) return new Date(t);
      const lastEnd = this.lastEndOf(d);
      if (m < lastEnd) return this.instantAt(d, lastEnd);
    }
    const next = this.workingDayAfter(d);
    return this.instantAt(next, this.lastEndOf(next));
  }

  /** Working ms from the start of the range up to instant t (on day index d). */
  private positionMs(t: number, d: number): number {
    let pos = this.cumMs[d];
    if (this.dayMinutes[d] === 0) return pos;
    const m = this.msOfDay(t, d);
    const p = this.dayPattern[d];
    for (let k = this.patOff[p], last = this.patOff[p + 1]; k < last; k++) {
      const start = this.periodStart[k];
      if (m <= start) break;
      const end = this.periodEnd[k];
      pos += (m < end ? m : end) - start;
    }
    return pos;
  }

  /** Earliest instant whose position reaches `target`; requires target > cumMs[fromDay]. */
  private instantAtPosition(fromDay: number, target: number): Date {
    const cum = this.cumMs;
    const last = this.dayCount;
    if (cum[last] < target) {
      throw new RangeError(
        `The deadline falls after the end of the working calendar range (${this.fromYear}–${this.toYear})`,
      );
    }
    // Smallest j in (fromDay, last] with cum[j] >= target: gallop from fromDay, then bisect.
    // Cost is O(log distance), never a walk over days.
    let lo = fromDay + 1;
    let hi = lo;
    let step = 1;
    while (cum[hi] < target) {
      lo = hi + 1;
      hi += step;
      if (hi > last) hi = last;
      step += step;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid] >= target) hi = mid;
      else lo = mid + 1;
    }
    const d = lo - 1;
    const rem = target - cum[d]; // in (0, working ms of day d]
    const cumEnd = this.periodCumEnd;
    let k = this.patOff[this.dayPattern[d]];
    while (rem > cumEnd[k]) k++;
    return this.instantAt(d, this.periodEnd[k] - (cumEnd[k] - rem));
  }

  private isInPeriod(d: number, m: number): boolean {
    const p = this.dayPattern[d];
    for (let k = this.patOff[p], last = this.patOff[p + 1]; k < last; k++) {
      if (m < this.periodEnd[k]) return m >= this.periodStart[k];
    }
    return false;
  }

  private firstStartOf(d: number): number {
    return this.periodStart[this.patOff[this.dayPattern[d]]];
  }

  private lastEndOf(d: number): number {
    return this.periodEnd[this.patOff[this.dayPattern[d] + 1] - 1];
  }

  private workingDayAfter(d: number): number {
    const next = this.nextWorking[d + 1];
    if (next < 0) {
      throw new RangeError(
        `No working day after ${this.dateOfIndex(d)} within the working calendar range (${this.fromYear}–${this.toYear})`,
      );
    }
    return next;
  }

  private dayIndexOf(t: number): number {
    const d = Math.floor((t + this.offsetMs) / DAY_MS) - this.baseEpochDay;
    if (d >= 0 && d < this.dayCount) return d;
    if (Number.isNaN(t)) throw new RangeError('Invalid date');
    throw new RangeError(
      `${new Date(t).toISOString()} is outside the working calendar range (${this.fromYear}–${this.toYear})`,
    );
  }

  private dayIndexOfDate(date: string): number {
    const epochDay = epochDayOf(date);
    if (Number.isNaN(epochDay)) {
      throw new RangeError(`Invalid date ${JSON.stringify(date)}: expected YYYY-MM-DD`);
    }
    const d = epochDay - this.baseEpochDay;
    if (d >= 0 && d < this.dayCount) return d;
    throw new RangeError(`${date} is outside the working calendar range (${this.fromYear}–${this.toYear})`);
  }

  private localYear(t: number): number {
    if (Number.isNaN(t)) throw new RangeError('Invalid date');
    return new Date(t + this.offsetMs).getUTCFullYear();
  }

  private msOfDay(t: number, d: number): number {
    return t + this.offsetMs - (this.baseEpochDay + d) * DAY_MS;
  }

  private instantMs(d: number, msOfDay: number): number {
    return (this.baseEpochDay + d) * DAY_MS + msOfDay - this.offsetMs;
  }

  private instantAt(d: number, msOfDay: number): Date {
    return new Date(this.instantMs(d, msOfDay));
  }

  private dateOfIndex(d: number): string {
    return this.localDate(this.instantAt(d, 0));
  }
}

function checkAmount(value: number, what: string): void {
  if (!(value >= 0) || value === Infinity) {
    throw new RangeError(`Invalid amount of ${what}: ${value} (expected a finite number >= 0)`);
  }
}

/**
 * Reads the holiday file format of config/calendars/vn-public-holidays.json: `days[]` of
 * `{ date, kind }` and `default_working_hours` with `periods` and `weekdays`.
 */
export function calendarFromHolidayFile(json: unknown, utcOffsetMinutes = 420): CalendarDefinition {
  if (typeof json !== 'object' || json === null) {
    throw new Error('Holiday file: expected a JSON object');
  }
  const file = json as { days?: unknown; default_working_hours?: unknown };
  if (!Array.isArray(file.days)) throw new Error('Holiday file: "days" must be an array');
  const hours = file.default_working_hours as { periods?: unknown; weekdays?: unknown } | undefined;
  if (typeof hours !== 'object' || hours === null) {
    throw new Error('Holiday file: "default_working_hours" must be an object');
  }
  if (!Array.isArray(hours.periods) || !Array.isArray(hours.weekdays)) {
    throw new Error('Holiday file: "default_working_hours" needs "periods" and "weekdays" arrays');
  }
  const exceptions = file.days.map((day: unknown, i): CalendarException => {
    const { date, kind } = (day ?? {}) as { date?: unknown; kind?: unknown };
    if (typeof date !== 'string' || (kind !== 'holiday' && kind !== 'working')) {
      throw new Error(`Holiday file: days[${i}] needs a "date" and a "kind" of "holiday" or "working"`);
    }
    return { date, kind };
  });
  const periods = hours.periods.map((p: unknown, i): [string, string] => {
    if (!Array.isArray(p) || p.length !== 2) {
      throw new Error(`Holiday file: default_working_hours.periods[${i}] must be ["HH:MM", "HH:MM"]`);
    }
    return [p[0], p[1]];
  });
  // Values are checked by WorkingCalendar.build; this only maps the file's shape.
  return {
    utcOffsetMinutes,
    workingHours: { weekdays: [...(hours.weekdays as number[])], periods },
    exceptions,
  };
}
