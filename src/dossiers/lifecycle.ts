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
  'closed',
] as const;
export type DossierStatus = (typeof STATUSES)[number];

/** Leaders' tools on a dossier: directive comments, reassignment, recall, audited deadline correction. */
export const LEADER_ACTIONS = ['comment', 'reassign', 'recall', 'correct_deadline'] as const;
export type LeaderAction = (typeof LEADER_ACTIONS)[number];

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
  'close',
  // Leaders' tools (docs/domain.md "Leaders' tools"): see leaderAction below.
  ...LEADER_ACTIONS,
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
  // Decree 118/2025 Art. 19.5 "đóng hồ sơ": reported to the portal as a stop (code 8).
  closed: 8,
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
  closed: 'Đóng hồ sơ',
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
  close: ['awaiting_supplement'],
  // Leaders' tools.
  comment: [...STATUSES],
  reassign: RUNNING,
  recall: ['in_progress'],
  correct_deadline: OPEN,
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

/**
 * One lifecycle policy version (config/sla-policy.json). The optional rules are those of Decree
 * 118/2025/NĐ-CP; absent, a rule keeps the behaviour of Decree 61/2018 (pause and resume, any
 * number of supplement requests, extension any time before the due instant).
 */
export interface LifecyclePolicy {
  /** The version's identifier, e.g. "nd61-2018" or "nd118-2025" (the dossier's policyVersion). */
  id?: string;
  /** At most this many extensions per dossier (docs/domain.md: once, configurable). */
  maxExtensions: number;
  /** An extension must be issued at least this much working time before the due instant (0: any time before). */
  extensionMinLeadMs: number;
  /** Decree 118 Art. 19.5: the complete supplement restarts the whole time limit (else pause and resume). */
  supplementRestartsClock?: boolean;
  /** Decree 118 Art. 11.2.c, 16.3: at most this many supplement requests (null: no limit). */
  maxSupplementRequests?: number | null;
  /** Decree 118 Art. 19.5: a request later than this working time after the clock start is a breach. */
  supplementWindowMs?: number | null;
  /** Decree 118 Art. 17.2.c: the same for an online dossier the counter finds incomplete (at step 0). */
  onlineIncompleteWindowMs?: number | null;
  /** Decree 118 Art. 19.5: an unanswered request may be closed this long after it (null: never). */
  closeAfterSupplementMs?: number | null;
  /** Decree 118 Art. 19.6: an extension must be issued before the local start of the due date. */
  extensionBeforeDueDate?: boolean;
  /** Decree 118 Art. 18.2: paper dossiers received after this local time reach the handling agency at the next working day's start. */
  paperHandoverAfter?: string | null;
}

export type Channel = 'direct' | 'online' | 'postal';

export interface FoldContext {
  calendar: WorkingCalendar;
  rules: ProcedureRules;
  /** The lifecycle policy, or the versioned one: the version in force when the dossier was received. */
  policy: LifecyclePolicy | ((receivedAt: number) => LifecyclePolicy);
  /** The dossier's reception channel (the Decree 118 rules for online and paper dossiers use it). */
  channel?: Channel;
}

/** A rule broken but allowed (recorded and counted for the unit and the officer). */
export interface Breach {
  rule: 'late_supplement_request';
  at: number;
  actorUserId: string | null;
  /** Unit of the step that made the late request. */
  unitCode: string | null;
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
  /** Set when a head recalled the dossier from this step (no result: the step was not handled). */
  recalled?: boolean;
}

