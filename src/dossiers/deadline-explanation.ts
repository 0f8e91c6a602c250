/**
 * Why a dossier's due instant is what it is (GET /dossiers/{id}/deadline): the clock start and why
 * it snapped, every run of working time counted, every pause, every non-working day skipped with its
 * name, the extensions, and the calendar version and rules used. Pure: built from the folded state,
 * the events and the working calendar the state was computed with.
 */
import type { TimeLimit, WorkingCalendar } from 'src/calendar/working-time';
import type { DossierState } from 'src/dossiers/lifecycle';

export type ClockStartReason = 'in_hours' | 'after_hours' | 'lunch_break' | 'non_working_day' | 'intake_cutoff';
export type PauseReason = 'awaiting_supplement' | 'awaiting_payment';

export interface ExplainInput {
  state: DossierState;
  events: { action: string; at: number; toStatus: string; payload: Record<string, unknown> }[];
  timeLimit: TimeLimit;
  intakeCutoff: string | null;
  procedureVersion: number;
  calendar: WorkingCalendar;
  /** Names of holidays and make-up days, by local date. */
  names: ReadonlyMap<string, string>;
  calendarVersion: number;
  now: number;
  /** The dossier's policy restarts the clock on the complete supplement (Decree 118 Art. 19.5). */
  supplementRestartsClock?: boolean;
}

export interface DeadlineExplanation {
  dueAt: number | null;
  promisedAt: number | null;
  clockStart: number;
  receivedAt: number;
  clockStartReason: ClockStartReason;
  timeLimit: TimeLimit;
  limitWorkingMinutes: number | null;
  intakeCutoff: string | null;
  procedureVersion: number;
  calendarVersion: number;
  provisional: boolean;
  /** While paused: the working time still to count after the resumption. */
  remainingWorkingMinutes: number | null;
  segments: { from: number; to: number; workingMinutes: number }[];
  pauses: { from: number; to: number | null; reason: PauseReason; workingMinutes: number }[];
  skippedDays: { date: string; kind: 'weekend' | 'holiday'; name: string }[];
  extensions: { at: number; newPromisedAt: string; reason: string }[];
  /**
   * Decree 118 Art. 19.5: each complete supplement restarted the whole limit at `clockStart` (the
   * segments count from the last one); `discardedWorkingMinutes` is the time counted before it.
   */
  restarts: { at: number; clockStart: number; discardedWorkingMinutes: number }[];
  /** Audited deadline corrections (leaders' tools): each set the due instant as given. */
  corrections: {
    at: number;
    dueAt: number;
    previousDueAt: number;
    reason: string;
    documentRef: string;
    actorUserId: string | null;
  }[];
  /** calendar_days limits only: the raw instant (start + N × 24 h + pauses) and the snap rule applied. */
  calendarDays: {
    rawDueAt: number;
    snap: 'none' | 'end_of_working_day' | 'end_of_next_working_day' | 'after_resumption';
  } | null;
}

const MINUTE_MS = 60_000;
/** ISO weekday 6 and 7 as a person reads them. */
const WEEKEND_NAMES: Record<number, string> = { 6: 'Thứ Bảy', 7: 'Chủ nhật' };

function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

