/**
 * Reporting periods (docs/domain.md "Periodic processing report"): a year, half-year, quarter or month,
 * or explicit dates, as local dates [from, to] (both inclusive). Calendar periods by default; with a
 * cut-off day D > 1 a period ends on the (D-1)th of its last month and starts on the Dth of the
 * month before its first (the 15th-to-14th convention: D = 15). Pure; no Nest.
 */
export interface Period {
  /** The label asked for (2026, 2026-H1, 2026-Q1, 2026-03), or `${from}..${to}` for explicit dates. */
  label: string;
  from: string;
  to: string;
}

const PERIOD_RE = /^(\d{4})(?:-(?:(H[12])|(Q[1-4])|(0[1-9]|1[0-2])))?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export class PeriodError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
const iso = (y: number, m: number, d: number) => `${y}-${pad(m)}-${pad(d)}`;
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

export function isRealDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return y >= 1900 && y <= 2200 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo);
}

/** First and last month (1-based, inclusive) of a period label's year. */
function monthsOf(label: string): { year: number; first: number; last: number } {
  const m = PERIOD_RE.exec(label);
  if (!m) throw new PeriodError('period', 'period must be YYYY, YYYY-H1|H2, YYYY-Q1..Q4 or YYYY-MM');
  const year = Number(m[1]);
  if (year < 1900 || year > 2200) throw new PeriodError('period', 'period year out of range');
  if (m[2]) return { year, first: m[2] === 'H1' ? 1 : 7, last: m[2] === 'H1' ? 6 : 12 };
  if (m[3]) {
    const q = Number(m[3][1]);
    return { year, first: 3 * q - 2, last: 3 * q };
  }
  if (m[4]) return { year, first: Number(m[4]), last: Number(m[4]) };
  return { year, first: 1, last: 12 };
}

/** The local dates of a period label, with the cut-off day convention (1 = calendar periods). */
export function periodDates(label: string, cutoffDay = 1): Period {
  if (!Number.isInteger(cutoffDay) || cutoffDay < 1 || cutoffDay > 28)
    throw new PeriodError('cutoffDay', 'cutoffDay must be a whole number from 1 to 28');
  const { year, first, last } = monthsOf(label);
  if (cutoffDay === 1) return { label, from: iso(year, first, 1), to: iso(year, last, daysIn(year, last)) };
  const startYear = first === 1 ? year - 1 : year;
  const startMonth = first === 1 ? 12 : first - 1;
  return { label, from: iso(startYear, startMonth, cutoffDay), to: iso(year, last, cutoffDay - 1) };
}

/**
 * A period from query parameters: `period` (with the cut-off day), or explicit `from` and `to`.
 * Exactly one of the two forms; spans at most `maxDays` days.
 */
export function resolvePeriod(
  q: { period?: string; from?: string; to?: string },
  cutoffDay: number,
  maxDays = 3 * 366,
): Period {
  if (q.period !== undefined) {
    if (q.from !== undefined || q.to !== undefined)
      throw new PeriodError('period', 'give either period or from and to, not both');
    return periodDates(q.period, cutoffDay);
  }
  if (q.from === undefined || q.to === undefined)
    throw new PeriodError(q.from === undefined ? 'from' : 'to', 'from and to (YYYY-MM-DD) or period are required');
  if (!isRealDate(q.from)) throw new PeriodError('from', 'from must be a real date YYYY-MM-DD');
  if (!isRealDate(q.to)) throw new PeriodError('to', 'to must be a real date YYYY-MM-DD');
  if (q.from > q.to) throw new PeriodError('to', 'to must not be before from');
  const days = (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 + 1;
  if (days > maxDays) throw new PeriodError('to', `a report spans at most ${maxDays} days`);
  return { label: `${q.from}..${q.to}`, from: q.from, to: q.to };
}
