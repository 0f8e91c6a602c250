import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calendarFromHolidayFile, WorkingCalendar } from '../calendar/working-time';
import { DossierEvent, FoldContext, judge, LifecycleError, replay } from './lifecycle';

/** Leaders' tools in the fold (docs/domain.md "Leaders' tools"). */
const calendar = WorkingCalendar.build(
  calendarFromHolidayFile(
    JSON.parse(readFileSync(join(__dirname, '../../config/calendars/vn-public-holidays.json'), 'utf8')),
  ),
);
const H = 3_600_000;
const t = (local: string) => Date.parse(`${local}+07:00`);
const iso = (ms: number | null | undefined) =>
  ms == null ? null : new Date(ms + 7 * H).toISOString().slice(0, 16).replace('T', ' ');
const ctx: FoldContext = {
  calendar,
  rules: {
    timeLimit: { amount: 3, unit: 'working_days' },
    intakeCutoff: null,
    steps: [
      { name: 'Tiếp nhận', unitId: 'u0', unitCode: 'H15.50', workingHours: 4 },
      { name: 'Thẩm định', unitId: 'u1', unitCode: 'H15.50.01', workingHours: 12 },
      { name: 'Ký duyệt', unitId: 'u2', unitCode: 'H15.50.02', workingHours: 4 },
    ],
  },
  policy: { maxExtensions: 1, extensionMinLeadMs: 0 },
};
const ev = (action: DossierEvent['action'], at: string, payload: Record<string, unknown> = {}): DossierEvent => ({
  action,
  at: t(at),
  actorUserId: 'head-1',
  payload,
});
// Monday 2026-03-02: received 08:00 (due Thursday 08:00), forwarded to appraisal at 09:00 and to signing at 10:00.
const base = [
  ev('intake', '2026-03-02T08:00:00'),
  ev('forward', '2026-03-02T09:00:00', { assigneeUserId: 'officer-1' }),
  ev('forward', '2026-03-02T10:00:00', { assigneeUserId: 'officer-2' }),
];

