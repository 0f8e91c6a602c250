import type { WorkingCalendar } from 'src/calendar/working-time';
import {
  deadlineColumns,
  DossierState,
  remainingMsAt,
  pausedMsAt,
  timelinessAt,
  usedMsAt,
} from 'src/dossiers/lifecycle';
import type { ProjectionColumns } from 'src/dossiers/dossiers.repository';

export interface Thresholds {
  dueSoonWindowMs: number;
}

const d = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/**
 * The projection columns of a state: everything the queries and the SLA scan read, derived from
 * the fold and nothing else, so a rebuild from events reproduces the row exactly.
 */
export function projectState(
  s: DossierState,
  cal: WorkingCalendar,
  thresholds: Thresholds,
  extra: { calendarVersion: number; flags: Record<string, unknown>; stepUnitIds: string[] },
): Omit<ProjectionColumns, 'portal_facts'> {
  const cols = deadlineColumns(s, cal, thresholds);
  const step = s.currentStep === null ? null : s.steps[s.currentStep];
  const flags = { ...extra.flags };
  if (s.paidOnline !== null) flags.paidOnline = s.paidOnline;
  if (s.electronicResult !== null) flags.electronicResult = s.electronicResult;
  return {
    status: s.status,
    version: s.eventCount,
    current_step_unit_id: step ? (extra.stepUnitIds[step.index] ?? null) : null,
    current_assignee_id: step?.assigneeUserId ?? null,
    received_at: new Date(s.receivedAt),
    clock_start: new Date(s.clockStart),
    last_due_at: new Date(s.clock.dueAt),
    paused_since: s.endedAt === null ? d(s.clock.pausedSince) : null,
    due_at: d(cols.dueAt),
    promised_at: d(cols.promisedAt),
    due_soon_at: d(cols.dueSoonAt),
    overdue_at: d(cols.overdueAt),
    step_due_at: d(cols.stepDueAt),
    ended_at: d(s.endedAt),
    returned_at: d(s.returnedAt),
    outcome: s.outcome,
    supplement_count: s.supplementCount,
    extension_count: s.extensionCount,
    flags,
    state: s,
    calendar_version: extra.calendarVersion,
    supplement_expires_at: s.endedAt === null ? d(s.supplementExpiresAt ?? null) : null,
  };
}

/** Figures of the API representation that depend on "now". */
export function liveFigures(s: DossierState, cal: WorkingCalendar, now: number) {
  const at = s.endedAt ?? now;
  return {
    timeliness: timelinessAt(s, now),
    usedWorkingMinutes: Math.floor(usedMsAt(cal, s.clock, at) / 60_000),
    pausedWorkingMinutes: Math.floor(pausedMsAt(cal, s.clock, at) / 60_000),
    remainingWorkingMinutes: s.endedAt !== null ? 0 : Math.floor(remainingMsAt(cal, s.clock, now) / 60_000),
  };
}

/**
 * How late an open dossier is, in working milliseconds past its statutory due instant (the one
 * `timeliness` judges by): up to `now` while running, up to the pause while paused (the clock is
 * stopped, as for the remaining time). Null when within time or ended.
 */
export function overdueMsAt(s: DossierState, cal: WorkingCalendar, now: number): number | null {
  if (s.endedAt !== null || timelinessAt(s, now) !== 'overdue') return null;
  const until = s.clock.pausedSince ?? now;
  return cal.workingMsBetween(new Date(s.clock.dueAt), new Date(until));
}
