// Pure: turns what is stored (office hours, days, years' plans) into the definition the working-time
// module builds from. Years without a stored plan are generated from the Labour Code's rules on the
// fly, so the calendar never runs out (docs/domain.md, "The statutory holiday rules").
import { generateYear } from 'src/calendar/holiday-rules';
import type { CalendarDefinition, CalendarException } from 'src/calendar/working-time';

export interface ComposeInput {
  utcOffsetMinutes: number;
  /** Oldest first; the first entry applies from the start of the range. */
  hours: { effectiveFrom: string; weekdays: number[]; periods: [string, string][] }[];
  days: { date: string; kind: 'holiday' | 'working'; name: string }[];
  years: { year: number; status: 'official' | 'provisional' }[];
}

export interface ComposedCalendar {
  definition: CalendarDefinition;
  /** The name of every exception (stored or generated), by date. */
  names: Map<string, string>;
  /** Years whose plan is not official: stored provisional years and generated ones. */
  provisionalYears: number[];
}

/** Default-rule years, memoised: the generator is pure and the same year is asked for on every rebuild. */
const generated = new Map<number, ReturnType<typeof generateYear>>();
function generatedYear(year: number) {
  let days = generated.get(year);
  if (!days) {
    days = generateYear(year);
    generated.set(year, days);
  }
  return days;
}

export function composeCalendar(input: ComposeInput, fromYear: number, toYear: number): ComposedCalendar {
  if (input.hours.length === 0) throw new Error('calendar has no office hours');
  const stored = new Map(input.days.map((d) => [d.date, d]));
  const statusOf = new Map(input.years.map((y) => [y.year, y.status]));
  const exceptions: CalendarException[] = [];
  const names = new Map<string, string>();
  for (const d of input.days) {
    exceptions.push({ date: d.date, kind: d.kind });
    names.set(d.date, d.name);
  }
  const provisionalYears: number[] = [];
  for (let year = fromYear; year <= toYear; year++) {
    const status = statusOf.get(year);
    if (status !== 'official') provisionalYears.push(year);
    if (status !== undefined) continue;
    // No stored plan: the rules' days, except where an administrator stored a day of that year.
    for (const g of generatedYear(year)) {
      if (stored.has(g.date)) continue;
      exceptions.push({ date: g.date, kind: g.kind });
      names.set(g.date, g.name);
    }
  }
  const [base, ...schedule] = input.hours;
  return {
    definition: {
      utcOffsetMinutes: input.utcOffsetMinutes,
      workingHours: { weekdays: base.weekdays, periods: base.periods },
      hoursSchedule: schedule,
      exceptions,
      provisionalYears,
    },
    names,
    provisionalYears,
  };
}
