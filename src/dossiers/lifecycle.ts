/**
 * The dossier lifecycle as a pure fold: replay(events, context) -> state. Live actions, imports and
 * rebuilds (after a calendar edit) all go through `applyEvent`, so a dossier's state never depends
 * on how its events arrived. No Nest or TypeORM here; time comes in with each event.
 *
 * Rules: docs/domain.md ("Dossier lifecycle", "Working time", "Outcome of a dossier").
 * Instants are epoch milliseconds so that the state is plain JSON (stored as a snapshot).
 */
import type { TimeLimit, WorkingCalendar } from 'src/calendar/working-time';

export const STATUSES = [
  'received',
  'in_progress',
  'awaiting_supplement',
  'awaiting_payment',
  'resolved',
  'returned',
  'rejected',
  'stopped',
  'withdrawn',
] as const;
export type DossierStatus = (typeof STATUSES)[number];

export const ACTIONS = [
  'intake',
  'forward',
  'request_supplement',
  'receive_supplement',
  'request_payment',
  'confirm_payment',
  'extend',
  'resolve',
  'return',
  'reject',
  'stop',
  'withdraw',
] as const;
export type DossierAction = (typeof ACTIONS)[number];
export type LiveAction = Exclude<DossierAction, 'intake'>;

/** National portal status codes (docs/domain.md, lifecycle table). */
export const PORTAL_CODE: Record<DossierStatus, number> = {
  received: 2,
  in_progress: 4,
  awaiting_supplement: 5,
  awaiting_payment: 6,
  resolved: 9,
  returned: 10,
  rejected: 3,
  stopped: 8,
  withdrawn: 7,
};

export const STATUS_LABEL: Record<DossierStatus, string> = {
  received: 'Đã tiếp nhận',
  in_progress: 'Đang xử lý',
  awaiting_supplement: 'Chờ bổ sung hồ sơ',
  awaiting_payment: 'Chờ thực hiện nghĩa vụ tài chính',
  resolved: 'Đã có kết quả (chờ trả)',
  returned: 'Đã trả kết quả',
  rejected: 'Từ chối giải quyết',
  stopped: 'Dừng giải quyết',
  withdrawn: 'Công dân rút hồ sơ',
};

const RUNNING: readonly DossierStatus[] = ['received', 'in_progress'];
const PAUSED: readonly DossierStatus[] = ['awaiting_supplement', 'awaiting_payment'];
const OPEN: readonly DossierStatus[] = [...RUNNING, ...PAUSED];

/** Statuses each action may be taken from (docs/http-api.md, the actions table). */
export const ALLOWED_FROM: Record<DossierAction, readonly (DossierStatus | null)[]> = {
  intake: [null],
  forward: RUNNING,
  request_supplement: RUNNING,
  receive_supplement: ['awaiting_supplement'],
  request_payment: RUNNING,
  confirm_payment: ['awaiting_payment'],
  extend: OPEN,
  resolve: RUNNING,
  return: ['resolved'],
  reject: OPEN,
  stop: OPEN,
  withdraw: OPEN,
};

export type Outcome = 'early' | 'on_time' | 'late';
export type Timeliness = 'within' | 'overdue';

export interface ProcedureStepRule {
  name: string;
  unitId: string;
  unitCode: string;
  workingHours: number;
}

export interface ProcedureRules {
  timeLimit: TimeLimit;
  intakeCutoff: string | null;
  steps: ProcedureStepRule[];
}

export interface LifecyclePolicy {
  /** At most this many extensions per dossier (docs/domain.md: once, configurable). */
  maxExtensions: number;
  /** An extension must be issued at least this much working time before the due instant (0: any time before). */
  extensionMinLeadMs: number;
}

export interface FoldContext {
  calendar: WorkingCalendar;
  rules: ProcedureRules;
  /** The lifecycle policy, or the versioned one: the version in force when the dossier was received. */
  policy: LifecyclePolicy | ((receivedAt: number) => LifecyclePolicy);
}

export interface DossierEvent {
  action: DossierAction;
  at: number;
  actorUserId: string | null;
  payload: Record<string, unknown>;
}

