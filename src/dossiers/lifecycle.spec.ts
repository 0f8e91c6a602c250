import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calendarFromHolidayFile, WorkingCalendar } from '../calendar/working-time';
import {
  ACTIONS,
  ALLOWED_FROM,
  applyEvent,
  deadlineColumns,
  DossierAction,
  DossierEvent,
  DossierState,
  FoldContext,
  LifecycleError,
  LifecyclePolicy,
  pausedMsAt,
  remainingMsAt,
  replay,
  STATUSES,
  timelinessAt,
  usedMsAt,
} from './lifecycle';

const calendar = WorkingCalendar.build(
  calendarFromHolidayFile(
    JSON.parse(readFileSync(join(__dirname, '../../config/calendars/vn-public-holidays.json'), 'utf8')),
  ),
);
const H = 3_600_000;
const t = (local: string) => Date.parse(`${local}+07:00`);
const iso = (ms: number | null) =>
  ms === null ? null : new Date(ms + 7 * H).toISOString().slice(0, 16).replace('T', ' ');

function ctx(over: Partial<FoldContext['rules']> = {}, policy: Partial<LifecyclePolicy> = {}): FoldContext {
  return {
    calendar,
    rules: {
      timeLimit: { amount: 3, unit: 'working_days' },
      intakeCutoff: null,
      steps: [
        { name: 'Tiếp nhận', unitId: 'u0', unitCode: 'H15.50', workingHours: 4 },
        { name: 'Thẩm định', unitId: 'u1', unitCode: 'H15.50.01', workingHours: 12 },
        { name: 'Ký duyệt', unitId: 'u2', unitCode: 'H15.50.02', workingHours: 4 },
      ],
      ...over,
    },
    policy: { maxExtensions: 1, extensionMinLeadMs: 0, ...policy },
  };
}

const PAYLOADS: Record<DossierAction, Record<string, unknown>> = {
  intake: {},
  forward: {},
  request_supplement: { reason: 'Thiếu bản vẽ', items: ['Bản vẽ thiết kế'] },
  receive_supplement: {},
  request_payment: { amount: 150000 },
  confirm_payment: { paidOnline: true },
  extend: { newPromisedAt: '2027-06-01T10:00:00+07:00', reason: 'Cần xác minh thêm', responsibleUnitCode: 'H15.50.01' },
  resolve: { resultSummary: 'Cấp giấy phép', electronicResult: true },
  return: {},
  reject: { reason: 'Không đủ điều kiện' },
  stop: { reason: 'Theo đề nghị' },
  withdraw: { reason: 'Công dân rút' },
  close: {},
  // Leaders' tools.
  comment: { text: 'Đề nghị khẩn trương xử lý' },
  reassign: { assigneeUserId: 'user-2', reason: 'Cán bộ nghỉ phép' },
  recall: { reason: 'Thẩm định chưa đạt' },
  correct_deadline: { dueAt: '2027-06-01T10:00:00+07:00', reason: 'Sự cố hệ thống', documentRef: 'QĐ 12/2026' },
};

const ev = (action: DossierAction, at: number, payload: Record<string, unknown> = PAYLOADS[action]): DossierEvent => ({
  action,
  at,
  actorUserId: 'user-1',
  payload,
});

function run(events: DossierEvent[], c = ctx()): DossierState {
  return replay(events, c);
}

describe('intake and the clock', () => {
  it('starts the clock at reception inside working hours and reproduces the Tết example (due 2026-02-25 10:00)', () => {
    const s = run([ev('intake', t('2026-02-13T10:00:00'))]);
    expect(s.status).toBe('received');
    expect(iso(s.clockStart)).toBe('2026-02-13 10:00');
    expect(iso(s.clock.dueAt)).toBe('2026-02-25 10:00');
    // The first step (4 working hours) is due the same day at 15:30 (lunch excluded).
    expect(iso(s.steps[0].dueAt)).toBe('2026-02-13 15:30');
  });

  it('snaps a reception after hours to the next working day and honours the intake cut-off', () => {
    const late = run([ev('intake', t('2026-03-06T17:30:00'))]);
    expect(iso(late.clockStart)).toBe('2026-03-09 07:30');
    const cut = run(
      [ev('intake', t('2026-03-04T15:10:00'))],
      ctx({ intakeCutoff: '15:00', timeLimit: { amount: 8, unit: 'working_hours' } }),
    );
    expect(iso(cut.clockStart)).toBe('2026-03-05 07:30');
    expect(iso(cut.clock.dueAt)).toBe('2026-03-05 17:00');
  });

  it('refuses a procedure without an internal process', () => {
    expect(() => run([ev('intake', t('2026-03-04T09:00:00'))], ctx({ steps: [] }))).toThrow(LifecycleError);
  });
});

