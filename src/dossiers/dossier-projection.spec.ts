import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calendarFromHolidayFile, WorkingCalendar } from '../calendar/working-time';
import { overdueMsAt } from './dossier-projection';
import { applyEvent, DossierAction, DossierEvent, FoldContext, replay } from './lifecycle';

const calendar = WorkingCalendar.build(
  calendarFromHolidayFile(
    JSON.parse(readFileSync(join(__dirname, '../../config/calendars/vn-public-holidays.json'), 'utf8')),
  ),
);
const H = 3_600_000;
const t = (local: string) => Date.parse(`${local}+07:00`);
const ctx: FoldContext = {
  calendar,
  rules: {
    timeLimit: { amount: 3, unit: 'working_days' },
    intakeCutoff: null,
    steps: [{ name: 'Tiếp nhận', unitId: 'u0', unitCode: 'H15.50', workingHours: 4 }],
  },
  policy: { maxExtensions: 1, extensionMinLeadMs: 0 },
};
const ev = (action: DossierAction, at: number, payload: Record<string, unknown> = {}): DossierEvent => ({
  action,
  at,
  actorUserId: 'user-1',
  payload,
});

describe('how late an open dossier is (working time past its due instant)', () => {
  // Wed 04/03 08:00, 3 working days -> due Mon 09/03 08:00.
  const s = replay([ev('intake', t('2026-03-04T08:00:00'))], ctx);

  it('is null within time and counts working time only once overdue', () => {
    expect(new Date(s.clock.dueAt).toISOString()).toBe('2026-03-09T01:00:00.000Z');
    expect(overdueMsAt(s, calendar, t('2026-03-09T07:59:00'))).toBeNull();
    // Mon 08:00 -> Wed 11:00: two working days and three hours.
    expect(overdueMsAt(s, calendar, t('2026-03-11T11:00:00'))).toBe(19 * H);
    // Over the weekend nothing is added: Fri 17:00 and Sun 20:00 measure the same.
    expect(overdueMsAt(s, calendar, t('2026-03-15T20:00:00'))).toBe(overdueMsAt(s, calendar, t('2026-03-13T17:00:00')));
  });

  it('stands still while paused after the due instant, like the remaining time', () => {
    const paused = applyEvent(
      s,
      ev('request_supplement', t('2026-03-09T09:30:00'), { reason: 'Thiếu bản vẽ', items: ['Bản vẽ'] }),
      ctx,
    );
    expect(overdueMsAt(paused, calendar, t('2026-03-20T10:00:00'))).toBe(1.5 * H);
  });

  it('is null for an ended dossier', () => {
    const ended = applyEvent(s, ev('withdraw', t('2026-03-10T09:00:00')), ctx);
    expect(overdueMsAt(ended, calendar, t('2026-03-11T09:00:00'))).toBeNull();
  });
});
