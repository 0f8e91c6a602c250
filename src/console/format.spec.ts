import { timeLeft, TimeLeftOf, workingTime } from './format';

const open = (over: Partial<TimeLeftOf>): TimeLeftOf => ({
  endedAt: null,
  dueAt: '2026-03-09T08:00:00+07:00',
  timeliness: 'within',
  remainingWorkingMinutes: 0,
  ...over,
});

describe('working time as a clerk reads it (8 working hours = 1 day)', () => {
  it('writes days, hours and minutes, leaving out the zero parts', () => {
    expect(workingTime(2 * 480 + 3 * 60)).toBe('2 ngày 3 giờ');
    expect(workingTime(45)).toBe('45 phút');
    expect(workingTime(480 + 5)).toBe('1 ngày 5 phút');
    expect(workingTime(0)).toBe('0 phút');
  });

  it('tells how late an overdue dossier is, from the working minutes past its due instant (was "0 phút")', () => {
    const overdue = open({ timeliness: 'overdue', remainingWorkingMinutes: 0 });
    expect(timeLeft(overdue, 2 * 480 + 3 * 60)).toBe('quá hạn 2 ngày 3 giờ');
    expect(timeLeft(overdue, 45)).toBe('quá hạn 45 phút');
    // Past the due instant outside working hours (e.g. due 17:00, now 18:00): late, not "0 phút".
    expect(timeLeft(overdue, 0)).toBe('quá hạn dưới 1 phút');
  });

  it('tells the working time left of a dossier within time', () => {
    expect(timeLeft(open({ remainingWorkingMinutes: 480 + 120 }), undefined)).toBe('còn 1 ngày 2 giờ');
    expect(timeLeft(open({ remainingWorkingMinutes: 3 * 480 }), undefined)).toBe('còn 3 ngày');
    expect(timeLeft(open({ remainingWorkingMinutes: 0 }), undefined)).toBe('còn dưới 1 phút');
  });

  it('marks a paused dossier (its figures stand still) and says nothing of an ended one', () => {
    expect(timeLeft(open({ dueAt: null, remainingWorkingMinutes: 200 }), undefined)).toBe(
      'tạm dừng · còn 3 giờ 20 phút',
    );
    expect(timeLeft(open({ dueAt: null, timeliness: 'overdue' }), 60)).toBe('tạm dừng · quá hạn 1 giờ');
    expect(timeLeft(open({ endedAt: '2026-03-09T09:00:00+07:00', timeliness: null }), undefined)).toBe('');
  });
});