describe('transition table', () => {
  // A dossier brought to each status by a short history starting Monday 2026-03-02 08:00.
  const day = t('2026-03-02T08:00:00');
  // A policy with the closing rule in force at once, so that `close` is allowed from awaiting_supplement.
  const tctx = ctx({}, { closeAfterSupplementMs: 0 });
  const histories: Record<(typeof STATUSES)[number], DossierEvent[]> = {
    received: [ev('intake', day)],
    in_progress: [ev('intake', day), ev('forward', day + H)],
    awaiting_supplement: [ev('intake', day), ev('request_supplement', day + H)],
    awaiting_payment: [ev('intake', day), ev('request_payment', day + H)],
    resolved: [ev('intake', day), ev('resolve', day + H)],
    returned: [ev('intake', day), ev('resolve', day + H), ev('return', day + 2 * H)],
    rejected: [ev('intake', day), ev('reject', day + H)],
    stopped: [ev('intake', day), ev('stop', day + H)],
    withdrawn: [ev('intake', day), ev('withdraw', day + H)],
    closed: [ev('intake', day), ev('request_supplement', day + H), ev('close', day + 2 * H)],
  };

  for (const status of STATUSES) {
    for (const action of ACTIONS) {
      const allowed = ALLOWED_FROM[action].includes(status);
      it(`${allowed ? 'allows' : 'refuses'} ${action} from ${status}`, () => {
        const before = run(histories[status], tctx);
        expect(before.status).toBe(status);
        const apply = () => applyEvent(before, ev(action, day + 3 * H), tctx);
        if (allowed) {
          expect(apply().eventCount).toBe(before.eventCount + 1);
        } else {
          expect(apply).toThrow(expect.objectContaining({ code: 'TRANSITION_NOT_ALLOWED' }));
        }
      });
    }
  }

  it('refuses a second intake', () => {
    expect(() => applyEvent(run([ev('intake', day)]), ev('intake', day + H), ctx())).toThrow(
      expect.objectContaining({ code: 'TRANSITION_NOT_ALLOWED' }),
    );
  });

  it('refuses events out of time order', () => {
    expect(() => run([ev('intake', day), ev('forward', day - H)])).toThrow(
      expect.objectContaining({ code: 'RULE_VIOLATION' }),
    );
  });
});

