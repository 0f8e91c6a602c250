// Working-time arithmetic for administrative deadlines (shared/DOMAIN.md, "Working time").
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

export interface CalendarDefinition {
  /** 420 for Asia/Ho_Chi_Minh (no daylight saving). */
  utcOffsetMinutes: number;
  workingHours: WorkingHours;
  exceptions: CalendarException[];
}

export const MINUTE_MS = 60_000;
/** A standard working day is 8 working hours, whatever the calendar's periods add up to. */
export const WORKING_DAY_MINUTES = 480;

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

export class WorkingCalendar {
  private readonly offsetMs: number;
  /** Epoch day of local 1 January of `fromYear`; day index 0 of every array below. */
  private readonly baseEpochDay: number;
  private readonly dayCount: number;
  /** Working minutes per day (0 = not a working day). */
  private readonly dayMinutes: Uint16Array;
  /** cumMs[d] = working milliseconds in days [0, d); length dayCount + 1. */
  private readonly cumMs: Float64Array;
  /** nextWorking[d] = first working day index >= d, or -1; length dayCount + 1. */
  private readonly nextWorking: Int32Array;
  // Every working day shares the same periods, stored once as ms since local midnight.
  private readonly periodStart: Int32Array;
  private readonly periodEnd: Int32Array;
  /** Working ms of a day elapsed at the end of each period. */
  private readonly periodCumEnd: Int32Array;
  private readonly firstStartMs: number;
  private readonly lastEndMs: number;

  private constructor(
    readonly utcOffsetMinutes: number,
    readonly fromYear: number,
    readonly toYear: number,
    periods: [number, number][],
    isWorkingEpochDay: (epochDay: number) => boolean,
  ) {
    this.offsetMs = utcOffsetMinutes * MINUTE_MS;
    this.baseEpochDay = Date.UTC(fromYear, 0, 1) / DAY_MS;
    this.dayCount = Date.UTC(toYear + 1, 0, 1) / DAY_MS - this.baseEpochDay;

    const n = periods.length;
    this.periodStart = new Int32Array(n);
    this.periodEnd = new Int32Array(n);
    this.periodCumEnd = new Int32Array(n);
    let dayWorkMinutes = 0;
    for (let k = 0; k < n; k++) {
      const [start, end] = periods[k];
      dayWorkMinutes += end - start;
      this.periodStart[k] = start * MINUTE_MS;
      this.periodEnd[k] = end * MINUTE_MS;
      this.periodCumEnd[k] = dayWorkMinutes * MINUTE_MS;
    }
    this.firstStartMs = this.periodStart[0];
    this.lastEndMs = this.periodEnd[n - 1];

    const days = this.dayCount;
    this.dayMinutes = new Uint16Array(days);
    this.cumMs = new Float64Array(days + 1);
    for (let d = 0; d < days; d++) {
      const minutes = isWorkingEpochDay(this.baseEpochDay + d) ? dayWorkMinutes : 0;
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

    const weekdays = def.workingHours?.weekdays;
    if (!Array.isArray(weekdays)) {
      throw new Error('Working hours need a weekdays array (1=Mon..7=Sun)');
    }
    const isWeekday = new Array<boolean>(8).fill(false);
    for (const w of weekdays) {
      if (!Number.isInteger(w) || w < 1 || w > 7) {
        throw new Error(`Invalid weekday ${JSON.stringify(w)}: expected an ISO weekday 1 (Mon)..7 (Sun)`);
      }
      if (isWeekday[w]) throw new Error(`Weekday ${w} is listed twice`);
      isWeekday[w] = true;
    }

    const rawPeriods = def.workingHours?.periods;
    if (!Array.isArray(rawPeriods) || rawPeriods.length === 0) {
      throw new Error('Working hours need at least one period ["HH:MM", "HH:MM"]');
    }
    const periods: [number, number][] = [];
    for (const p of rawPeriods) {
      if (!Array.isArray(p) || p.length !== 2) {
        throw new Error(`Invalid working period ${JSON.stringify(p)}: expected ["HH:MM", "HH:MM"]`);
      }
      const start = parseClock(p[0], 'working period start', false);
      const end = parseClock(p[1], 'working period end', true);
      if (end <= start) {
        throw new Error(`Invalid working period ${p[0]}–${p[1]}: the end must be after the start`);
      }
      const prev = periods[periods.length - 1];
      if (prev && start < prev[1]) {
        throw new Error(
          `Working periods must be sorted and must not overlap: ${p[0]}–${p[1]} starts before the previous period ends`,
        );
      }
      periods.push([start, end]);
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

    return new WorkingCalendar(offset, fromYear, toYear, periods, (epochDay) => {
      const kind = exceptionKind.get(epochDay);
      if (kind !== undefined) return kind === 'working';
      // Epoch day 0 (1970-01-01) was a Thursday, ISO weekday 4.
      return isWeekday[((((epochDay + 3) % 7) + 7) % 7) + 1];
    });
  }

  isWorkingDay(date: string): boolean {
    return this.dayMinutes[this.dayIndexOfDate(date)] !== 0;
  }

  /** Inside [periodStart, periodEnd) of a working day. */
  isWorkingInstant(t: Date): boolean {
    const ms = t.getTime();
    const d = this.dayIndexOf(ms);
    return this.dayMinutes[d] !== 0 && this.isInPeriod(this.msOfDay(ms, d));
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
        for (let k = 0; k < this.periodEnd.length; k++) {
          if (m < this.periodEnd[k]) {
            return m >= this.periodStart[k] ? new Date(t) : this.instantAt(d, this.periodStart[k]);
          }
        }
      }
    }
    return this.instantAt(this.workingDayAfter(d), this.firstStartMs);
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
    return this.dayMinutes[d] !== 0 ? this.instantAt(d, this.lastEndMs) : null;
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
      if (this.isInPeriod(m)) return new Date(t);
      if (m < this.lastEndMs) return this.instantAt(d, this.lastEndMs);
    }
    return this.instantAt(this.workingDayAfter(d), this.lastEndMs);
  }

  /** Working ms from the start of the range up to instant t (on day index d). */
  private positionMs(t: number, d: number): number {
    let pos = this.cumMs[d];
    if (this.dayMinutes[d] === 0) return pos;
    const m = this.msOfDay(t, d);
    for (let k = 0; k < this.periodStart.length; k++) {
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
    let k = 0;
    while (rem > cumEnd[k]) k++;
    return this.instantAt(d, this.periodEnd[k] - (cumEnd[k] - rem));
  }

  private isInPeriod(m: number): boolean {
    for (let k = 0; k < this.periodStart.length; k++) {
      if (m < this.periodEnd[k]) return m >= this.periodStart[k];
    }
    return false;
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

  private msOfDay(t: number, d: number): number {
    return t + this.offsetMs - (this.baseEpochDay + d) * DAY_MS;
  }

  private instantAt(d: number, msOfDay: number): Date {
    return new Date((this.baseEpochDay + d) * DAY_MS + msOfDay - this.offsetMs);
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
 * Reads the holiday file format of shared/data/vn-public-holidays.json: `days[]` of
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
