// Reference implementation of the working-time rules (docs/domain.md, "Working time"): walks
// day by day and period by period. Slow on purpose and obviously correct; it is the oracle for the
// property tests and the baseline of test/bench/calendar.bench.ts. It shares only types with
// src/calendar/working-time.ts.
import type { CalendarDefinition, TimeLimit } from '../../src/calendar/working-time';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Give up after this many days without reaching the answer (about 300 years). */
const MAX_DAYS = 110_000;

interface Hours {
  /** Local epoch day from which these hours apply (-Infinity for the base working hours). */
  from: number;
  weekdays: Set<number>;
  /** [start, end) in ms since local midnight. */
  periods: [number, number][];
}

interface Prepared {
  offset: number;
  /** The base working hours, then each schedule entry, in date order. */
  hours: Hours[];
  /** Keyed by local epoch day. */
  exceptions: Map<number, 'holiday' | 'working'>;
}

const prepared = new WeakMap<CalendarDefinition, Prepared>();

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function epochDayOfDate(date: string): number {
  const [y, mo, d] = date.split('-').map(Number);
  return Date.UTC(y, mo - 1, d) / DAY;
}

function dateOfEpochDay(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** The hours in force on a local day: the last entry whose date is on or before it. */
function hoursOn(p: Prepared, day: number): Hours {
  let found = p.hours[0];
  for (const h of p.hours) if (h.from <= day) found = h;
  return found;
}

/** The periods of a local day ([] when it is not a working day). */
function periodsOfDay(p: Prepared, day: number): [number, number][] {
  return isWorkingDay(p, day) ? hoursOn(p, day).periods : [];
}

function prepare(def: CalendarDefinition): Prepared {
  let p = prepared.get(def);
  if (!p) {
    const exceptions = new Map<number, 'holiday' | 'working'>();
    for (const e of def.exceptions) {
      exceptions.set(epochDayOfDate(e.date), e.kind);
    }
    const hoursOf = (from: number, h: CalendarDefinition['workingHours']): Hours => ({
      from,
      weekdays: new Set(h.weekdays),
      periods: h.periods.map(([s, e]) => [toMinutes(s) * MINUTE, toMinutes(e) * MINUTE]),
    });
    p = {
      offset: def.utcOffsetMinutes * MINUTE,
      hours: [
        hoursOf(-Infinity, def.workingHours),
        ...(def.hoursSchedule ?? []).map((h) => hoursOf(epochDayOfDate(h.effectiveFrom), h)),
      ],
      exceptions,
    };
    prepared.set(def, p);
  }
  return p;
}

/** Local day number (days since 1970-01-01 in the calendar's offset) of an instant. */
function localDay(p: Prepared, t: number): number {
  return Math.floor((t + p.offset) / DAY);
}

/** UTC instant of local midnight of a local day. */
function dayStart(p: Prepared, day: number): number {
  return day * DAY - p.offset;
}

function isWorkingDay(p: Prepared, day: number): boolean {
  const kind = p.exceptions.get(day);
  if (kind) return kind === 'working';
  const isoWeekday = new Date(day * DAY).getUTCDay() || 7;
  return hoursOn(p, day).weekdays.has(isoWeekday);
}

function isWorkingInstant(p: Prepared, t: number): boolean {
  const day = localDay(p, t);
  if (!isWorkingDay(p, day)) return false;
  const base = dayStart(p, day);
  return periodsOfDay(p, day).some(([s, e]) => base + s <= t && t < base + e);
}

function endOfWorkingDay(p: Prepared, day: number): number {
  const periods = hoursOn(p, day).periods;
  return dayStart(p, day) + periods[periods.length - 1][1];
}

function nextWorkingDay(p: Prepared, afterDay: number): number {
  for (let day = afterDay + 1; day <= afterDay + MAX_DAYS; day++) {
    if (isWorkingDay(p, day)) return day;
  }
  throw new RangeError('No working day found');
}

export function naiveClockStart(def: CalendarDefinition, receivedAt: Date, intakeCutoff?: string | null): Date {
  const p = prepare(def);
  const t = receivedAt.getTime();
  let day = localDay(p, t);
  if (intakeCutoff != null && isWorkingDay(p, day)) {
    if (t >= dayStart(p, day) + toMinutes(intakeCutoff) * MINUTE) {
      const next = nextWorkingDay(p, day);
      return new Date(dayStart(p, next) + hoursOn(p, next).periods[0][0]);
    }
  }
  for (let i = 0; i < MAX_DAYS; i++, day++) {
    if (!isWorkingDay(p, day)) continue;
    const base = dayStart(p, day);
    for (const [s, e] of periodsOfDay(p, day)) {
      if (base + e > t) return new Date(Math.max(t, base + s));
    }
  }
  throw new RangeError('No working instant found');
}

export function naiveAddWorkingMs(def: CalendarDefinition, start: Date, ms: number): Date {
  const p = prepare(def);
  let t = start.getTime();
  let remaining = Math.ceil(ms);
  if (remaining === 0) return new Date(t);
  let day = localDay(p, t);
  for (let i = 0; i < MAX_DAYS; i++, day++) {
    if (!isWorkingDay(p, day)) continue;
    const base = dayStart(p, day);
    for (const [s, e] of periodsOfDay(p, day)) {
      const periodEnd = base + e;
      if (periodEnd <= t) continue;
      const from = Math.max(t, base + s);
      const available = periodEnd - from;
      if (remaining <= available) return new Date(from + remaining);
      remaining -= available;
      t = periodEnd;
    }
  }
  throw new RangeError('Deadline not found');
}

export function naiveWorkingMsBetween(def: CalendarDefinition, a: Date, b: Date): number {
  const p = prepare(def);
  const ta = a.getTime();
  const tb = b.getTime();
  let total = 0;
  for (let day = localDay(p, ta); day <= localDay(p, tb); day++) {
    if (!isWorkingDay(p, day)) continue;
    const base = dayStart(p, day);
    for (const [s, e] of periodsOfDay(p, day)) {
      const from = Math.max(ta, base + s);
      const to = Math.min(tb, base + e);
      if (to > from) total += to - from;
    }
  }
  return total;
}

export function naiveDueAt(def: CalendarDefinition, clockStart: Date, limit: TimeLimit): Date {
  const p = prepare(def);
  switch (limit.unit) {
    case 'working_hours':
      return naiveAddWorkingMs(def, clockStart, Math.round(limit.amount * 60 * MINUTE));
    case 'working_days':
      return naiveAddWorkingMs(def, clockStart, Math.round(limit.amount * 8 * 60 * MINUTE));
    case 'calendar_days': {
      const t = clockStart.getTime() + Math.round(limit.amount * DAY);
      if (isWorkingInstant(p, t)) return new Date(t);
      const day = localDay(p, t);
      if (isWorkingDay(p, day) && endOfWorkingDay(p, day) > t) {
        return new Date(endOfWorkingDay(p, day));
      }
      return new Date(endOfWorkingDay(p, nextWorkingDay(p, day)));
    }
  }
}

/** Walks the periods day by day: the runs of working time in [a, b). */
export function naiveWorkingSegments(
  def: CalendarDefinition,
  a: Date,
  b: Date,
): { from: Date; to: Date; ms: number }[] {
  const p = prepare(def);
  const ta = a.getTime();
  const tb = b.getTime();
  const out: { from: Date; to: Date; ms: number }[] = [];
  for (let day = localDay(p, ta); day <= localDay(p, tb); day++) {
    const base = dayStart(p, day);
    for (const [s, e] of periodsOfDay(p, day)) {
      const from = Math.max(ta, base + s);
      const to = Math.min(tb, base + e);
      if (to > from) out.push({ from: new Date(from), to: new Date(to), ms: to - from });
    }
  }
  return out;
}

export function naiveNonWorkingDays(
  def: CalendarDefinition,
  fromDate: string,
  toDate: string,
): { date: string; reason: 'weekend' | 'holiday' }[] {
  const p = prepare(def);
  const out: { date: string; reason: 'weekend' | 'holiday' }[] = [];
  for (let day = epochDayOfDate(fromDate); day <= epochDayOfDate(toDate); day++) {
    if (isWorkingDay(p, day)) continue;
    out.push({ date: dateOfEpochDay(day), reason: p.exceptions.get(day) === 'holiday' ? 'holiday' : 'weekend' });
  }
  return out;
}

export function naivePeriodsOn(def: CalendarDefinition, date: string): [number, number][] {
  return periodsOfDay(prepare(def), epochDayOfDate(date));
}