describe('pauses', () => {
  it('pauses the clock while waiting for a supplement, across Tết, and resumes with the remaining time', () => {
    // Mon 09/02 08:00, 3 working days -> due Thu 12/02 08:00. Paused Tue 10/02 08:00 with 16 h left.
    const s1 = run([ev('intake', t('2026-02-09T08:00:00'))]);
    expect(iso(s1.clock.dueAt)).toBe('2026-02-12 08:00');
    const paused = applyEvent(s1, ev('request_supplement', t('2026-02-10T08:00:00')), ctx());
    expect(paused.status).toBe('awaiting_supplement');
    expect(remainingMsAt(calendar, paused.clock, t('2026-02-23T08:00:00'))).toBe(16 * H);
    expect(usedMsAt(calendar, paused.clock, t('2026-02-23T08:00:00'))).toBe(8 * H);
    expect(deadlineColumns(paused, calendar, { dueSoonWindowMs: 8 * H }).dueAt).toBeNull();
    // Resumed Mon 23/02 08:00 (after Tết): 16 h more -> Wed 25/02 08:00.
    const resumed = applyEvent(paused, ev('receive_supplement', t('2026-02-23T08:00:00')), ctx());
    expect(resumed.status).toBe('received');
    expect(iso(resumed.clock.dueAt)).toBe('2026-02-25 08:00');
    // The working time that passed while paused: Tue 10/02 from 08:00, Wed, Thu, Fri 13/02, and Mon 23/02 until 08:00.
    expect(pausedMsAt(calendar, resumed.clock, t('2026-02-23T08:00:00'))).toBe((7.5 + 8 + 8 + 8 + 0.5) * H);
    expect(resumed.supplementCount).toBe(1);
  });

  it('pauses the current step clock too', () => {
    const s = run([
      ev('intake', t('2026-03-02T08:00:00')),
      ev('forward', t('2026-03-02T09:00:00')),
      ev('request_payment', t('2026-03-02T10:00:00')),
    ]);
    expect(s.steps[1].dueAt).toBeNull();
    const r = applyEvent(s, ev('confirm_payment', t('2026-03-04T08:00:00'), { paidOnline: true }), ctx());
    // Step 1 has 12 h: 1 h used (09:00-10:00), 11 h from Wed 04/03 08:00 -> Thu 05/03 11:00.
    expect(iso(r.steps[1].dueAt)).toBe('2026-03-05 11:00');
    expect(r.status).toBe('in_progress');
    expect(r.paidOnline).toBe(true);
  });

  it('judges a paused dossier by the time it had used when paused', () => {
    const overdueWhenPaused = run([
      ev('intake', t('2026-03-02T08:00:00')),
      ev('request_supplement', t('2026-03-06T08:00:00')),
    ]);
    expect(timelinessAt(overdueWhenPaused, t('2026-03-06T09:00:00'))).toBe('overdue');
    const withinWhenPaused = run([
      ev('intake', t('2026-03-02T08:00:00')),
      ev('request_supplement', t('2026-03-03T08:00:00')),
    ]);
    // Weeks later, still within: the clock is stopped.
    expect(timelinessAt(withinWhenPaused, t('2026-04-20T08:00:00'))).toBe('within');
  });

  it('keeps an overdue dossier overdue after it resumes', () => {
    const s = run([
      ev('intake', t('2026-03-02T08:00:00')),
      ev('request_supplement', t('2026-03-06T08:00:00')),
      ev('receive_supplement', t('2026-03-10T08:00:00')),
    ]);
    expect(iso(s.clock.dueAt)).toBe('2026-03-05 08:00');
    expect(timelinessAt(s, t('2026-03-10T08:00:00'))).toBe('overdue');
  });

  it('shifts a calendar-day limit by the pause and snaps it to the end of a working day', () => {
    // Mon 02/03 08:00 + 10 days = Thu 12/03 08:00 (a working instant).
    const c = ctx({ timeLimit: { amount: 10, unit: 'calendar_days' } });
    const s = run([ev('intake', t('2026-03-02T08:00:00'))], c);
    expect(iso(s.clock.dueAt)).toBe('2026-03-12 08:00');
    // Paused 2 days and 4 hours: raw due Sat 14/03 12:00 -> end of the next working day, Mon 16/03 17:00.
    const r = run(
      [
        ev('intake', t('2026-03-02T08:00:00')),
        ev('request_supplement', t('2026-03-03T08:00:00')),
        ev('receive_supplement', t('2026-03-05T12:00:00')),
      ],
      c,
    );
    expect(iso(r.clock.dueAt)).toBe('2026-03-16 17:00');
  });

  it('never moves a calendar-day due instant to before the resumption plus the working time left', () => {
    // 1 calendar day from Fri 06/03 10:00: raw Sat 07/03 10:00 -> due Mon 09/03 17:00.
    const c = ctx({ timeLimit: { amount: 1, unit: 'calendar_days' } });
    const intake = ev('intake', t('2026-03-06T10:00:00'));
    expect(iso(run([intake], c).clock.dueAt)).toBe('2026-03-09 17:00');
    // Paused Mon 09:00 (6.5 working hours left) to Tue 09:00: the shifted raw instant (Sun 10:00) snaps
    // back to Mon 17:00, before the resumption; the due is Tue 09:00 + 6.5 h = Tue 17:00, and not overdue.
    const r = run(
      [intake, ev('request_supplement', t('2026-03-09T09:00:00')), ev('receive_supplement', t('2026-03-10T09:00:00'))],
      c,
    );
    expect(iso(r.clock.dueAt)).toBe('2026-03-10 17:00');
    expect(applyEvent(r, ev('resolve', t('2026-03-10T09:30:00')), c).outcome).not.toBe('late');
  });
});