export function explainDeadline(input: ExplainInput): DeadlineExplanation {
  const { state: s, calendar: cal, now } = input;
  const paused = s.endedAt === null && s.clock.pausedSince !== null;
  const dueAt = paused ? null : s.clock.dueAt;
  const calendarDaysLimit = input.timeLimit.unit === 'calendar_days';

  // Pauses from the events: a pause runs from the event that entered awaiting_* to the first that left it.
  const pauses: DeadlineExplanation['pauses'] = [];
  let open: { from: number; reason: PauseReason } | null = null;
  for (const e of input.events) {
    const awaiting = e.toStatus === 'awaiting_supplement' || e.toStatus === 'awaiting_payment';
    if (!open && awaiting) open = { from: e.at, reason: e.toStatus as PauseReason };
    else if (open && !awaiting) {
      pauses.push({ ...open, to: e.at, workingMinutes: 0 });
      open = null;
    }
  }
  if (open) pauses.push({ ...open, to: null, workingMinutes: 0 });
  for (const p of pauses) {
    const until = p.to ?? s.endedAt ?? now;
    p.workingMinutes = cal.workingMsBetween(new Date(p.from), new Date(until)) / MINUTE_MS;
  }

  // Counting ends at the due instant (the raw instant for calendar days), or where the clock paused.
  const end = paused
    ? s.clock.pausedSince!
    : calendarDaysLimit && s.clock.rawDueAt !== null
      ? s.clock.rawDueAt
      : s.clock.dueAt;
  const segments: DeadlineExplanation['segments'] = [];
  // A restart is a segment boundary: the limit counts again from the last restart's clock start.
  const restartList = s.restarts ?? [];
  const countFrom = restartList.length > 0 ? restartList[restartList.length - 1].clockStart : s.clockStart;
  const restarts = restartList.map((r, i) => {
    const previousStart = i === 0 ? s.clockStart : restartList[i - 1].clockStart;
    const counted = pauses
      .filter((p) => p.from >= previousStart && p.from < r.at)
      .reduce(
        (n, p) => n - p.workingMinutes,
        cal.workingMsBetween(new Date(previousStart), new Date(r.at)) / MINUTE_MS,
      );
    return { at: r.at, clockStart: r.clockStart, discardedWorkingMinutes: Math.max(0, counted) };
  });
  let from = countFrom;
  const cut = pauses.map((p) => [p.from, p.to ?? Infinity] as const).filter(([a, b]) => a < end && b > countFrom);
  for (const [a, b] of [...cut, [end, end] as const]) {
    const to = Math.min(a, end);
    if (to > from) {
      for (const seg of cal.workingSegments(new Date(from), new Date(to))) {
        segments.push({ from: seg.from.getTime(), to: seg.to.getTime(), workingMinutes: seg.ms / MINUTE_MS });
      }
    }
    from = Math.max(from, b);
  }

  const firstDate = cal.localDate(new Date(countFrom));
  const lastDate = cal.localDate(new Date(Math.max(end, countFrom)));
  const skippedDays = cal.nonWorkingDays(firstDate, lastDate).map((d) => ({
    date: d.date,
    kind: d.reason,
    name:
      d.reason === 'weekend'
        ? (WEEKEND_NAMES[isoWeekday(d.date)] ?? 'Ngày nghỉ hằng tuần')
        : (input.names.get(d.date) ?? 'Ngày nghỉ'),
  }));

  const extensions = input.events
    .filter((e) => e.action === 'extend')
    .map((e) => ({ at: e.at, newPromisedAt: String(e.payload.newPromisedAt), reason: String(e.payload.reason ?? '') }));

  let calendarDays: DeadlineExplanation['calendarDays'] = null;
  if (calendarDaysLimit && s.clock.rawDueAt !== null && !paused) {
    const raw = s.clock.rawDueAt;
    const snapped = cal.snapCalendarDue(new Date(raw)).getTime();
    const snap =
      snapped !== s.clock.dueAt
        ? 'after_resumption'
        : snapped === raw
          ? 'none'
          : cal.localDate(new Date(snapped)) === cal.localDate(new Date(raw))
            ? 'end_of_working_day'
            : 'end_of_next_working_day';
    calendarDays = { rawDueAt: raw, snap };
  }

  return {
    dueAt,
    promisedAt: s.promisedAt,
    clockStart: s.clockStart,
    receivedAt: s.receivedAt,
    clockStartReason: cal.clockStartReason(new Date(s.receivedAt), input.intakeCutoff),
    timeLimit: input.timeLimit,
    limitWorkingMinutes: cal.limitWorkingMinutes(input.timeLimit),
    intakeCutoff: input.intakeCutoff,
    procedureVersion: input.procedureVersion,
    calendarVersion: input.calendarVersion,
    provisional: cal.crossesProvisional(new Date(countFrom), new Date(dueAt ?? Math.max(end, now))),
    remainingWorkingMinutes: !paused
      ? null
      : input.supplementRestartsClock && s.status === 'awaiting_supplement'
        ? // The whole limit starts again when the supplement arrives.
          cal.limitWorkingMinutes(input.timeLimit)
        : Math.max(0, cal.workingMsBetween(new Date(s.clock.pausedSince!), new Date(s.clock.dueAt))) / MINUTE_MS,
    segments,
    pauses,
    skippedDays,
    extensions,
    restarts,
    corrections: (s.corrections ?? []).map((c) => ({ ...c })),
    calendarDays,
  };
}