export interface StepRecord {
  index: number;
  name: string;
  fromUnitCode: string;
  toUnitCode: string;
  handedOverAt: number;
  handedOverBy: string | null;
  assigneeUserId: string | null;
  /** The step's due instant: current while running, final once completed (null while paused). */
  dueAt: number | null;
  completedAt: number | null;
  completedBy: string | null;
  result: Outcome | null;
}

/** A running or paused clock: the dossier's against its limit, or the current step's against its hours. */
export interface ClockState {
  /** Due instant while running; while paused, the due instant the clock had when it was paused. */
  dueAt: number;
  /** Calendar-day limits only: the unsnapped due instant (start + N x 24 h + pauses). */
  rawDueAt: number | null;
  /** Start of the current running segment (null while paused). */
  segmentStart: number | null;
  pausedSince: number | null;
  usedMs: number;
  pausedWorkingMs: number;
}

export interface DossierState {
  status: DossierStatus;
  /** Status to go back to when a pause ends. */
  resumeStatus: DossierStatus | null;
  receivedAt: number;
  clockStart: number;
  clock: ClockState;
  stepClock: ClockState | null;
  promisedAt: number | null;
  extensionCount: number;
  supplementCount: number;
  /** Instants of the supplement requests, in order (the index's "more than N requests" rule). */
  supplementAts: number[];
  paymentRequestCount: number;
  endedAt: number | null;
  returnedAt: number | null;
  outcome: Outcome | null;
  /** Index into `steps` of the current step (null once ended). */
  currentStep: number | null;
  steps: StepRecord[];
  paidOnline: boolean | null;
  electronicResult: boolean | null;
  lastEventAt: number;
  eventCount: number;
}

export type LifecycleErrorCode = 'TRANSITION_NOT_ALLOWED' | 'RULE_VIOLATION' | 'VALIDATION_FAILED';

export class LifecycleError extends Error {
  constructor(
    readonly code: LifecycleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LifecycleError';
  }
}

const HOUR_MS = 3_600_000;

// ---------------------------------------------------------------------------------------------
// Clocks

function startClock(cal: WorkingCalendar, start: number, limit: TimeLimit): ClockState {
  const due = cal.dueAt(new Date(start), limit).getTime();
  const raw = limit.unit === 'calendar_days' ? start + limit.amount * 24 * HOUR_MS : null;
  return { dueAt: due, rawDueAt: raw, segmentStart: start, pausedSince: null, usedMs: 0, pausedWorkingMs: 0 };
}

function startStepClock(cal: WorkingCalendar, start: number, hours: number): ClockState {
  return startClock(cal, start, { amount: hours, unit: 'working_hours' });
}

function pauseClock(cal: WorkingCalendar, c: ClockState, at: number): ClockState {
  if (c.segmentStart === null) return c;
  const used = cal.workingMsBetween(new Date(c.segmentStart), new Date(at));
  return { ...c, usedMs: c.usedMs + used, segmentStart: null, pausedSince: at };
}

/**
 * Resumption: the due instant becomes resume instant + remaining working time (docs/domain.md
 * "Pauses"). A clock already past due when paused keeps its due instant: it stays overdue.
 */
function resumeClock(cal: WorkingCalendar, c: ClockState, at: number): ClockState {
  if (c.pausedSince === null) return c;
  const pausedWorking = cal.workingMsBetween(new Date(c.pausedSince), new Date(at));
  let dueAt = c.dueAt;
  let rawDueAt = c.rawDueAt;
  if (c.dueAt >= c.pausedSince) {
    const remaining = cal.workingMsBetween(new Date(c.pausedSince), new Date(c.dueAt));
    const afterResume = cal.addWorkingMs(new Date(at), remaining).getTime();
    if (rawDueAt !== null) {
      // Calendar days: the day count moves by the pause, but never to less than the working time
      // that was left (a raw instant on a weekend could otherwise snap back before the resumption).
      rawDueAt = rawDueAt + (at - c.pausedSince);
      dueAt = Math.max(cal.snapCalendarDue(new Date(rawDueAt)).getTime(), afterResume);
    } else {
      dueAt = afterResume;
    }
  }
  return {
    ...c,
    dueAt,
    rawDueAt,
    segmentStart: at,
    pausedSince: null,
    pausedWorkingMs: c.pausedWorkingMs + pausedWorking,
  };
}

function isPaused(c: ClockState): boolean {
  return c.pausedSince !== null;
}