describe('outcomes', () => {
  const intake = ev('intake', t('2026-03-02T08:00:00')); // due Thu 05/03 08:00
  it('is early when resolved on an earlier calendar date than the due date', () => {
    const s = run([intake, ev('resolve', t('2026-03-04T16:59:00'))]);
    expect(s.outcome).toBe('early');
    expect(s.status).toBe('resolved');
    expect(iso(s.endedAt)).toBe('2026-03-04 16:59');
  });
  it('is on time when resolved on the due date, up to the due instant', () => {
    expect(run([intake, ev('resolve', t('2026-03-05T08:00:00'))]).outcome).toBe('on_time');
    expect(run([intake, ev('resolve', t('2026-03-05T07:45:00'))]).outcome).toBe('on_time');
  });
  it('is late when ended after the due instant, whatever the ending action', () => {
    expect(run([intake, ev('resolve', t('2026-03-05T08:01:00'))]).outcome).toBe('late');
    expect(run([intake, ev('reject', t('2026-03-06T08:00:00'))]).outcome).toBe('late');
  });
  it('excludes pauses: a dossier withdrawn while paused before its due instant is not late', () => {
    const s = run([
      intake,
      ev('request_supplement', t('2026-03-03T08:00:00')),
      ev('withdraw', t('2026-04-01T08:00:00')),
    ]);
    expect(s.status).toBe('withdrawn');
    expect(s.outcome).not.toBe('late');
    expect(s.clock.usedMs).toBe(8 * H);
  });
  it('keeps the end of processing when the result is returned later', () => {
    const s = run([intake, ev('resolve', t('2026-03-04T10:00:00')), ev('return', t('2026-03-09T10:00:00'))]);
    expect(s.status).toBe('returned');
    expect(iso(s.endedAt)).toBe('2026-03-04 10:00');
    expect(iso(s.returnedAt)).toBe('2026-03-09 10:00');
    expect(s.outcome).toBe('early');
    expect(s.currentStep).toBeNull();
  });
});

describe('extension (apology and extension letter)', () => {
  const intake = ev('intake', t('2026-03-02T08:00:00')); // due Thu 05/03 08:00
  const extend = (at: string, promised: string) =>
    ev('extend', t(at), {
      newPromisedAt: `${promised}+07:00`,
      reason: 'Cần xác minh',
      responsibleUnitCode: 'H15.50.01',
    });

  it('keeps the statutory due instant and records the promised one beside it', () => {
    const s = run([intake, extend('2026-03-04T09:00:00', '2026-03-10T17:00:00')]);
    expect(iso(s.clock.dueAt)).toBe('2026-03-05 08:00');
    expect(iso(s.promisedAt)).toBe('2026-03-10 17:00');
    expect(s.extensionCount).toBe(1);
    // Statistics still judge against the statutory instant.
    expect(applyEvent(s, ev('resolve', t('2026-03-09T09:00:00')), ctx()).outcome).toBe('late');
  });
  it('refuses a second extension (at most once by default)', () => {
    const s = run([intake, extend('2026-03-03T09:00:00', '2026-03-06T17:00:00')]);
    expect(() => applyEvent(s, extend('2026-03-04T09:00:00', '2026-03-09T17:00:00'), ctx())).toThrow(
      expect.objectContaining({ code: 'RULE_VIOLATION' }),
    );
    expect(
      applyEvent(s, extend('2026-03-04T09:00:00', '2026-03-09T17:00:00'), ctx({}, { maxExtensions: 2 })).extensionCount,
    ).toBe(2);
  });
  it('refuses an extension after the due instant, and at the due instant itself ("before" it)', () => {
    expect(() => run([intake, extend('2026-03-05T09:00:00', '2026-03-10T17:00:00')])).toThrow(/quá hạn/);
    expect(() => run([intake, extend('2026-03-05T08:00:00', '2026-03-10T17:00:00')])).toThrow(/quá hạn/);
    expect(run([intake, extend('2026-03-05T07:59:59', '2026-03-10T17:00:00')]).extensionCount).toBe(1);
  });
  it('refuses a promised instant that is not after the current due instant', () => {
    expect(() => run([intake, extend('2026-03-04T09:00:00', '2026-03-05T07:00:00')])).toThrow(/sau thời hạn/);
  });
  it('judges each dossier by the policy version in force when it was received: lowering a limit never breaks a replay', () => {
    // Two extensions allowed for dossiers received before Wed 04/03, one from then on.
    const versioned: FoldContext = {
      ...ctx(),
      policy: (receivedAt) => ({ maxExtensions: receivedAt < t('2026-03-04T00:00:00') ? 2 : 1, extensionMinLeadMs: 0 }),
    };
    const twice = [
      intake,
      extend('2026-03-03T09:00:00', '2026-03-06T17:00:00'),
      extend('2026-03-04T09:00:00', '2026-03-09T17:00:00'),
    ];
    expect(replay(twice, versioned).extensionCount).toBe(2);
    const later = ev('intake', t('2026-03-04T08:00:00')); // due Mon 09/03 08:00
    expect(() =>
      replay(
        [
          later,
          extend('2026-03-04T09:00:00', '2026-03-10T17:00:00'),
          extend('2026-03-05T09:00:00', '2026-03-11T17:00:00'),
        ],
        versioned,
      ),
    ).toThrow(/gia hạn một lần/);
  });
  it('enforces a configured minimum lead (the old one-working-day rule)', () => {
    const c = ctx({}, { extensionMinLeadMs: 8 * H });
    expect(() => run([intake, extend('2026-03-04T09:00:00', '2026-03-10T17:00:00')], c)).toThrow(
      RegExp('trước thời hạn'),
    );
    expect(run([intake, extend('2026-03-03T09:00:00', '2026-03-10T17:00:00')], c).extensionCount).toBe(1);
  });
});

