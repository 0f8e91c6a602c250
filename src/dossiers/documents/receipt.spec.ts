import { formatReceiptInstant, timeLimitText } from 'src/dossiers/documents/receipt.document';

describe('receipt wording (form 01)', () => {
  it('writes instants as the form does, in +07:00 whatever the machine time zone', () => {
    expect(formatReceiptInstant(Date.parse('2026-02-25T03:00:00Z'))).toBe('10 giờ 00 phút, ngày 25/02/2026');
    expect(formatReceiptInstant(Date.parse('2026-12-31T17:30:00Z'))).toBe('00 giờ 30 phút, ngày 01/01/2027');
  });

  it('states the statutory time limit in its unit', () => {
    expect(timeLimitText({ amount: 15, unit: 'working_days' })).toBe('15 ngày làm việc');
    expect(timeLimitText({ amount: 4, unit: 'working_hours' })).toBe('4 giờ làm việc');
    expect(timeLimitText({ amount: 30, unit: 'calendar_days' })).toBe('30 ngày');
  });
});