describe("leaders' tools in the fold", () => {
  it('a comment changes nothing but the version, and is allowed on an ended dossier', () => {
    const before = replay(base, ctx);
    const after = replay([...base, ev('comment', '2026-03-02T11:00:00', { text: 'Khẩn trương' })], ctx);
    expect({ ...after, lastEventAt: 0, eventCount: 0 }).toEqual({ ...before, lastEventAt: 0, eventCount: 0 });
    expect(after.eventCount).toBe(before.eventCount + 1);
    const ended = replay(
      [
        ...base,
        ev('resolve', '2026-03-02T11:00:00', { resultSummary: 'x', electronicResult: false }),
        ev('comment', '2026-03-03T08:00:00', { text: 'Rút kinh nghiệm' }),
      ],
      ctx,
    );
    expect(ended.status).toBe('resolved');
    expect(() => replay([...base, ev('comment', '2026-03-02T11:00:00', { text: ' ' })], ctx)).toThrow(LifecycleError);
  });

  it('reassign names another officer for the current step and keeps its clock', () => {
    const before = replay(base, ctx);
    const s = replay(
      [...base, ev('reassign', '2026-03-02T11:00:00', { assigneeUserId: 'officer-3', reason: 'Nghỉ phép' })],
      ctx,
    );
    expect(s.steps[s.currentStep!].assigneeUserId).toBe('officer-3');
    expect(s.steps[s.currentStep!].dueAt).toBe(before.steps[before.currentStep!].dueAt);
    expect(s.steps.length).toBe(before.steps.length);
  });

  it('recall hands the dossier back to the step it came from, with a fresh step clock, and no result for the recalled step', () => {
    const s = replay([...base, ev('recall', '2026-03-02T13:00:00', { reason: 'Hồ sơ thẩm định chưa đạt' })], ctx);
    expect(s.status).toBe('in_progress');
    const recalled = s.steps[2];
    expect(recalled).toMatchObject({ index: 2, recalled: true, result: null, completedAt: t('2026-03-02T13:00:00') });
    const back = s.steps[s.currentStep!];
    expect(back).toMatchObject({
      index: 1,
      fromUnitCode: 'H15.50.02',
      toUnitCode: 'H15.50.01',
      assigneeUserId: 'officer-1',
    });
    // 12 working hours from Monday 13:00: Monday 4 h, Tuesday 8 h -> Tuesday 17:00.
    expect(iso(back.dueAt)).toBe('2026-03-03 17:00');
    // The dossier's clock is untouched.
    expect(iso(s.clock.dueAt)).toBe('2026-03-05 08:00');
  });

  it('recall to the counter step makes the dossier received again; recall at step 0 is refused', () => {
    const one = [ev('intake', '2026-03-02T08:00:00'), ev('forward', '2026-03-02T09:00:00')];
    const s = replay([...one, ev('recall', '2026-03-02T10:00:00', { reason: 'Thiếu giấy tờ' })], ctx);
    expect(s.status).toBe('received');
    expect(s.steps[s.currentStep!].index).toBe(0);
    expect(() =>
      replay(
        [
          ...one,
          ev('recall', '2026-03-02T10:00:00', { reason: 'a' }),
          ev('forward', '2026-03-02T10:30:00', { toStepIndex: 0 }),
        ],
        ctx,
      ),
    ).toThrow(LifecycleError);
    // From received (step 0) recall is not allowed at all.
    expect(() => replay([one[0], ev('recall', '2026-03-02T10:00:00', { reason: 'a' })], ctx)).toThrow(/recall/);
  });

  it('correct_deadline sets the due instant as given (no snapping), keeps promisedAt, and the outcome follows it', () => {
    const corrected = [
      ...base,
      ev('correct_deadline', '2026-03-03T08:00:00', {
        dueAt: '2026-03-06T12:15:00+07:00',
        reason: 'Hệ thống ngừng hoạt động ngày 03/03',
        documentRef: 'Công văn 45/STTTT',
      }),
    ];
    const s = replay(corrected, ctx);
    // 12:15 is in the lunch break: kept as given.
    expect(iso(s.clock.dueAt)).toBe('2026-03-06 12:15');
    expect(s.promisedAt).toBeNull();
    expect(s.corrections).toEqual([
      {
        at: t('2026-03-03T08:00:00'),
        dueAt: t('2026-03-06T12:15:00'),
        previousDueAt: t('2026-03-05T08:00:00'),
        reason: 'Hệ thống ngừng hoạt động ngày 03/03',
        documentRef: 'Công văn 45/STTTT',
        actorUserId: 'head-1',
      },
    ]);
    // Resolved Friday 10:00: late against the original Thursday 08:00, on time against the correction.
    const done = replay(
      [...corrected, ev('resolve', '2026-03-06T10:00:00', { resultSummary: 'x', electronicResult: false })],
      ctx,
    );
    expect(done.outcome).toBe('on_time');
    expect(judge(calendar, t('2026-03-06T10:00:00'), t('2026-03-05T08:00:00'))).toBe('late');
  });

  it('correct_deadline is refused on an ended dossier and before the clock start', () => {
    expect(() =>
      replay(
        [
          ...base,
          ev('correct_deadline', '2026-03-02T11:00:00', {
            dueAt: '2026-03-01T10:00:00+07:00',
            reason: 'r',
            documentRef: 'd',
          }),
        ],
        ctx,
      ),
    ).toThrow(LifecycleError);
    expect(() =>
      replay(
        [
          ...base,
          ev('withdraw', '2026-03-02T11:00:00'),
          ev('correct_deadline', '2026-03-02T12:00:00', {
            dueAt: '2026-03-09T10:00:00+07:00',
            reason: 'r',
            documentRef: 'd',
          }),
        ],
        ctx,
      ),
    ).toThrow(/correct_deadline/);
  });
});