describe('steps and the process-control slip', () => {
  it('records each hand-over with its due instant and result against the allotted hours', () => {
    const s = run([
      ev('intake', t('2026-03-02T08:00:00')), // step 0: 4 h -> 08:00-11:30 and 13:00-13:30
      ev('forward', t('2026-03-02T10:00:00'), { assigneeUserId: 'officer-1' }), // step 1: 12 h
      ev('forward', t('2026-03-04T16:00:00')), // step 1 was due Tue 03/03 15:30 -> late
      ev('resolve', t('2026-03-04T16:30:00')), // step 2 due Thu 05/03 10:30 -> early
    ]);
    expect(
      s.steps.map((r) => [r.index, r.fromUnitCode, r.toUnitCode, iso(r.handedOverAt), iso(r.dueAt), r.result]),
    ).toEqual([
      [0, 'H15.50', 'H15.50', '2026-03-02 08:00', '2026-03-02 13:30', 'on_time'],
      [1, 'H15.50', 'H15.50.01', '2026-03-02 10:00', '2026-03-03 15:30', 'late'],
      [2, 'H15.50.01', 'H15.50.02', '2026-03-04 16:00', '2026-03-05 10:30', 'early'],
    ]);
    expect(s.steps[1].assigneeUserId).toBe('officer-1');
  });

  it('forwards to a named step (back for re-appraisal) and refuses unknown or last-step forwards', () => {
    const s = run([
      ev('intake', t('2026-03-02T08:00:00')),
      ev('forward', t('2026-03-02T09:00:00')),
      ev('forward', t('2026-03-02T10:00:00'), { toStepIndex: 0 }),
    ]);
    expect(s.steps.map((r) => r.index)).toEqual([0, 1, 0]);
    expect(() => applyEvent(s, ev('forward', t('2026-03-02T11:00:00'), { toStepIndex: 9 }), ctx())).toThrow(
      expect.objectContaining({ code: 'RULE_VIOLATION' }),
    );
    const last = run([
      ev('intake', t('2026-03-02T08:00:00')),
      ev('forward', t('2026-03-02T09:00:00'), { toStepIndex: 2 }),
    ]);
    expect(() => applyEvent(last, ev('forward', t('2026-03-02T10:00:00')), ctx())).toThrow(/bước cuối/);
  });
});

describe('replay', () => {
  it('gives the same state folding one event at a time or the whole history', () => {
    const events = [
      ev('intake', t('2026-02-12T15:00:00')),
      ev('forward', t('2026-02-13T09:00:00')),
      ev('request_supplement', t('2026-02-13T10:00:00')),
      ev('receive_supplement', t('2026-02-24T10:00:00')),
      ev('extend', t('2026-02-24T11:00:00'), {
        newPromisedAt: '2026-03-10T10:00:00+07:00',
        reason: 'x',
        responsibleUnitCode: 'H15.50.01',
      }),
      ev('forward', t('2026-02-25T10:00:00')),
      ev('resolve', t('2026-02-26T10:00:00')),
    ];
    let incremental: DossierState | null = null;
    for (const e of events) incremental = applyEvent(incremental, e, ctx());
    expect(JSON.parse(JSON.stringify(replay(events, ctx())))).toEqual(JSON.parse(JSON.stringify(incremental)));
  });
});