/** Overdue at `at`: past due while running; while paused, judged by the time used when paused. */
function clockOverdue(c: ClockState, at: number): boolean {
  return c.pausedSince !== null ? c.dueAt < c.pausedSince : c.dueAt < at;
}

/** Late if ended after the due instant; early if ended on an earlier local date than the due date. */
export function judge(cal: WorkingCalendar, endedAt: number, dueAt: number): Outcome {
  if (endedAt > dueAt) return 'late';
  return cal.localDate(new Date(endedAt)) < cal.localDate(new Date(dueAt)) ? 'early' : 'on_time';
}

export function usedMsAt(cal: WorkingCalendar, c: ClockState, at: number): number {
  return c.segmentStart === null ? c.usedMs : c.usedMs + cal.workingMsBetween(new Date(c.segmentStart), new Date(at));
}

export function pausedMsAt(cal: WorkingCalendar, c: ClockState, at: number): number {
  return c.pausedSince === null
    ? c.pausedWorkingMs
    : c.pausedWorkingMs + cal.workingMsBetween(new Date(c.pausedSince), new Date(at));
}

/** Working time left before the due instant (0 once past it); while paused, what was left when paused. */
export function remainingMsAt(cal: WorkingCalendar, c: ClockState, at: number): number {
  const from = c.pausedSince ?? at;
  return c.dueAt > from ? cal.workingMsBetween(new Date(from), new Date(c.dueAt)) : 0;
}

// ---------------------------------------------------------------------------------------------
// Payload readers (the HTTP layer validates DTOs; imports arrive as JSON and are checked here too)

function str(p: Record<string, unknown>, key: string, required: boolean): string | null {
  const v = p[key];
  if (v === undefined || v === null) {
    if (required) throw new LifecycleError('VALIDATION_FAILED', `${key} là bắt buộc.`);
    return null;
  }
  if (typeof v !== 'string' || (required && v.trim() === ''))
    throw new LifecycleError('VALIDATION_FAILED', `${key} phải là chuỗi ký tự.`);
  return v;
}

function int(p: Record<string, unknown>, key: string): number | null {
  const v = p[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new LifecycleError('VALIDATION_FAILED', `${key} phải là số nguyên.`);
  return v;
}

function bool(p: Record<string, unknown>, key: string): boolean {
  const v = p[key];
  if (typeof v !== 'boolean') throw new LifecycleError('VALIDATION_FAILED', `${key} phải là true hoặc false.`);
  return v;
}

function instant(p: Record<string, unknown>, key: string): number {
  const v = p[key];
  const ms = typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(ms))
    throw new LifecycleError('VALIDATION_FAILED', `${key} phải là thời điểm ISO-8601 có múi giờ.`);
  return ms;
}

// ---------------------------------------------------------------------------------------------
// The fold

function notAllowed(action: DossierAction, status: DossierStatus | null): LifecycleError {
  const from = status ? `trạng thái "${STATUS_LABEL[status]}"` : 'hồ sơ chưa tiếp nhận';
  return new LifecycleError('TRANSITION_NOT_ALLOWED', `Không thể thực hiện thao tác "${action}" khi ${from}.`);
}

function intake(ctx: FoldContext, e: DossierEvent): DossierState {
  const { calendar: cal, rules } = ctx;
  if (rules.steps.length === 0) throw new LifecycleError('RULE_VIOLATION', 'Thủ tục chưa có quy trình nội bộ.');
  const clockStart = cal.clockStart(new Date(e.at), rules.intakeCutoff).getTime();
  const first = rules.steps[0];
  const stepClock = startStepClock(cal, clockStart, first.workingHours);
  return {
    status: 'received',
    resumeStatus: null,
    receivedAt: e.at,
    clockStart,
    clock: startClock(cal, clockStart, rules.timeLimit),
    stepClock,
    promisedAt: null,
    extensionCount: 0,
    supplementCount: 0,
    supplementAts: [],
    paymentRequestCount: 0,
    endedAt: null,
    returnedAt: null,
    outcome: null,
    currentStep: 0,
    steps: [
      {
        index: 0,
        name: first.name,
        fromUnitCode: first.unitCode,
        toUnitCode: first.unitCode,
        handedOverAt: clockStart,
        handedOverBy: e.actorUserId,
        assigneeUserId: null,
        dueAt: stepClock.dueAt,
        completedAt: null,
        completedBy: null,
        result: null,
      },
    ],
    paidOnline: null,
    electronicResult: null,
    lastEventAt: e.at,
    eventCount: 1,
  };
}

