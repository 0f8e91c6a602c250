// Reference implementation of the working-time rules (docs/domain.md, "Working time"): walks
// day by day and period by period. Slow on purpose and obviously correct; it is the oracle for the
// property tests and the baseline of test/bench/calendar.bench.ts. It shares only types with
// src/calendar/working-time.ts.
import type { CalendarDefinition, TimeLimit } from '../../src/calendar/working-time';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Give up after this many days without reaching the answer (about 300 years). */
const MAX_DAYS = 110_000;

interface Prepared {
  offset: number;
  weekdays: Set<number>;
  /** [start, end) in ms since local midnight. */
  periods: [number, number][];
  /** Keyed by local epoch day. */
  exceptions: Map<number, 'holiday' | 'working'>;
}

const prepared = new WeakMap<CalendarDefinition, Prepared>();

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function prepare(def: CalendarDefinition): Prepared {
  let p = prepared.get(def);
  if (!p) {
    const exceptions = new Map<number, 'holiday' | 'working'>();
    for (const e of def.exceptions) {
      const [y, mo, d] = e.date.split('-').map(Number);
      exceptions.set(Date.UTC(y, mo - 1, d) / DAY, e.kind);
    }
    p = {
      offset: def.utcOffsetMinutes * MINUTE,
      weekdays: new Set(def.workingHours.weekdays),
      periods: def.workingHours.periods.map(([s, e]) => [toMinutes(s) * MINUTE, toMinutes(e) * MINUTE]),
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
  return p.weekdays.has(isoWeekday);
}

function isWorkingInstant(p: Prepared, t: number): boolean {
  const day = localDay(p, t);
  if (!isWorkingDay(p, day)) return false;
  const base = dayStart(p, day);
  return p.periods.some(([s, e]) => base + s <= t && t < base + e);
}

function endOfWorkingDay(p: Prepared, day: number): number {
  return dayStart(p, day) + p.periods[p.periods.length - 1][1];
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
      return new Date(dayStart(p, next) + p.periods[0][0]);
    }
  }
  for (let i = 0; i < MAX_DAYS; i++, day++) {
    if (!isWorkingDay(p, day)) continue;
    const base = dayStart(p, day);
    for (const [s, e] of p.periods) {
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
    for (const [s, e] of p.periods) {
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
    for (const [s, e] of p.periods) {
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
