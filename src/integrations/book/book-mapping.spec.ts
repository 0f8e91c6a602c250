import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BookRowError,
  locateColumns,
  normalizeLabel,
  parseBookDate,
  parseBookMapping,
  rowToRecord,
} from 'src/integrations/book/book-mapping';
import { progressLine } from 'src/integrations/book/progress-bar';

const mapping = parseBookMapping(JSON.parse(readFileSync(join(__dirname, '../../../config/import-book.json'), 'utf8')));
const lookups = {
  unitRef: (t: string) => (normalizeLabel(t) === normalizeLabel('Sở Xây dựng') ? '000.00.50.H15' : null),
  procedureByName: (n: string) => (normalizeLabel(n) === normalizeLabel('Cấp giấy phép xây dựng') ? '1.004227' : null),
  defaultUnit: null,
};
const HEADER = [
  'STT',
  'Số hồ sơ',
  'Tên thủ tục',
  'Người nộp',
  'Đơn vị',
  'Ngày nhận',
  'Ngày hẹn trả',
  'Ngày có kết quả',
  'Ngày trả kết quả',
  'Trạng thái',
];

describe('tracking book mapping', () => {
  it('finds the header of a typical export, ignoring case, accents and a trailing colon', () => {
    expect(locateColumns(['SỔ THEO DÕI HỒ SƠ'], mapping)).toBeNull();
    const cols = locateColumns(['stt', 'SO HO SO:', 'Tên thủ tục', 'Ngày   nhận'], mapping);
    expect(cols).toEqual({ code: 1, procedureName: 2, receivedAt: 3 });
    expect(locateColumns(HEADER, mapping)).toMatchObject({ code: 1, unit: 4, dueAt: 6, returnedAt: 8, status: 9 });
  });

  it('reads Vietnamese dates in local time, a date alone at the mapping time of its field', () => {
    const vn = (s: string) => Date.parse(`${s}+07:00`);
    expect(parseBookDate('02/03/2026 08:30', 0, 'x')).toBe(vn('2026-03-02T08:30:00'));
    expect(parseBookDate('08:30 02/03/2026', 0, 'x')).toBe(vn('2026-03-02T08:30:00'));
    expect(parseBookDate('2026-03-02 08:30:15', 0, 'x')).toBe(vn('2026-03-02T08:30:15'));
    expect(parseBookDate('20260302083015', 0, 'x')).toBe(vn('2026-03-02T08:30:15'));
    expect(parseBookDate('2/3/2026', 17 * 60, 'x')).toBe(vn('2026-03-02T17:00:00'));
    // A spreadsheet date carries the wall-clock time as UTC.
    expect(parseBookDate(new Date(Date.UTC(2026, 2, 2, 8, 30)), 0, 'x')).toBe(vn('2026-03-02T08:30:00'));
    expect(parseBookDate(new Date(Date.UTC(2026, 2, 2)), 8 * 60, 'x')).toBe(vn('2026-03-02T08:00:00'));
    expect(parseBookDate(46083.5, 0, 'x')).toBe(vn('2026-03-02T12:00:00'));
    expect(parseBookDate('', 0, 'x')).toBeNull();
    expect(() => parseBookDate('31/02/2026', 0, 'ngày nhận')).toThrow(
      /ngày nhận "31\/02\/2026" không phải ngày hợp lệ/,
    );
    expect(() => parseBookDate('hôm qua', 0, 'ngày nhận')).toThrow(BookRowError);
  });

  it('turns a row into the DongBoHoSoMC record it stands for', () => {
    const cols = locateColumns(HEADER, mapping)!;
    const row = [
      '1',
      'HS-1',
      'Cấp giấy phép xây dựng',
      'Nguyễn Văn A',
      'Sở Xây dựng',
      '02/03/2026 09:00',
      '05/03/2026',
      '04/03/2026 10:00',
      '05/03/2026 08:00',
      'Đã trả kết quả',
    ];
    expect(rowToRecord(row, cols, mapping, lookups)).toEqual({
      unitHint: '000.00.50.H15',
      record: {
        MaHoSo: 'HS-1',
        MaTTHC: '1.004227',
        TenTTHC: 'Cấp giấy phép xây dựng',
        KenhThucHien: '1',
        ChuHoSo: 'Nguyễn Văn A',
        LoaiDoiTuong: '1',
        NgayTiepNhan: '20260302090000',
        NgayHenTra: '20260305170000',
        TrangThaiHoSo: '10',
        NgayKetThucXuLy: '20260304100000',
        NgayTra: '20260305080000',
      },
    });
  });

  it('reads an empty status from the dates and refuses what it cannot map, with the reason', () => {
    const cols = locateColumns(HEADER, mapping)!;
    const base = ['1', 'HS-2', 'Cấp giấy phép xây dựng', 'B', '', '02/03/2026 09:00', '', '', '', ''];
    const status = (over: Record<number, string>) => {
      const r = [...base];
      for (const [k, v] of Object.entries(over)) r[Number(k)] = v;
      return rowToRecord(r, cols, mapping, lookups)!.record.TrangThaiHoSo;
    };
    expect(status({})).toBe('2');
    expect(status({ 7: '03/03/2026 10:00' })).toBe('9');
    expect(status({ 7: '03/03/2026 10:00', 8: '04/03/2026 10:00' })).toBe('10');
    expect(status({ 9: '4' })).toBe('4');
    expect(status({ 9: 'dang xu ly' })).toBe('4');
    expect(() => status({ 9: 'Treo' })).toThrow(/trạng thái "Treo" không có trong bảng ánh xạ/);
    expect(() => status({ 2: 'Thủ tục lạ' })).toThrow(/không tìm thấy theo tên/);
    expect(() => status({ 1: '' })).toThrow(/thiếu mã hồ sơ/);
    expect(() => status({ 5: '' })).toThrow(/thiếu ngày nhận/);
    expect(rowToRecord(['', '', '', '', '', '', '', '', '', ''], cols, mapping, lookups)).toBeNull();
  });

  it('names the key at fault in a bad mapping file', () => {
    expect(() => parseBookMapping({ columns: { code: ['Mã'], receivedAt: [] } })).toThrow(/columns.receivedAt/);
    expect(() => parseBookMapping({ columns: { code: 'Mã', receivedAt: 'Ngày', colour: 'x' } })).toThrow(
      /columns.colour/,
    );
    expect(() => parseBookMapping({ columns: { code: 'Mã', receivedAt: 'Ngày' }, statuses: { X: 11 } })).toThrow(
      /statuses.X/,
    );
  });

  it('shows the rate of this run and the time left from the share of the file read', () => {
    const line = progressLine(
      { rows: 3000, resumedFrom: 1000, bytesRead: 500, totalBytes: 1000, applied: 1990, unchanged: 5, refused: 5 },
      0,
      10_000,
      10,
    );
    expect(line).toContain('[#####-----]  50%');
    expect(line).toContain('200 dòng/s');
    expect(line).toContain('còn ~0:10');
    expect(line).toContain('5 bị từ chối');
  });
});