/** Completes the current step at `at` (its clock resumed first if paused) and returns the updated records. */
function completeStep(ctx: FoldContext, s: DossierState, at: number, by: string | null): StepRecord[] {
  if (s.currentStep === null || !s.stepClock) return s.steps;
  const clock = resumeClock(ctx.calendar, s.stepClock, at);
  const steps = s.steps.slice();
  const rec = steps[s.currentStep];
  steps[s.currentStep] = {
    ...rec,
    dueAt: clock.dueAt,
    completedAt: at,
    completedBy: by,
    result: judge(ctx.calendar, at, clock.dueAt),
  };
  return steps;
}

function end(
  ctx: FoldContext,
  s: DossierState,
  e: DossierEvent,
  status: DossierStatus,
  extra: Partial<DossierState> = {},
): DossierState {
  const cal = ctx.calendar;
  // Ending while paused closes the pause at the end instant: time used stays as it was when paused.
  const clock = pauseClock(cal, resumeClock(cal, s.clock, e.at), e.at);
  const steps = completeStep(ctx, s, e.at, e.actorUserId);
  return {
    ...s,
    ...extra,
    status,
    resumeStatus: null,
    clock: { ...clock, pausedSince: null },
    stepClock: null,
    currentStep: null,
    steps,
    endedAt: e.at,
    outcome: judge(cal, e.at, clock.dueAt),
  };
}

/**
 * Applies one event to a dossier's state (null before intake). Throws LifecycleError when the
 * event is not allowed in the current status or breaks a rule; the caller records nothing then.
 */