describe('deadline columns for the SLA scan', () => {
  const th = { dueSoonWindowMs: 8 * H };
  it('puts due-soon 8 working hours before the deadline (escalation is timed from the overdue alert, in the scan)', () => {
    const s = run([ev('intake', t('2026-03-02T08:00:00'))]); // due Thu 05/03 08:00
    const c = deadlineColumns(s, calendar, th);
    expect(iso(c.dueAt)).toBe('2026-03-05 08:00');
    expect(iso(c.dueSoonAt)).toBe('2026-03-04 08:00');
    expect(iso(c.overdueAt)).toBe('2026-03-05 08:00');
    expect(iso(c.stepDueAt)).toBe('2026-03-02 13:30');
  });
  it('follows the promised instant after an extension', () => {
    const s = run([
      ev('intake', t('2026-03-02T08:00:00')),
      ev('extend', t('2026-03-03T08:00:00'), {
        newPromisedAt: '2026-03-10T17:00:00+07:00',
        reason: 'x',
        responsibleUnitCode: 'H15.50',
      }),
    ]);
    const c = deadlineColumns(s, calendar, th);
    expect(iso(c.dueAt)).toBe('2026-03-05 08:00');
    expect(iso(c.overdueAt)).toBe('2026-03-10 17:00');
    expect(iso(c.dueSoonAt)).toBe('2026-03-09 17:00');
  });
  it('has no scan columns for dossiers paused within their time or ended', () => {
    const paused = run([ev('intake', t('2026-03-02T08:00:00')), ev('request_supplement', t('2026-03-02T09:00:00'))]);
    expect(deadlineColumns(paused, calendar, th)).toMatchObject({
      dueAt: null,
      dueSoonAt: null,
      overdueAt: null,
      stepDueAt: null,
    });
    const ended = run([ev('intake', t('2026-03-02T08:00:00')), ev('resolve', t('2026-03-02T09:00:00'))]);
    expect(deadlineColumns(ended, calendar, th)).toMatchObject({
      dueSoonAt: null,
      overdueAt: null,
      stepDueAt: null,
    });
  });
  it('keeps the deadlines already past when a dossier paused: overdue (so escalation) and stalled, never due-soon', () => {
    // Due Thu 05/03 08:00, counter step due Mon 13:30; paused Thu 10:00.
    const paused = run([ev('intake', t('2026-03-02T08:00:00')), ev('request_supplement', t('2026-03-05T10:00:00'))]);
    const c = deadlineColumns(paused, calendar, th);
    expect(c.dueAt).toBeNull();
    expect(c.dueSoonAt).toBeNull();
    expect(iso(c.overdueAt)).toBe('2026-03-05 08:00');
    expect(iso(c.stepDueAt)).toBe('2026-03-02 13:30');
    // Past the step's own due only: stalled alone.
    const stepLate = run([ev('intake', t('2026-03-02T08:00:00')), ev('request_supplement', t('2026-03-02T15:00:00'))]);
    expect(deadlineColumns(stepLate, calendar, th)).toMatchObject({ overdueAt: null });
    expect(iso(deadlineColumns(stepLate, calendar, th).stepDueAt)).toBe('2026-03-02 13:30');
  });
});

describe('implied steps (filled in for a source system that skipped them)', () => {
  const ev = (
    action: DossierAction,
    at: string,
    payload: Record<string, unknown> = PAYLOADS[action],
  ): DossierEvent => ({
    action,
    at: t(at),
    actorUserId: null,
    payload,
  });

  it('skips an implied step that the real one, placed before it, made redundant; counts it as an event', () => {
    const s = replay(
      [
        ev('intake', '2026-03-02 08:00'),
        ev('forward', '2026-03-02 09:00'),
        ev('resolve', '2026-03-02 10:00'),
        ev('resolve', '2026-03-02 11:00', { ...PAYLOADS.resolve, implied: true }),
        ev('return', '2026-03-02 11:00'),
      ],
      ctx(),
    );
    expect(s.status).toBe('returned');
    expect(s.endedAt).toBe(t('2026-03-02 10:00'));
    expect(s.eventCount).toBe(5);
  });

  it('still refuses a real step that is not allowed', () => {
    expect(() =>
      replay(
        [ev('intake', '2026-03-02 08:00'), ev('resolve', '2026-03-02 10:00'), ev('resolve', '2026-03-02 11:00')],
        ctx(),
      ),
    ).toThrow(LifecycleError);
  });
});