/** An audited correction of the statutory due instant (leaders' tools). */
export interface DeadlineCorrection {
  at: number;
  dueAt: number;
  previousDueAt: number;
  reason: string;
  documentRef: string;
  actorUserId: string | null;
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
  /** Deadline corrections (leaders' tools), oldest first; absent in snapshots older than them. */
  corrections?: DeadlineCorrection[];
  /** Index into `steps` of the current step (null once ended). */
  currentStep: number | null;
  steps: StepRecord[];
  paidOnline: boolean | null;
  electronicResult: boolean | null;
  lastEventAt: number;
  eventCount: number;
  /** The lifecycle policy version the dossier is judged by (absent in snapshots older than Decree 118's). */
  policyVersion?: string;
  /** Rules broken but allowed (Decree 118: a late supplement request). */
  breaches?: Breach[];
  /** Clock restarts (Decree 118 Art. 19.5): the supplement's instant and the new clock start. */
  restarts?: { at: number; clockStart: number }[];
  /** While awaiting a supplement under a closing rule: when the dossier may be closed (Art. 19.5). */
  supplementExpiresAt?: number | null;
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

export function policyOf(ctx: FoldContext, receivedAt: number): LifecyclePolicy {
  return typeof ctx.policy === 'function' ? ctx.policy(receivedAt) : ctx.policy;
}

/** The instant of the local start (00:00) of the instant's local date (the calendar's offset). */
export function localMidnight(cal: WorkingCalendar, at: number): number {
  return Date.parse(`${cal.localDate(new Date(at))}T00:00:00Z`) - cal.utcOffsetMinutes * 60_000;
}

function intake(ctx: FoldContext, e: DossierEvent): DossierState {
  const { calendar: cal, rules } = ctx;
  if (rules.steps.length === 0) throw new LifecycleError('RULE_VIOLATION', 'Thủ tục chưa có quy trình nội bộ.');
  const policy = policyOf(ctx, e.at);
  const clockStart = cal.clockStart(new Date(e.at), rules.intakeCutoff).getTime();
  const first = rules.steps[0];
  let stepClock = startStepClock(cal, clockStart, first.workingHours);
  // Decree 118 Art. 18.2: a paper dossier received after 15:00 reaches the handling agency at the
  // start of the next working day: the counter step is due then.
  const handover = policy.paperHandoverAfter;
  if (handover && ctx.channel !== undefined && ctx.channel !== 'online') {
    const [hh, mm] = handover.split(':').map(Number);
    const after = e.at - localMidnight(cal, e.at) > (hh * 60 + mm) * 60_000;
    if (after && cal.isWorkingDay(cal.localDate(new Date(e.at)))) {
      const nextDayStart = cal.clockStart(new Date(e.at), '00:00').getTime();
      stepClock = { ...stepClock, dueAt: nextDayStart };
    }
  }
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
    policyVersion: policy.id ?? 'nd61-2018',
    breaches: [],
    restarts: [],
    supplementExpiresAt: null,
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
    supplementExpiresAt: null,
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
      let breaches = s.breaches ?? [];
      if (action === 'request_supplement') {
        str(p, 'reason', true);
        if (!Array.isArray(p.items) || p.items.some((i) => typeof i !== 'string')) {
          throw new LifecycleError('VALIDATION_FAILED', 'items phải là danh sách giấy tờ cần bổ sung.');
        }
        const policy = policyOf(ctx, s.receivedAt);
        const max = policy.maxSupplementRequests;
        // Decree 118 Art. 11.2.c, 16.3: "chỉ được yêu cầu sửa đổi, bổ sung một lần".
        if (max !== undefined && max !== null && s.supplementCount >= max) {
          throw new LifecycleError(
            'RULE_VIOLATION',
            max === 1
              ? 'Hồ sơ đã được yêu cầu bổ sung một lần; không được yêu cầu bổ sung lần thứ hai (Nghị định 118/2025, Điều 11, 16).'
              : `Hồ sơ đã được yêu cầu bổ sung ${s.supplementCount} lần, tối đa ${max}.`,
          );
        }
        // Decree 118 Art. 19.5 (3 working days after reception) and 17.2.c (8 working hours for an
        // online dossier the counter finds incomplete): a later request is allowed but recorded.
        const step = s.currentStep === null ? null : s.steps[s.currentStep];
        const window =
          ctx.channel === 'online' && step?.index === 0 && policy.onlineIncompleteWindowMs
            ? policy.onlineIncompleteWindowMs
            : (policy.supplementWindowMs ?? null);
        if (
          window !== null &&
          window !== undefined &&
          // From the reception ("sau khi tiếp nhận", "kể từ thời điểm hệ thống tiếp nhận"), not from
          // the clock start, which an intake cut-off moves to the next working day.
          cal.workingMsBetween(new Date(s.receivedAt), new Date(e.at)) > window
        ) {
          breaches = [
            ...breaches,
            {
              rule: 'late_supplement_request',
              at: e.at,
              actorUserId: e.actorUserId,
              unitCode: step?.toUnitCode ?? null,
            },
          ];
        }
      } else {
        const amount = p.amount;
        // 0 = the fee is waived (docs/http-api.md); the index's 3.6 leaves such dossiers out.
        if (typeof amount !== 'number' || !(amount >= 0))
          throw new LifecycleError('VALIDATION_FAILED', 'amount phải là số không âm.');
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
        breaches,
        supplementExpiresAt: expiresAt(ctx, s, action, e.at),
      };
    }
    case 'receive_supplement':
    case 'confirm_payment': {
      const paidOnline = action === 'confirm_payment' ? bool(p, 'paidOnline') : s.paidOnline;
      if (action === 'receive_supplement' && policyOf(ctx, s.receivedAt).supplementRestartsClock) {
        return restart(ctx, s, e);
      }
      const clock = resumeClock(cal, s.clock, e.at);
      const stepClock = s.stepClock && resumeClock(cal, s.stepClock, e.at);
      return {
        ...s,
        status: s.resumeStatus ?? 'in_progress',
        resumeStatus: null,
        clock,
        stepClock,
        paidOnline,
        supplementExpiresAt: null,
        steps: withStepDue(s.steps, s.currentStep, stepClock?.dueAt ?? null),
      };
    }
    case 'extend': {
      const policy = policyOf(ctx, s.receivedAt);
      if (s.extensionCount >= policy.maxExtensions) {
        throw new LifecycleError(
          'RULE_VIOLATION',
          policy.maxExtensions === 1
            ? 'Hồ sơ đã được gia hạn một lần; không được gia hạn thêm.'
            : `Hồ sơ đã được gia hạn ${s.extensionCount} lần, tối đa ${policy.maxExtensions}.`,
        );
      }
      // Decree 118 Art. 19.5: the complete supplement restarts the whole limit, so a new appointment
      // set while it is awaited would be void at the restart, yet use up the one extension (19.6).
      if (policy.supplementRestartsClock && s.status === 'awaiting_supplement') {
        throw new LifecycleError(
          'RULE_VIOLATION',
          'Hồ sơ đang chờ bổ sung: thời hạn được tính lại từ đầu khi nhận đủ hồ sơ (Nghị định 118/2025, Điều 19.5); chưa thể gia hạn.',
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
      // Decree 118 Art. 19.6: "chậm nhất 01 ngày trước ngày hết hạn": issued before the local start
      // of the due instant's date (on the due date itself is too late).
      if (policy.extensionBeforeDueDate && e.at >= localMidnight(cal, deadline)) {
        throw new LifecycleError(
          'RULE_VIOLATION',
          'Phiếu đề nghị gia hạn phải được gửi chậm nhất 01 ngày trước ngày hết hạn (Nghị định 118/2025, Điều 19.6).',
        );
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
    case 'close': {
      // Decree 118 Art. 19.5: a request left unanswered is closed ("đóng hồ sơ") once its period
      // has passed since the notice; neither late nor on time.
      str(p, 'reason', false);
      const after = policyOf(ctx, s.receivedAt).closeAfterSupplementMs;
      if (after === undefined || after === null) {
        throw new LifecycleError('RULE_VIOLATION', 'Chính sách áp dụng cho hồ sơ này không có thao tác đóng hồ sơ.');
      }
      const requestedAt = (s.supplementAts ?? [])[s.supplementAts.length - 1] ?? s.clock.pausedSince ?? e.at;
      if (e.at < requestedAt + after) {
        throw new LifecycleError(
          'RULE_VIOLATION',
          `Chỉ được đóng hồ sơ khi đã quá ${Math.round(after / (24 * HOUR_MS))} ngày kể từ khi yêu cầu bổ sung (Nghị định 118/2025, Điều 19.5).`,
        );
      }
      const ended = end(ctx, s, e, 'closed');
      return { ...ended, outcome: null };
    }
    case 'comment':
    case 'reassign':
    case 'recall':
    case 'correct_deadline':
      return leaderAction(ctx, s, e, action);
    default:
      throw new Error(`unhandled action ${String(action satisfies never)}`);
  }
}

/**
 * Decree 118 Art. 19.5: "Thời hạn giải quyết được tính lại từ đầu sau khi nhận đủ hồ sơ": the full
 * limit starts again at the supplement's instant (snapped like any clock start); the step that
 * asked starts again with its full hours. A promised instant of an earlier extension is void (the
 * new appointment replaces it); payment waits still pause and resume.
 */
function restart(ctx: FoldContext, s: DossierState, e: DossierEvent): DossierState {
  const cal = ctx.calendar;
  const start = cal.clockStart(new Date(e.at), ctx.rules.intakeCutoff).getTime();
  const pausedWorking =
    s.clock.pausedSince === null ? 0 : cal.workingMsBetween(new Date(s.clock.pausedSince), new Date(start));
  const clock = {
    ...startClock(cal, start, ctx.rules.timeLimit),
    pausedWorkingMs: s.clock.pausedWorkingMs + pausedWorking,
  };
  let stepClock = s.stepClock;
  let steps = s.steps;
  if (s.currentStep !== null && s.stepClock) {
    const rule = ctx.rules.steps[s.steps[s.currentStep].index];
    stepClock = startStepClock(cal, start, rule.workingHours);
    steps = withStepDue(s.steps, s.currentStep, stepClock.dueAt);
  }
  return {
    ...s,
    status: s.resumeStatus ?? 'in_progress',
    resumeStatus: null,
    clock,
    stepClock,
    steps,
    promisedAt: null,
    restarts: [...(s.restarts ?? []), { at: e.at, clockStart: start }],
    supplementExpiresAt: null,
  };
}

function expiresAt(ctx: FoldContext, s: DossierState, action: DossierAction, at: number): number | null {
  if (action !== 'request_supplement') return s.supplementExpiresAt ?? null;
  const after = policyOf(ctx, s.receivedAt).closeAfterSupplementMs;
  return after === undefined || after === null ? null : at + after;
}

/**
 * Leaders' tools (docs/domain.md "Leaders' tools"). A comment changes nothing but the timeline; a
 * reassignment names another officer for the current step (its clock runs on); a recall completes
 * the current step without a result and hands the dossier back to the step it came from, whose
 * clock starts afresh with its allotted hours (a new hand-over); a deadline correction sets the
 * statutory due instant as given, without snapping, and keeps the promised instant.
 */
function leaderAction(ctx: FoldContext, s: DossierState, e: DossierEvent, action: LeaderAction): DossierState {
  const cal = ctx.calendar;
  const p = e.payload;
  switch (action) {
    case 'comment':
      str(p, 'text', true);
      return s;
    case 'reassign': {
      str(p, 'reason', true);
      const assignee = str(p, 'assigneeUserId', true);
      const steps = s.steps.slice();
      steps[s.currentStep!] = { ...steps[s.currentStep!], assigneeUserId: assignee };
      return { ...s, steps };
    }
    case 'recall': {
      str(p, 'reason', true);
      const current = s.currentStep!;
      const rec = s.steps[current];
      if (current === 0 || rec.index === 0)
        // Not allowed in this state (the contract's "in_progress, not at step 0"), like any other move
        // from a status that does not allow it.
        throw new LifecycleError(
          'TRANSITION_NOT_ALLOWED',
          'Hồ sơ đang ở bước đầu tiên; không có bước trước để thu hồi.',
        );
      const from = s.steps[current - 1];
      const rule = ctx.rules.steps[from.index];
      const steps = s.steps.slice();
      steps[current] = { ...rec, completedAt: e.at, completedBy: e.actorUserId, result: null, recalled: true };
      const stepClock = startStepClock(cal, e.at, rule.workingHours);
      steps.push({
        index: from.index,
        name: rule.name,
        fromUnitCode: rec.toUnitCode,
        toUnitCode: rule.unitCode,
        handedOverAt: e.at,
        handedOverBy: e.actorUserId,
        assigneeUserId: from.assigneeUserId,
        dueAt: stepClock.dueAt,
        completedAt: null,
        completedBy: null,
        result: null,
      });
      return {
        ...s,
        status: from.index === 0 ? 'received' : 'in_progress',
        steps,
        currentStep: steps.length - 1,
        stepClock,
      };
    }
    case 'correct_deadline': {
      const reason = str(p, 'reason', true)!;
      const documentRef = str(p, 'documentRef', true)!;
      const dueAt = instant(p, 'dueAt');
      if (dueAt <= s.clockStart)
        throw new LifecycleError('RULE_VIOLATION', 'Thời hạn đính chính phải sau thời điểm bắt đầu tính thời hạn.');
      const correction: DeadlineCorrection = {
        at: e.at,
        dueAt,
        previousDueAt: s.clock.dueAt,
        reason,
        documentRef,
        actorUserId: e.actorUserId,
      };
      return {
        ...s,
        clock: { ...s.clock, dueAt, rawDueAt: null },
        corrections: [...(s.corrections ?? []), correction],
      };
    }
    default:
      throw new Error(`unhandled leader action ${String(action satisfies never)}`);
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
  stepDueAt: number | null;
}

/**
 * The precomputed columns the SLA scan compares with now() (docs/architecture.md): null once ended, so
 * ended dossiers never match a scan; while paused, only the deadlines already past when it paused.
 */
export function deadlineColumns(
  s: DossierState,
  cal: WorkingCalendar,
  thresholds: { dueSoonWindowMs: number },
): DeadlineColumns {
  const ended = s.endedAt !== null;
  if (ended)
    return {
      dueAt: s.clock.dueAt,
      promisedAt: s.promisedAt,
      dueSoonAt: null,
      overdueAt: null,
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
    stepDueAt: s.stepClock && !isPaused(s.stepClock) ? s.stepClock.dueAt : null,
  };
}