export function applyEvent(state: DossierState | null, e: DossierEvent, ctx: FoldContext): DossierState {
  const status = state?.status ?? null;
  if (state && e.payload.implied === true && !ALLOWED_FROM[e.action].includes(status) && e.at >= state.lastEventAt) {
    // A step a source system skipped, filled in by the feed (docs/http-api.md, "Exchange"), that the
    // real step, arriving later with an earlier instant, made redundant: it changes nothing.
    return { ...state, lastEventAt: e.at, eventCount: state.eventCount + 1 };
  }
  if (!ALLOWED_FROM[e.action].includes(status)) throw notAllowed(e.action, status);
  if (e.action === 'intake' || state === null) return intake(ctx, e);
  if (e.at < state.lastEventAt) {
    throw new LifecycleError('RULE_VIOLATION', 'Các sự kiện phải theo thứ tự thời gian.');
  }
  const s = { ...state, lastEventAt: e.at, eventCount: state.eventCount + 1 };
  const cal = ctx.calendar;
  const p = e.payload;
  const action = e.action;
  switch (action) {
    case 'forward': {
      const current = s.currentStep!;
      const currentIndex = s.steps[current].index;
      const target = int(p, 'toStepIndex') ?? currentIndex + 1;
      if (target < 0 || target >= ctx.rules.steps.length) {
        throw new LifecycleError(
          'RULE_VIOLATION',
          target === ctx.rules.steps.length
            ? 'Đây là bước cuối của quy trình; hãy trả kết quả giải quyết.'
            : `Bước ${target} không có trong quy trình.`,
        );
      }
      if (target === currentIndex)
        throw new LifecycleError('RULE_VIOLATION', 'Không thể chuyển hồ sơ cho chính bước hiện tại.');
      const steps = completeStep(ctx, s, e.at, e.actorUserId);
      const rule = ctx.rules.steps[target];
      const stepClock = startStepClock(cal, e.at, rule.workingHours);
      steps.push({
        index: target,
        name: rule.name,
        fromUnitCode: s.steps[current].toUnitCode,
        toUnitCode: rule.unitCode,
        handedOverAt: e.at,
        handedOverBy: e.actorUserId,
        assigneeUserId: str(p, 'assigneeUserId', false),
        dueAt: stepClock.dueAt,
        completedAt: null,
        completedBy: null,
        result: null,
      });
      return { ...s, status: 'in_progress', steps, currentStep: steps.length - 1, stepClock };
    }
    case 'request_supplement':
    case 'request_payment': {
      if (action === 'request_supplement') {
        str(p, 'reason', true);
        if (!Array.isArray(p.items) || p.items.some((i) => typeof i !== 'string')) {
          throw new LifecycleError('VALIDATION_FAILED', 'items phải là danh sách giấy tờ cần bổ sung.');
        }
      } else {
        const amount = p.amount;
        if (typeof amount !== 'number' || !(amount > 0))
          throw new LifecycleError('VALIDATION_FAILED', 'amount phải là số dương.');
      }
      return {
        ...s,
        status: action === 'request_supplement' ? 'awaiting_supplement' : 'awaiting_payment',
        resumeStatus: s.status,
        clock: pauseClock(cal, s.clock, e.at),
        stepClock: s.stepClock && pauseClock(cal, s.stepClock, e.at),
        supplementCount: s.supplementCount + (action === 'request_supplement' ? 1 : 0),
        supplementAts: action === 'request_supplement' ? [...(s.supplementAts ?? []), e.at] : s.supplementAts,
        paymentRequestCount: s.paymentRequestCount + (action === 'request_payment' ? 1 : 0),
        steps: withStepDue(s.steps, s.currentStep, null),
      };
    }
    case 'receive_supplement':
    case 'confirm_payment': {
      const paidOnline = action === 'confirm_payment' ? bool(p, 'paidOnline') : s.paidOnline;
      const clock = resumeClock(cal, s.clock, e.at);
      const stepClock = s.stepClock && resumeClock(cal, s.stepClock, e.at);
      return {
        ...s,
        status: s.resumeStatus ?? 'in_progress',
        resumeStatus: null,
        clock,
        stepClock,
        paidOnline,
        steps: withStepDue(s.steps, s.currentStep, stepClock?.dueAt ?? null),
      };
    }
    case 'extend': {
      const policy = typeof ctx.policy === 'function' ? ctx.policy(s.receivedAt) : ctx.policy;
      if (s.extensionCount >= policy.maxExtensions) {
        throw new LifecycleError(
          'RULE_VIOLATION',
          policy.maxExtensions === 1
            ? 'Hồ sơ đã được gia hạn một lần; không được gia hạn thêm.'
            : `Hồ sơ đã được gia hạn ${s.extensionCount} lần, tối đa ${policy.maxExtensions}.`,
        );
      }
      str(p, 'reason', true);
      str(p, 'responsibleUnitCode', true);
      const promised = instant(p, 'newPromisedAt');
      const deadline = s.promisedAt ?? s.clock.dueAt;
      // The apology letter comes before the deadline it apologises for (docs/domain.md, form 04).
      // "Before the due instant": at the due instant itself is too late.
      if (
        clockOverdue(s.clock, e.at) ||
        (s.clock.pausedSince === null && s.clock.dueAt <= e.at) ||
        (s.promisedAt !== null && s.promisedAt <= e.at)
      ) {
        throw new LifecycleError('RULE_VIOLATION', 'Đã quá hạn giải quyết; chỉ được gia hạn trước thời hạn.');
      }
      const lead = policy.extensionMinLeadMs;
      if (lead > 0 && !isPaused(s.clock) && cal.workingMsBetween(new Date(e.at), new Date(deadline)) < lead) {
        throw new LifecycleError(
          'RULE_VIOLATION',
          'Văn bản xin lỗi và gia hạn phải được ban hành trước thời hạn theo quy định.',
        );
      }
      if (promised <= e.at || promised <= deadline) {
        throw new LifecycleError('RULE_VIOLATION', 'Thời hạn hẹn mới phải sau thời hạn hiện tại.');
      }
      return { ...s, promisedAt: promised, extensionCount: s.extensionCount + 1 };
    }
    case 'resolve': {
      str(p, 'resultSummary', true);
      return end(ctx, s, e, 'resolved', { electronicResult: bool(p, 'electronicResult') });
    }
    case 'return':
      return { ...s, status: 'returned', returnedAt: e.at };
    case 'reject':
    case 'stop':
      str(p, 'reason', true);
      return end(ctx, s, e, action === 'reject' ? 'rejected' : 'stopped');
    case 'withdraw':
      str(p, 'reason', false);
      return end(ctx, s, e, 'withdrawn');
    default:
      throw new Error(`unhandled action ${String(action satisfies never)}`);
  }
}

