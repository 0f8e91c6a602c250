import type { DossierState, StepRecord } from 'src/dossiers/lifecycle';
import { handOverNotes, Names, slipRows, slipTableRows } from 'src/dossiers/documents/control-slip.document';
import { DOCUMENT_MESSAGES } from 'src/dossiers/documents/documents.messages';
import { formatDateLine, formatInstant, pdfFileName } from 'src/dossiers/documents/document-format';
import { fitWidths, groupSpans } from 'src/dossiers/documents/pdf-layout';

const at = (local: string) => new Date(`${local}+07:00`).getTime();

describe('control slip notes', () => {
  it("puts a forward's note, a recall's reason and the directive comments on the record they belong to", () => {
    expect(
      handOverNotes([
        { action: 'intake', payload: {} },
        { action: 'comment', payload: { text: 'Ưu tiên giải quyết' } },
        { action: 'forward', payload: { note: 'Chuyển thẩm định' } },
        { action: 'comment', payload: { text: 'Khẩn' } },
        { action: 'comment', payload: { text: 'Báo cáo trước 16:00' } },
        { action: 'recall', payload: { reason: 'Thẩm định chưa đạt' } },
        { action: 'forward', payload: {} },
      ]),
    ).toEqual([
      'Ý kiến chỉ đạo: Ưu tiên giải quyết',
      'Chuyển thẩm định\nÝ kiến chỉ đạo: Khẩn\nÝ kiến chỉ đạo: Báo cáo trước 16:00',
      'Thu hồi: Thẩm định chưa đạt',
      null,
    ]);
  });
});

describe('document formatting', () => {
  it('writes instants as dd/MM/yyyy HH:mm in +07:00 whatever the machine time zone', () => {
    expect(formatInstant(new Date('2026-02-25T03:00:00Z'))).toBe('25/02/2026 10:00');
    // 17:30 UTC on the 31st is already the 1st of the next year in Viet Nam.
    expect(formatInstant(Date.parse('2026-12-31T17:30:00Z'))).toBe('01/01/2027 00:30');
    expect(formatInstant(null)).toBe(DOCUMENT_MESSAGES.none);
  });

  it('writes the date line of a document from the local date', () => {
    expect(formatDateLine(Date.parse('2026-03-03T18:00:00Z'))).toBe('Ngày 04 tháng 03 năm 2026');
  });

  it('names downloads with the dossier code in ASCII only', () => {
    expect(pdfFileName('phieu-kiem-soat', 'H15.50-260213-0007')).toBe('phieu-kiem-soat-H15.50-260213-0007.pdf');
    expect(pdfFileName('phieu-xin-loi-hen-lai', 'HS "Đà Nẵng"/01', '2')).toBe(
      'phieu-xin-loi-hen-lai-HS-Da-Nang-01-2.pdf',
    );
  });

  it('addresses a citizen as Ông/Bà and an organisation by its name', () => {
    const L = DOCUMENT_MESSAGES.letter;
    expect(L.addressee('citizen', 'Nguyễn Văn Bình')).toBe('Ông/Bà Nguyễn Văn Bình');
    expect(L.addressee('business', 'Công ty TNHH An Phú')).toBe('Công ty TNHH An Phú');
    expect(L.reference('business')).toBe('Quý cơ quan, tổ chức');
  });
});

describe('table layout', () => {
  it('scales relative widths to exactly the table width', () => {
    const w = fitWidths([26, 72, 136, 136, 80, 80, 80, 76, 84], 700);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(700, 6);
    expect(w[2]).toBeCloseTo(w[3], 6);
  });

  it('groups consecutive columns under a shared header cell', () => {
    const cols = [{ title: 'a' }, { title: 'b', group: 'G' }, { title: 'c', group: 'G' }, { title: 'd' }];
    expect(groupSpans(cols.map((c) => ({ ...c, weight: 1 })))).toEqual([{ title: 'G', from: 1, to: 2 }]);
  });
});

describe('control slip rows', () => {
  const step = (over: Partial<StepRecord>): StepRecord => ({
    index: 0,
    name: 'Tiếp nhận',
    fromUnitCode: 'H15.50',
    toUnitCode: 'H15.50',
    handedOverAt: at('2026-03-02T08:00:00'),
    handedOverBy: 'clerk',
    assigneeUserId: null,
    dueAt: at('2026-03-02T13:30:00'),
    completedAt: at('2026-03-02T09:00:00'),
    completedBy: 'clerk',
    result: 'on_time',
    ...over,
  });
  const names: Names = {
    unit: (code) => ({ 'H15.50': 'Sở Xây dựng', 'H15.50.01': 'Phòng Quản lý xây dựng' })[code] ?? code,
    user: (id) => (id ? ({ clerk: 'Nguyễn Thị Lan', officer: 'Trần Văn Minh' }[id] ?? null) : null),
  };
  const state = (steps: StepRecord[], paused: boolean) =>
    ({
      steps,
      currentStep: steps.length - 1,
      clock: { pausedSince: paused ? at('2026-03-03T08:00:00') : null },
    }) as unknown as DossierState;

  const steps = [
    step({}),
    step({
      index: 1,
      name: 'Thẩm định',
      toUnitCode: 'H15.50.01',
      handedOverAt: at('2026-03-02T09:00:00'),
      assigneeUserId: 'officer',
      dueAt: at('2026-03-03T14:30:00'),
      completedAt: null,
      completedBy: null,
      result: null,
    }),
  ];

  it('has the applicant hand the dossier to the counter, then each forward from its actor to the assignee', () => {
    const rows = slipRows(
      state(steps, false),
      names,
      'Nguyễn Văn Bình',
      handOverNotes([
        { action: 'intake', payload: {} },
        { action: 'forward', payload: { note: 'Chuyển thẩm định' } },
      ]),
    );
    expect(rows[0]).toMatchObject({
      no: 1,
      giver: { unit: DOCUMENT_MESSAGES.slip.applicantGives, person: 'Nguyễn Văn Bình' },
      receiver: { unit: 'Sở Xây dựng', person: 'Nguyễn Thị Lan' },
      result: 'on_time',
      note: null,
    });
    expect(rows[1]).toMatchObject({
      no: 2,
      giver: { unit: 'Sở Xây dựng', person: 'Nguyễn Thị Lan' },
      receiver: { unit: 'Phòng Quản lý xây dựng', person: 'Trần Văn Minh' },
      result: null,
      note: `${DOCUMENT_MESSAGES.slip.inProgress}; Chuyển thẩm định`,
    });
    const cells = slipTableRows(rows);
    expect(cells[0][7]).toEqual([{ text: 'Đúng hạn', font: 'condensedBold' }]);
    expect(cells[1][4]).toEqual([{ text: '02/03/2026 09:00', font: undefined }]);
  });

  it('marks the current step of a paused dossier as paused', () => {
    const rows = slipRows(state(steps, true), names, 'Nguyễn Văn Bình');
    expect(rows[1].note).toBe(DOCUMENT_MESSAGES.slip.paused);
  });
});
