/**
 * Decree 118/2025/NĐ-CP, hand-computed from the decree's text (docs/domain.md, "Decree 118/2025")
 * on the shipped holiday calendar and the shipped policy versions (config/sla-policy.json).
 * Working hours: Mon–Fri 07:30–11:30, 13:00–17:00. The 2026 Quốc khánh break is Sat 29/08 – Wed
 * 02/09 (Monday 31/08 swapped for Saturday 22/08).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calendarFromHolidayFile, WorkingCalendar } from '../calendar/working-time';
import { lifecyclePolicyAt, parseSlaPolicy } from '../config/sla-policy';
import { toFoldPolicy } from './dossiers.service';
import {
  applyEvent,
  Channel,
  DossierAction,
  DossierEvent,
  FoldContext,
  PORTAL_CODE,
  replay,
  STATUS_LABEL,
  timelinessAt,
} from './lifecycle';
import { explainDeadline } from './deadline-explanation';

const calendar = WorkingCalendar.build(
  calendarFromHolidayFile(
    JSON.parse(readFileSync(join(__dirname, '../../config/calendars/vn-public-holidays.json'), 'utf8')),
  ),
);
const shipped = parseSlaPolicy(JSON.parse(readFileSync(join(__dirname, '../../config/sla-policy.json'), 'utf8')));
const policy = (receivedAt: number) => toFoldPolicy(lifecyclePolicyAt(shipped, receivedAt));
const H = 3_600_000;
const t = (local: string) => Date.parse(`${local}+07:00`);
const iso = (ms: number | null) =>
  ms === null ? null : new Date(ms + 7 * H).toISOString().slice(0, 16).replace('T', ' ');

function ctx(channel: Channel = 'direct'): FoldContext {
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
    },
    policy,
    channel,
  };
}

const SUPPLEMENT = { reason: 'Thiếu bản vẽ', items: ['Bản vẽ thiết kế'] };
const ev = (action: DossierAction, local: string, payload: Record<string, unknown> = {}): DossierEvent => ({
  action,
  at: t(local),
  actorUserId: 'officer-1',
  payload: action === 'request_supplement' && Object.keys(payload).length === 0 ? SUPPLEMENT : payload,
});
const extend = (local: string) =>
  ev('extend', local, {
    newPromisedAt: '2026-03-20T10:00:00+07:00',
    reason: 'Cần xác minh thêm',
    responsibleUnitCode: 'H15.50.01',
  });

describe('Decree 118/2025: the policy version is chosen by the reception instant', () => {
  it('judges a dossier received on 30/06/2025 by Decree 61/2018 and one received on 01/07/2025 by Decree 118/2025', () => {
    expect(replay([ev('intake', '2025-06-30T16:00:00')], ctx()).policyVersion).toBe('nd61-2018');
    expect(replay([ev('intake', '2025-07-01T08:00:00')], ctx()).policyVersion).toBe('nd118-2025');
  });
});

describe('Art. 19.5: the complete supplement restarts the clock', () => {
  // Received Mon 17/08/2026 08:00, 3 working days; forwarded to appraisal (12 h) at 09:00; the
  // appraisal asks for a supplement Tue 18/08 10:00 (10 working hours used); the citizen completes
  // it on Friday 28/08 at 16:50, the last working day before the Quốc khánh break.
  const history = [
    ev('intake', '2026-08-17T08:00:00'),
    ev('forward', '2026-08-17T09:00:00'),
    ev('request_supplement', '2026-08-18T10:00:00'),
    ev('receive_supplement', '2026-08-28T16:50:00'),
  ];

  it('gives the full limit again from 16:50 on the Friday before the holiday: due Mon 07/09 16:50', () => {
    // Fri 28/08 16:50–17:00 = 10 min; 29/08–02/09 off; Thu 03/09 8 h; Fri 04/09 8 h (16 h 10 min);
    // Mon 07/09 07:30–11:30 4 h, 13:00 + 3 h 50 min -> 16:50 (24 h).
    const s = replay(history, ctx());
    expect(s.status).toBe('in_progress');
    expect(iso(s.clock.dueAt)).toBe('2026-09-07 16:50');
    expect(s.restarts).toEqual([{ at: t('2026-08-28T16:50:00'), clockStart: t('2026-08-28T16:50:00') }]);
    // The reception's clock start is kept (the explanation shows the restart as a new segment).
    expect(iso(s.clockStart)).toBe('2026-08-17 08:00');
  });

  it('restarts the step that asked with its full hours: appraisal (12 h) due Fri 04/09 11:20', () => {
    // 10 min on Fri 28/08, Thu 03/09 8 h (8 h 10 min), Fri 04/09 07:30 + 3 h 50 min -> 11:20.
    const s = replay(history, ctx());
    expect(s.steps[s.currentStep!].index).toBe(1);
    expect(iso(s.steps[s.currentStep!].dueAt)).toBe('2026-09-04 11:20');
  });

  it('still pauses and resumes under Decree 61/2018 (received before 01/07/2025)', () => {
    const old = replay(
      [
        ev('intake', '2025-06-16T08:00:00'),
        ev('request_supplement', '2025-06-17T10:00:00'),
        ev('receive_supplement', '2025-06-27T16:50:00'),
      ],
      ctx(),
    );
    expect(old.policyVersion).toBe('nd61-2018');
    // Mon 16/06 08:00–17:00 7.5 h + Tue 07:30–10:00 2.5 h = 10 h used; 14 h from Fri 27/06 16:50:
    // 10 min, Mon 30/06 8 h, Tue 01/07 07:30 + 5 h 50 min -> 14:50.
    expect(iso(old.clock.dueAt)).toBe('2025-07-01 14:50');
    expect(old.restarts).toEqual([]);
  });

  it('turns a dossier overdue when it was paused into one within its new limit', () => {
    const s = replay(
      [
        ev('intake', '2026-03-02T08:00:00'),
        ev('request_supplement', '2026-03-06T08:00:00'),
        ev('receive_supplement', '2026-03-09T08:00:00'),
      ],
      ctx(),
    );
    expect(iso(s.clock.dueAt)).toBe('2026-03-12 08:00');
    expect(timelinessAt(s, t('2026-03-11T16:00:00'))).toBe('within');
  });

  it('keeps pause-and-resume for payment waits', () => {
    // Received Mon 02/03 08:00 (due Thu 05/03 08:00); payment asked Mon 10:00 (2 h used), paid Wed
    // 04/03 08:00 with 22 h left: Wed 7.5 h, Thu 8 h (15.5 h), Fri 07:30 + 6.5 h -> 15:30.
    const s = replay(
      [
        ev('intake', '2026-03-02T08:00:00'),
        ev('request_payment', '2026-03-02T10:00:00', { amount: 100000 }),
        ev('confirm_payment', '2026-03-04T08:00:00', { paidOnline: false }),
      ],
      ctx(),
    );
    expect(iso(s.clock.dueAt)).toBe('2026-03-06 15:30');
    expect(s.restarts).toEqual([]);
  });
});

describe('Art. 11.2.c, 16.3: one supplement request only', () => {
  it('refuses a second request with RULE_VIOLATION', () => {
    const once = replay(
      [
        ev('intake', '2026-03-02T08:00:00'),
        ev('request_supplement', '2026-03-02T10:00:00'),
        ev('receive_supplement', '2026-03-03T08:00:00'),
      ],
      ctx(),
    );
    expect(() => applyEvent(once, ev('request_supplement', '2026-03-03T09:00:00'), ctx())).toThrow(
      expect.objectContaining({ code: 'RULE_VIOLATION', message: expect.stringContaining('một lần') }),
    );
  });

  it('still allows a second request under Decree 61/2018', () => {
    const s = replay(
      [
        ev('intake', '2025-06-02T08:00:00'),
        ev('request_supplement', '2025-06-02T10:00:00'),
        ev('receive_supplement', '2025-06-03T08:00:00'),
        ev('request_supplement', '2025-06-03T09:00:00'),
      ],
      ctx(),
    );
    expect(s.supplementCount).toBe(2);
  });
});

describe('Art. 19.5 and 17.2.c: the request window, a breach when late', () => {
  // Clock start Mon 02/03/2026 08:00: 3 working days (24 h) end Thu 05/03 08:00; 8 working hours end Tue 03/03 08:00.
  it('records no breach for a request at the window’s last instant (Thu 05/03 08:00)', () => {
    const s = replay(
      [
        ev('intake', '2026-03-02T08:00:00'),
        ev('forward', '2026-03-02T09:00:00'),
        ev('request_supplement', '2026-03-05T08:00:00'),
      ],
      ctx(),
    );
    expect(s.status).toBe('awaiting_supplement');
    expect(s.breaches).toEqual([]);
  });

  it('allows a request one minute later but records late_supplement_request with who and which unit', () => {
    const s = replay(
      [
        ev('intake', '2026-03-02T08:00:00'),
        ev('forward', '2026-03-02T09:00:00'),
        ev('request_supplement', '2026-03-05T08:01:00'),
      ],
      ctx(),
    );
    expect(s.status).toBe('awaiting_supplement');
    expect(s.breaches).toEqual([
      {
        rule: 'late_supplement_request',
        at: t('2026-03-05T08:01:00'),
        actorUserId: 'officer-1',
        unitCode: 'H15.50.01',
      },
    ]);
  });

  it('gives an online dossier the counter finds incomplete 8 working hours (Tue 03/03 08:00)', () => {
    const within = replay(
      [ev('intake', '2026-03-02T08:00:00'), ev('request_supplement', '2026-03-03T08:00:00')],
      ctx('online'),
    );
    expect(within.breaches).toEqual([]);
    const late = replay(
      [ev('intake', '2026-03-02T08:00:00'), ev('request_supplement', '2026-03-03T08:30:00')],
      ctx('online'),
    );
    expect(late.breaches!.map((b) => b.rule)).toEqual(['late_supplement_request']);
    // A paper dossier at the counter, and an online one past the counter, have the 3 working days.
    expect(
      replay([ev('intake', '2026-03-02T08:00:00'), ev('request_supplement', '2026-03-03T08:30:00')], ctx()).breaches,
    ).toEqual([]);
    expect(
      replay(
        [
          ev('intake', '2026-03-02T08:00:00'),
          ev('forward', '2026-03-02T09:00:00'),
          ev('request_supplement', '2026-03-03T08:30:00'),
        ],
        ctx('online'),
      ).breaches,
    ).toEqual([]);
  });

  it('counts the window from the reception, not from a clock start moved by the intake cut-off', () => {
    // 15:00 cut-off: received Mon 02/03 15:30, the clock starts Tue 07:30. An online dossier the
    // counter finds incomplete on Tue 16:00 is 1.5 h + 7.5 h = 9 working hours after reception: late
    // (7.5 h from the clock start would not be).
    const cutoff = (channel: Channel): FoldContext => ({
      ...ctx(channel),
      rules: { ...ctx().rules, intakeCutoff: '15:00' },
    });
    const s = replay(
      [ev('intake', '2026-03-02T15:30:00'), ev('request_supplement', '2026-03-03T16:00:00')],
      cutoff('online'),
    );
    expect(iso(s.clockStart)).toBe('2026-03-03 07:30');
    expect(s.breaches!.map((b) => b.rule)).toEqual(['late_supplement_request']);
    // Within the 8 hours counted from the reception (Tue 15:00 is 1.5 h + 6 h).
    expect(
      replay([ev('intake', '2026-03-02T15:30:00'), ev('request_supplement', '2026-03-03T15:00:00')], cutoff('online'))
        .breaches,
    ).toEqual([]);
  });

  it('records no window breach under Decree 61/2018', () => {
    const s = replay([ev('intake', '2025-06-02T08:00:00'), ev('request_supplement', '2025-06-20T08:00:00')], ctx());
    expect(s.breaches).toEqual([]);
  });
});

describe('Art. 19.5: closing an unanswered request after 15 days', () => {
  const waiting = () =>
    replay([ev('intake', '2026-03-02T08:00:00'), ev('request_supplement', '2026-03-03T10:00:00')], ctx());

  it('refuses to close before 15 days have passed since the request (Wed 18/03 09:59)', () => {
    expect(() => applyEvent(waiting(), ev('close', '2026-03-18T09:59:00'), ctx())).toThrow(
      expect.objectContaining({ code: 'RULE_VIOLATION' }),
    );
  });

  it('closes at Wed 18/03 10:00: status closed, portal code 8, no outcome, no current step', () => {
    const s = applyEvent(waiting(), ev('close', '2026-03-18T10:00:00', { reason: 'Quá hạn bổ sung' }), ctx());
    expect(s.status).toBe('closed');
    expect(STATUS_LABEL[s.status]).toBe('Đóng hồ sơ');
    expect(PORTAL_CODE[s.status]).toBe(8);
    expect(s.outcome).toBeNull();
    expect(s.endedAt).toBe(t('2026-03-18T10:00:00'));
    expect(s.currentStep).toBeNull();
    expect(timelinessAt(s, t('2026-03-19T10:00:00'))).toBeNull();
  });

  it('refuses close outside awaiting_supplement and under Decree 61/2018', () => {
    const running = replay([ev('intake', '2026-03-02T08:00:00')], ctx());
    expect(() => applyEvent(running, ev('close', '2026-04-02T08:00:00'), ctx())).toThrow(
      expect.objectContaining({ code: 'TRANSITION_NOT_ALLOWED' }),
    );
    const old = replay([ev('intake', '2025-06-02T08:00:00'), ev('request_supplement', '2025-06-03T10:00:00')], ctx());
    expect(() => applyEvent(old, ev('close', '2025-07-30T10:00:00'), ctx())).toThrow(
      expect.objectContaining({ code: 'RULE_VIOLATION' }),
    );
  });
});

describe('Art. 19.6: the extension at the latest one day before the due date', () => {
  // Received Mon 02/03/2026 08:00, 3 working days -> due Thu 05/03 08:00.
  const open = () => replay([ev('intake', '2026-03-02T08:00:00')], ctx());

  it('accepts the letter on the day before (Wed 04/03 23:59)', () => {
    expect(applyEvent(open(), extend('2026-03-04T23:59:00'), ctx()).extensionCount).toBe(1);
  });

  it('refuses it on the due date itself, even before the due instant (Thu 05/03 00:00 and 07:00)', () => {
    for (const at of ['2026-03-05T00:00:00', '2026-03-05T07:00:00']) {
      expect(() => applyEvent(open(), extend(at), ctx())).toThrow(
        expect.objectContaining({ code: 'RULE_VIOLATION', message: expect.stringContaining('19.6') }),
      );
    }
  });

  it('refuses an extension while the supplement is awaited: the restart would void it', () => {
    const waiting = applyEvent(open(), ev('request_supplement', '2026-03-03T08:00:00'), ctx());
    expect(() => applyEvent(waiting, extend('2026-03-03T09:00:00'), ctx())).toThrow(
      expect.objectContaining({ code: 'RULE_VIOLATION', message: expect.stringContaining('19.5') }),
    );
    // Once the supplement is in, the restarted limit may be extended once.
    const back = applyEvent(waiting, ev('receive_supplement', '2026-03-04T08:00:00'), ctx());
    expect(applyEvent(back, extend('2026-03-05T08:00:00'), ctx()).extensionCount).toBe(1);
  });

  it('refuses a second extension', () => {
    const once = applyEvent(open(), extend('2026-03-03T08:00:00'), ctx());
    expect(() => applyEvent(once, extend('2026-03-03T09:00:00'), ctx())).toThrow(
      expect.objectContaining({ code: 'RULE_VIOLATION' }),
    );
  });

  it('still accepts it on the due date before the due instant under Decree 61/2018', () => {
    const old = replay([ev('intake', '2025-06-02T08:00:00')], ctx());
    // Due Thu 05/06/2025 08:00; letter Thu 07:00.
    expect(iso(old.clock.dueAt)).toBe('2025-06-05 08:00');
    expect(
      applyEvent(
        old,
        ev('extend', '2025-06-05T07:00:00', {
          newPromisedAt: '2025-06-10T10:00:00+07:00',
          reason: 'x',
          responsibleUnitCode: 'H15.50.01',
        }),
        ctx(),
      ).extensionCount,
    ).toBe(1);
  });
});

describe('Art. 18.2: paper dossiers received after 15:00 are handed over the next working day', () => {
  it('makes the counter step of a direct dossier received Wed 04/03 15:10 due Thu 05/03 07:30', () => {
    const s = replay([ev('intake', '2026-03-04T15:10:00')], ctx('direct'));
    expect(iso(s.steps[0].dueAt)).toBe('2026-03-05 07:30');
    // The dossier's own clock is unchanged: it starts at 15:10 (the procedure has no cut-off).
    expect(iso(s.clockStart)).toBe('2026-03-04 15:10');
    expect(iso(s.clock.dueAt)).toBe('2026-03-09 15:10');
  });

  it('applies to postal dossiers too, not to online ones, nor at 15:00 itself', () => {
    expect(iso(replay([ev('intake', '2026-03-04T15:10:00')], ctx('postal')).steps[0].dueAt)).toBe('2026-03-05 07:30');
    // Online: 4 h from 15:10 -> 1 h 50 min on Wed, Thu 07:30 + 2 h 10 min = 09:40.
    expect(iso(replay([ev('intake', '2026-03-04T15:10:00')], ctx('online')).steps[0].dueAt)).toBe('2026-03-05 09:40');
    // At 15:00 exactly ("sau 15 giờ" is after): 2 h on Wed, Thu 07:30 + 2 h = 09:30.
    expect(iso(replay([ev('intake', '2026-03-04T15:00:00')], ctx('direct')).steps[0].dueAt)).toBe('2026-03-05 09:30');
  });

  it('does not apply under Decree 61/2018', () => {
    expect(iso(replay([ev('intake', '2025-06-04T15:10:00')], ctx('direct')).steps[0].dueAt)).toBe('2025-06-05 09:40');
  });
});

describe('the deadline explanation: a restart is a segment boundary', () => {
  it('counts the segments from the restart at Fri 28/08 16:50 and shows the 10 h no longer counted', () => {
    const events = [
      ev('intake', '2026-08-17T08:00:00'),
      ev('forward', '2026-08-17T09:00:00'),
      ev('request_supplement', '2026-08-18T10:00:00'),
      ev('receive_supplement', '2026-08-28T16:50:00'),
    ];
    const s = replay(events, ctx());
    const toStatus = ['received', 'in_progress', 'awaiting_supplement', 'in_progress'];
    const x = explainDeadline({
      state: s,
      events: events.map((e, i) => ({ action: e.action, at: e.at, toStatus: toStatus[i], payload: e.payload })),
      timeLimit: { amount: 3, unit: 'working_days' },
      intakeCutoff: null,
      procedureVersion: 1,
      calendar,
      names: new Map([['2026-09-02', 'Quốc khánh']]),
      calendarVersion: 1,
      now: t('2026-08-31T09:00:00'),
      supplementRestartsClock: true,
    });
    expect(x.restarts).toEqual([
      { at: t('2026-08-28T16:50:00'), clockStart: t('2026-08-28T16:50:00'), discardedWorkingMinutes: 600 },
    ]);
    expect(x.segments.map((g) => `${iso(g.from)}–${iso(g.to)!.slice(11)}`)).toEqual([
      '2026-08-28 16:50–17:00',
      '2026-09-03 07:30–11:30',
      '2026-09-03 13:00–17:00',
      '2026-09-04 07:30–11:30',
      '2026-09-04 13:00–17:00',
      '2026-09-07 07:30–11:30',
      '2026-09-07 13:00–16:50',
    ]);
    expect(x.segments.reduce((n, g) => n + g.workingMinutes, 0)).toBe(24 * 60);
    expect(x.skippedDays.map((d) => d.date)).toEqual([
      '2026-08-29',
      '2026-08-30',
      '2026-08-31',
      '2026-09-01',
      '2026-09-02',
      '2026-09-05',
      '2026-09-06',
    ]);
    expect(iso(x.dueAt)).toBe('2026-09-07 16:50');
  });

  it('tells a dossier awaiting its supplement under Decree 118 that the whole limit will count again', () => {
    const events = [ev('intake', '2026-08-17T08:00:00'), ev('request_supplement', '2026-08-18T10:00:00')];
    const x = explainDeadline({
      state: replay(events, ctx()),
      events: events.map((e, i) => ({
        action: e.action,
        at: e.at,
        toStatus: ['received', 'awaiting_supplement'][i],
        payload: e.payload,
      })),
      timeLimit: { amount: 3, unit: 'working_days' },
      intakeCutoff: null,
      procedureVersion: 1,
      calendar,
      names: new Map(),
      calendarVersion: 1,
      now: t('2026-08-20T09:00:00'),
      supplementRestartsClock: true,
    });
    expect(x.remainingWorkingMinutes).toBe(24 * 60);
  });
});