function withStepDue(steps: StepRecord[], current: number | null, dueAt: number | null): StepRecord[] {
  if (current === null) return steps;
  const out = steps.slice();
  out[current] = { ...out[current], dueAt };
  return out;
}

/** Folds a whole history. Throws LifecycleError with the failing event's index in the message. */
export function replay(events: DossierEvent[], ctx: FoldContext): DossierState {
  let state: DossierState | null = null;
  events.forEach((e, i) => {
    try {
      state = applyEvent(state, e, ctx);
    } catch (err) {
      if (err instanceof LifecycleError)
        throw new LifecycleError(err.code, `Sự kiện #${i + 1} (${e.action}): ${err.message}`);
      throw err;
    }
  });
  if (!state) throw new LifecycleError('RULE_VIOLATION', 'Lịch sử hồ sơ trống.');
  return state;
}

// ---------------------------------------------------------------------------------------------
// Derived views

export function isOpen(s: DossierState): boolean {
  return s.endedAt === null;
}

export function isRunning(s: DossierState): boolean {
  return s.endedAt === null && !isPaused(s.clock);
}

export function timelinessAt(s: DossierState, at: number): Timeliness | null {
  if (s.endedAt !== null) return null;
  return clockOverdue(s.clock, at) ? 'overdue' : 'within';
}

/** The deadline alerts follow: the promised instant after an extension, else the statutory one. */
export function alertDeadline(s: DossierState): number {
  return s.promisedAt ?? s.clock.dueAt;
}

export interface DeadlineColumns {
  /** Statutory due instant; null while paused (unknown until the citizen acts). */
  dueAt: number | null;
  promisedAt: number | null;
  /** When remaining working time before the alert deadline falls to the due-soon window. */
  dueSoonAt: number | null;
  /** The alert deadline (promised or statutory) while running. */
  overdueAt: number | null;
  /** Escalation: still overdue this much working time after the alert deadline. */
  escalateAt: number | null;
  stepDueAt: number | null;
}

/**
 * The precomputed columns the SLA scan compares with now() (docs/architecture.md): null once ended, so
 * ended dossiers never match a scan; while paused, only the deadlines already past when it paused.
 */
export function deadlineColumns(
  s: DossierState,
  cal: WorkingCalendar,
  thresholds: { dueSoonWindowMs: number; escalationDelayMs: number },
): DeadlineColumns {
  const ended = s.endedAt !== null;
  if (ended)
    return {
      dueAt: s.clock.dueAt,
      promisedAt: s.promisedAt,
      dueSoonAt: null,
      overdueAt: null,
      escalateAt: null,
      stepDueAt: null,
    };
  if (isPaused(s.clock)) {
    // Paused: no due-soon (it needs a running clock), but a deadline already past when the clock
    // paused stays past (docs/domain.md "Alerts"): overdue, escalated and stalled still fire, once per
    // deadline (resumption keeps a past due instant, so the deadline stays the same).
    const pausedAt = s.clock.pausedSince!;
    const late = alertDeadline(s) < pausedAt ? alertDeadline(s) : null;
    const step = s.stepClock;
    const stepLate = step && step.pausedSince !== null && step.dueAt < step.pausedSince ? step.dueAt : null;
    return {
      dueAt: null,
      promisedAt: s.promisedAt,
      dueSoonAt: null,
      overdueAt: late,
      escalateAt: late === null ? null : cal.addWorkingMs(new Date(late), thresholds.escalationDelayMs).getTime(),
      stepDueAt: stepLate,
    };
  }
  const deadline = alertDeadline(s);
  const from = s.clock.segmentStart!;
  const left = deadline > from ? cal.workingMsBetween(new Date(from), new Date(deadline)) : 0;
  const dueSoonAt =
    left > thresholds.dueSoonWindowMs
      ? cal.addWorkingMs(new Date(from), left - thresholds.dueSoonWindowMs).getTime()
      : from;
  return {
    dueAt: s.clock.dueAt,
    promisedAt: s.promisedAt,
    dueSoonAt,
    overdueAt: deadline,
    escalateAt: cal.addWorkingMs(new Date(deadline), thresholds.escalationDelayMs).getTime(),
    stepDueAt: s.stepClock && !isPaused(s.stepClock) ? s.stepClock.dueAt : null,
  };
}
