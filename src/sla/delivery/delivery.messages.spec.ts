import { type AlertMessageInput, DELIVERY_MESSAGES as M, formatVnInstant } from './delivery.messages';

const base: AlertMessageInput = {
  kind: 'overdue',
  dossierCode: 'H15.50-260213-0007',
  procedureCode: '1.004227',
  procedureName: 'Cấp giấy phép xây dựng',
  deadlineAt: new Date('2026-02-25T03:00:00Z'),
  statusLabel: 'Đang xử lý',
  unit: { code: 'H15.50', name: 'Sở Xây dựng' },
  step: { name: 'Thẩm định', unitCode: 'H15.50.01', unitName: 'Phòng Quản lý xây dựng' },
  recipientName: 'Phạm Quốc Hùng',
};

describe('alert e-mail text', () => {
  it('writes the due instant as dd/MM/yyyy HH:mm in Vietnamese time, whatever the machine time zone', () => {
    expect(formatVnInstant(new Date('2026-02-25T03:00:00Z'))).toBe('25/02/2026 10:00');
    expect(formatVnInstant(new Date('2026-12-31T17:30:00Z'))).toBe('01/01/2027 00:30');
  });

  it('names the dossier, the procedure, the due instant and the current step', () => {
    const body = M.body(base);
    expect(M.subject(base)).toBe('[Cảnh báo] Hồ sơ H15.50-260213-0007 quá hạn');
    expect(body).toContain('Kính gửi: Phạm Quốc Hùng,');
    expect(body).toContain('- Thủ tục: Cấp giấy phép xây dựng (mã 1.004227)');
    expect(body).toContain('- Hạn giải quyết: 25/02/2026 10:00 (giờ Việt Nam, GMT+07:00)');
    expect(body).toContain('- Bước hiện tại: Thẩm định – Phòng Quản lý xây dựng (H15.50.01)');
  });

  it('says which situation each kind is, the stalled one with its step and the step deadline', () => {
    expect(M.subject({ ...base, kind: 'due_soon' })).toMatch(/sắp đến hạn$/);
    expect(M.subject({ ...base, kind: 'stalled' })).toMatch(/chậm ở bước “Thẩm định”$/);
    expect(M.body({ ...base, kind: 'stalled' })).toContain('- Hạn của bước: 25/02/2026 10:00');
    expect(M.subject({ ...base, kind: 'escalated' })).toMatch(/quá hạn kéo dài – báo cáo Ban chỉ đạo$/);
  });

  it('still reads well once the dossier has ended and without a named recipient', () => {
    const body = M.body({ ...base, step: null, recipientName: null });
    expect(body).toContain('- Bước hiện tại: không còn (hồ sơ đã kết thúc)');
    expect(body).toContain('Kính gửi: Quý cơ quan, đơn vị,');
  });
});
