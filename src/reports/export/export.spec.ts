import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { renderIndex, renderOfficials, renderProcessing } from 'src/reports/export';
import { indexFileName, officialsFileName, processingFileName, safeName } from 'src/reports/export/file-name';
import { formatDate, periodName } from 'src/reports/export/labels';
import { fitText, niceStep } from 'src/reports/export/pdf-chart';
import { createPdf } from 'src/dossiers/documents/pdf-layout';
import {
  COUNT_KEYS,
  Counts06a,
  IndexGroup,
  IndexReport,
  IndexUnit,
  OfficialsReport,
  ProcessingReport,
  ProcessingRow,
} from 'src/reports/report.types';

// ---------------------------------------------------------------------------------------------
// Fixtures: small hand-made reports with Vietnamese names.

function counts(c: {
  online: number;
  direct: number;
  carried: number;
  early: number;
  onTime: number;
  late: number;
  withdrawn: number;
  overdue: number;
}): Counts06a {
  const receivedTotal = c.online + c.direct + c.carried;
  const resolvedTotal = c.early + c.onTime + c.late;
  const inProgressTotal = receivedTotal - resolvedTotal - c.withdrawn;
  return {
    receivedTotal,
    receivedOnline: c.online,
    receivedDirect: c.direct,
    carriedOver: c.carried,
    resolvedTotal,
    resolvedEarly: c.early,
    resolvedOnTime: c.onTime,
    resolvedLate: c.late,
    withdrawn: c.withdrawn,
    inProgressTotal,
    inProgressWithin: inProgressTotal - c.overdue,
    inProgressOverdue: c.overdue,
  };
}

function sum(rows: Counts06a[]): Counts06a {
  return Object.fromEntries(COUNT_KEYS.map((k) => [k, rows.reduce((a, r) => a + r[k], 0)])) as Counts06a;
}

const unitRows: ProcessingRow[] = [
  {
    unitCode: 'H15.50',
    unitName: 'Sở Xây dựng',
    ...counts({
      online: 1200,
      direct: 340,
      carried: 57,
      early: 800,
      onTime: 420,
      late: 95,
      withdrawn: 12,
      overdue: 30,
    }),
  },
  {
    unitCode: 'H15.51.07',
    unitName: 'UBND xã Tân Phú',
    ...counts({ online: 35, direct: 61, carried: 8, early: 40, onTime: 31, late: 7, withdrawn: 2, overdue: 5 }),
  },
  {
    unitCode: 'H15.52',
    unitName: 'Sở Tư pháp, "Phòng" hộ tịch',
    ...counts({ online: 410, direct: 95, carried: 20, early: 200, onTime: 210, late: 40, withdrawn: 6, overdue: 11 }),
  },
];

const processing: ProcessingReport = {
  from: '2026-01-01',
  to: '2026-03-31',
  groupBy: 'unit',
  unitCode: 'H15',
  unitName: 'UBND tỉnh Lâm Đồng',
  generatedAt: '2026-04-02T09:15:00+07:00',
  rows: unitRows,
  total: sum(unitRows),
};

const fieldRows: ProcessingRow[] = [
  { ...unitRows[0], field: 'Hoạt động xây dựng' },
  { ...unitRows[1], field: '=cmd|"/c calc"!A1' },
];
const byField: ProcessingReport = { ...processing, groupBy: 'field', rows: fieldRows, total: sum(fieldRows) };

const procedureRows: ProcessingRow[] = [
  { ...unitRows[0], procedureCode: '1.009972', procedureName: 'Cấp giấy phép xây dựng mới' },
  { ...unitRows[2], procedureCode: '2.000635', procedureName: 'Đăng ký khai sinh' },
];
const byProcedure: ProcessingReport = {
  ...processing,
  groupBy: 'procedure',
  rows: procedureRows,
  total: sum(procedureRows),
};

function group(key: IndexGroup['key'], label: string, max: number, ratios: (number | null)[]): IndexGroup {
  const share = max / ratios.length;
  const indicators = ratios.map((ratio, i) => ({
    key: `${key}_${i + 1}`,
    label: `${label}: chỉ số ${i + 1}`,
    portalRef: i === 0 ? null : `${max > 15 ? 2 : 4}.${i}`,
    method: `Phương pháp của chỉ số ${i + 1}: tử số / mẫu số`,
    max: share,
    ratio,
    points: ratio === null ? 0 : Math.round(share * ratio * 1e4) / 1e4,
    numerator: i === 0 ? null : ratio === null ? 0 : Math.round(ratio * 40),
    denominator: i === 0 ? null : ratio === null ? 0 : 40,
    source: i === 0 ? ('entered' as const) : ('computed' as const),
    enteredBy: i === 0 && ratio !== null ? 'bantcc' : null,
    enteredAt: i === 0 && ratio !== null ? '2026-04-01T08:30:00+07:00' : null,
  }));
  return { key, label, max, points: Math.round(indicators.reduce((a, x) => a + x.points, 0) * 1e4) / 1e4, indicators };
}

function indexUnit(unitCode: string, unitName: string, rank: number, band: string | null, r: number): IndexUnit {
  const groups = [
    group('transparency', 'Công khai, minh bạch', 18, [r, 0.875]),
    group('progress', 'Tiến độ giải quyết', 20, [r, 0.9333]),
    group('online_service', 'Dịch vụ công trực tuyến', 12, [r, 0.6]),
    group('online_payment', 'Thanh toán trực tuyến', 10, [null, 0.425]),
    group('digitisation', 'Số hóa hồ sơ', 22, [r, 0.7667]),
    group('satisfaction', 'Mức độ hài lòng', 18, [r, 1]),
  ];
  const total = Math.round(groups.reduce((a, g) => a + g.points, 0) * 1e4) / 1e4;
  return { unitCode, unitName, total, rank, band, groups };
}

const index: IndexReport = {
  period: '2026-Q1',
  from: '2026-01-01',
  to: '2026-03-31',
  unitCode: 'H15',
  unitName: 'UBND tỉnh Lâm Đồng',
  generatedAt: '2026-04-02T09:15:00+07:00',
  // Not in rank order on purpose: the exports list units by rank.
  units: [
    indexUnit('H15.51.07', 'UBND xã Tân Phú', 3, 'Khá', 0.6667),
    indexUnit('H15.50', 'Sở Xây dựng', 1, 'Tốt', 0.95),
    indexUnit('H15.52', 'Sở Tư pháp', 2, 'Tốt', 0.9123),
  ],
};

const officials: OfficialsReport = {
  from: '2026-03-01',
  to: '2026-03-31',
  unitCode: 'H15.50',
  unitName: 'Sở Xây dựng',
  generatedAt: '2026-04-02T09:15:00+07:00',
  rows: [
    {
      userId: 'u1',
      username: 'nguyenvana',
      fullName: 'Nguyễn Văn An',
      unitCode: 'H15.50',
      unitName: 'Sở Xây dựng',
      stepsHandled: 120,
      stepsEarly: 70,
      stepsOnTime: 42,
      stepsLate: 8,
      onTimeRate: 0.9333,
    },
    {
      userId: 'u2',
      username: 'tranthib',
      fullName: '@Trần Thị Bình',
      unitCode: 'H15.50.01',
      unitName: 'Phòng Quản lý xây dựng',
      stepsHandled: 0,
      stepsEarly: 0,
      stepsOnTime: 0,
      stepsLate: 0,
      onTimeRate: null,
    },
  ],
  total: { stepsHandled: 120, stepsEarly: 70, stepsOnTime: 42, stepsLate: 8, onTimeRate: 0.9333 },
};

// ---------------------------------------------------------------------------------------------
// Reading the files back.

/** RFC 4180: fields separated by commas, records by CRLF, quoted fields with doubled quotes. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      if (c === '\n' || c === '\r') throw new Error(`bare line break at ${i}`);
      field += c;
    }
  }
  if (field !== '' || record.length) throw new Error('the last record has no CRLF');
  return records;
}

async function csvOf(file: Promise<{ body: Buffer }>): Promise<{ raw: string; records: string[][] }> {
  const raw = (await file).body.toString('utf8');
  expect(raw.startsWith('\uFEFF')).toBe(true);
  return { raw, records: parseCsv(raw.slice(1)) };
}

async function workbookOf(body: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ExcelJS.Buffer);
  return wb;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'report-export-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The text of a PDF as pdftotext -layout reads it, with runs of spaces collapsed. */
function pdfText(body: Buffer, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
}

function pdfPages(body: Buffer, name: string): number {
  const file = join(dir, name);
  writeFileSync(file, body);
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return Number(/Pages:\s+(\d+)/.exec(info)?.[1]);
}

const two = (x: number) => (Math.round(x * 100) / 100).toFixed(2);

// ---------------------------------------------------------------------------------------------

describe('file names and content types', () => {
  it('names each report with the unit and period in ASCII', async () => {
    const csv = await renderProcessing(processing, 'csv');
    expect(csv.fileName).toBe('bao-cao-06a_H15_2026-01-01_2026-03-31.csv');
    expect(csv.contentType).toBe('text/csv; charset=utf-8');
    const xlsx = await renderIndex(index, 'xlsx');
    expect(xlsx.fileName).toBe('chi-so-766_H15_2026-Q1.xlsx');
    expect(xlsx.contentType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const pdf = await renderOfficials(officials, 'pdf');
    expect(pdf.fileName).toBe('can-bo_H15.50_2026-03-01_2026-03-31.pdf');
    expect(pdf.contentType).toBe('application/pdf');
  });

  it('sanitises unit codes to [A-Za-z0-9._-]', () => {
    expect(processingFileName({ unitCode: '../Sở "XD"/01', from: '2026-01-01', to: '2026-01-31' }, 'pdf')).toBe(
      'bao-cao-06a_So-XD-01_2026-01-01_2026-01-31.pdf',
    );
    expect(indexFileName({ unitCode: 'Đà Nẵng\r\nX', period: '2026' }, 'csv')).toBe('chi-so-766_Da-Nang-X_2026.csv');
    expect(officialsFileName({ unitCode: '"";', from: '2026-01-01', to: '2026-01-31' }, 'xlsx')).toBe(
      'can-bo_don-vi_2026-01-01_2026-01-31.xlsx',
    );
    expect(safeName('H15.50_A-1', 'x')).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it('refuses an unknown format', async () => {
    await expect(renderProcessing(processing, 'docx' as never)).rejects.toThrow('unsupported export format');
  });
});

describe('labels', () => {
  it('writes dates as dd/MM/yyyy and periods in words', () => {
    expect(formatDate('2026-03-31')).toBe('31/03/2026');
    expect(periodName('2026')).toBe('Năm 2026');
    expect(periodName('2026-H2')).toBe('6 tháng cuối năm 2026');
    expect(periodName('2026-Q3')).toBe('Quý III năm 2026');
    expect(periodName('2026-03')).toBe('Tháng 03 năm 2026');
  });
});

describe('CSV', () => {
  const COUNT_HEADERS = [
    'Số hồ sơ nhận giải quyết - Tổng số',
    'Số hồ sơ nhận giải quyết - Trực tuyến',
    'Số hồ sơ nhận giải quyết - Trực tiếp/bưu chính',
    'Số hồ sơ nhận giải quyết - Từ kỳ trước chuyển qua',
    'Số hồ sơ đã giải quyết - Tổng số',
    'Số hồ sơ đã giải quyết - Trước hạn',
    'Số hồ sơ đã giải quyết - Đúng hạn',
    'Số hồ sơ đã giải quyết - Quá hạn',
    'Số hồ sơ rút',
    'Số hồ sơ đang giải quyết - Tổng số',
    'Số hồ sơ đang giải quyết - Trong hạn',
    'Số hồ sơ đang giải quyết - Quá hạn',
  ];

  it('06a: BOM, CRLF, Vietnamese headers, one row per report row and a total equal to the JSON', async () => {
    const { raw, records } = await csvOf(renderProcessing(processing, 'csv'));
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(records[0]).toEqual(['Mã đơn vị', 'Tên đơn vị', ...COUNT_HEADERS]);
    expect(records).toHaveLength(1 + processing.rows.length + 1);
    processing.rows.forEach((row, i) => {
      const rec = records[1 + i];
      expect(rec.slice(0, 2)).toEqual([row.unitCode, row.unitName]);
      expect(rec.slice(2).map(Number)).toEqual(COUNT_KEYS.map((k) => row[k]));
    });
    const total = records[records.length - 1];
    expect(total[0]).toBe('Tổng cộng');
    expect(total[1]).toBe('');
    expect(total.slice(2).map(Number)).toEqual(COUNT_KEYS.map((k) => processing.total[k]));
    // A name with a comma and quotes is quoted with the quotes doubled.
    expect(raw).toContain('"Sở Tư pháp, ""Phòng"" hộ tịch"');
  });

  it('06a by field and by procedure: the grouping columns, formula-like text neutralised', async () => {
    const f = (await csvOf(renderProcessing(byField, 'csv'))).records;
    expect(f[0].slice(0, 3)).toEqual(['Mã đơn vị', 'Tên đơn vị', 'Lĩnh vực']);
    expect(f[1][2]).toBe('Hoạt động xây dựng');
    expect(f[2][2]).toBe(`'=cmd|"/c calc"!A1`);
    expect(f[3].slice(3).map(Number)).toEqual(COUNT_KEYS.map((k) => byField.total[k]));
    const p = (await csvOf(renderProcessing(byProcedure, 'csv'))).records;
    expect(p[0].slice(0, 4)).toEqual(['Mã đơn vị', 'Tên đơn vị', 'Mã thủ tục', 'Thủ tục']);
    expect(p[2].slice(0, 4)).toEqual(['H15.52', 'Sở Tư pháp, "Phòng" hộ tịch', '2.000635', 'Đăng ký khai sinh']);
    expect(p[2].slice(4).map(Number)).toEqual(COUNT_KEYS.map((k) => procedureRows[1][k]));
  });

  it('index: one row per unit by rank with groups and every indicator, numbers as in the JSON', async () => {
    const { records } = await csvOf(renderIndex(index, 'csv'));
    const [header, ...rows] = records;
    expect(header.slice(0, 5)).toEqual(['Hạng', 'Mã đơn vị', 'Tên đơn vị', 'Tổng điểm', 'Xếp loại']);
    expect(header[5]).toBe('Điểm theo nhóm chỉ số - Công khai, minh bạch (18)');
    expect(header.slice(11, 16)).toEqual([
      'Công khai, minh bạch: chỉ số 1 - Điểm',
      'Công khai, minh bạch: chỉ số 1 - Tử số',
      'Công khai, minh bạch: chỉ số 1 - Mẫu số',
      'Công khai, minh bạch: chỉ số 1 - Tỷ lệ',
      'Công khai, minh bạch: chỉ số 1 - Phương pháp',
    ]);
    // The portal's indicator number leads the indicator's name when it has one.
    expect(header[16]).toBe('2.1 · Công khai, minh bạch: chỉ số 2 - Điểm');
    expect(header).toHaveLength(5 + 6 + 12 * 5);
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '3']);
    const ranked = [...index.units].sort((a, b) => a.rank - b.rank);
    ranked.forEach((u, i) => {
      const r = rows[i];
      expect(r.slice(1, 5)).toEqual([u.unitCode, u.unitName, two(u.total), u.band]);
      expect(r.slice(5, 11)).toEqual(u.groups.map((g) => two(g.points)));
      const indicators = u.groups.flatMap((g) => g.indicators);
      indicators.forEach((ind, j) => {
        const [points, num, den, ratio, method] = r.slice(11 + 5 * j, 16 + 5 * j);
        expect(method).toBe(ind.method);
        expect(Number(points)).toBe(Math.round(ind.points * 100) / 100);
        expect(num === '' ? null : Number(num)).toBe(ind.numerator);
        expect(den === '' ? null : Number(den)).toBe(ind.denominator);
        expect(ratio === '' ? null : Number(ratio)).toBe(ind.ratio);
      });
    });
  });

  it('officials: one row per officer and a total; formula-like names get an apostrophe', async () => {
    const { records } = await csvOf(renderOfficials(officials, 'csv'));
    expect(records[0]).toEqual([
      'Tên đăng nhập',
      'Họ và tên',
      'Mã đơn vị',
      'Tên đơn vị',
      'Số bước xử lý hồ sơ - Tổng số',
      'Số bước xử lý hồ sơ - Trước hạn',
      'Số bước xử lý hồ sơ - Đúng hạn',
      'Số bước xử lý hồ sơ - Quá hạn',
      'Tỷ lệ đúng hạn',
    ]);
    expect(records[1]).toEqual([
      'nguyenvana',
      'Nguyễn Văn An',
      'H15.50',
      'Sở Xây dựng',
      '120',
      '70',
      '42',
      '8',
      '0.9333',
    ]);
    expect(records[2].slice(0, 2)).toEqual(['tranthib', "'@Trần Thị Bình"]);
    expect(records[2][8]).toBe('');
    expect(records[3]).toEqual(['Tổng cộng', '', '', '', '120', '70', '42', '8', '0.9333']);
  });

  it("officials of a year: the annual evaluation's columns, with their total, in csv, xlsx and pdf", async () => {
    const annual = (a: number[]) => ({
      supplementRequests: a[0],
      supplementBreaches: a[1],
      ratedVerySatisfied: a[2],
      ratedSatisfied: a[3],
      ratedDissatisfied: a[4],
      conductFeedback: a[5],
      conductFeedbackUpheld: a[6],
      extensionsCaused: a[7],
    });
    const report: OfficialsReport = {
      ...officials,
      rows: [
        { ...officials.rows[0], ...annual([9, 2, 30, 11, 1, 2, 1, 0]) },
        { ...officials.rows[1], ...annual([1, 0, 0, 3, 2, 1, 0, 1]) },
      ],
    };
    const { records } = await csvOf(renderOfficials(report, 'csv'));
    expect(records[0].slice(9)).toEqual([
      'Đánh giá năm - Yêu cầu bổ sung',
      'Đánh giá năm - Vi phạm quy định bổ sung',
      'Đánh giá năm - Rất hài lòng',
      'Đánh giá năm - Hài lòng',
      'Đánh giá năm - Không hài lòng',
      'Đánh giá năm - Phản ánh về thái độ',
      'Đánh giá năm - Phản ánh đúng',
      'Đánh giá năm - Gia hạn do chậm',
    ]);
    expect(records[1].slice(9)).toEqual(['9', '2', '30', '11', '1', '2', '1', '0']);
    expect(records[3].slice(9)).toEqual(['10', '2', '30', '14', '3', '3', '1', '1']);
    const wb = await workbookOf((await renderOfficials(report, 'xlsx')).body);
    const cells = wb.worksheets[0].getSheetValues().flat().map(String);
    expect(cells).toEqual(expect.arrayContaining(['Vi phạm quy định bổ sung', 'Gia hạn do chậm']));
    const text = pdfText((await renderOfficials(report, 'pdf')).body, 'officials-annual.pdf');
    expect(text).toContain('Đánh giá năm');
  });

  it('prefixes every formula trigger (= + - @ tab CR) and quotes CR', async () => {
    const names = ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx', 'a-b'];
    const report: OfficialsReport = {
      ...officials,
      rows: names.map((fullName, i) => ({ ...officials.rows[0], userId: `u${i}`, fullName })),
    };
    const { records } = await csvOf(renderOfficials(report, 'csv'));
    expect(records.slice(1, -1).map((r) => r[1])).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", 'a-b']);
  });
});

describe('XLSX', () => {
  it('06a: title block, two-level header with merged cells, frozen view, formats, values and total', async () => {
    const file = await renderProcessing(processing, 'xlsx');
    const wb = await workbookOf(file.body);
    expect(wb.creator).toBe('SLA tracker');
    expect(wb.created.toISOString()).toBe('2026-04-02T02:15:00.000Z');
    const ws = wb.worksheets[0];
    expect(ws.name).toBe('Mẫu 06a');
    expect(ws.getCell('A1').value).toBe('BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH');
    expect(ws.getCell('A2').value).toContain('Mẫu 06a');
    expect(ws.getCell('A3').value).toBe('Đơn vị: UBND tỉnh Lâm Đồng (H15)');
    expect(ws.getCell('A4').value).toBe('Từ ngày 01/01/2026 đến ngày 31/03/2026');

    // Header rows 7 and 8: STT, Mã đơn vị, Tên đơn vị merged down; groups merged across.
    const merges = ws.model.merges;
    for (const m of ['A7:A8', 'B7:B8', 'C7:C8', 'D7:G7', 'H7:K7', 'L7:L8', 'M7:O7']) expect(merges).toContain(m);
    expect(ws.getCell('A7').value).toBe('STT');
    expect(ws.getCell('B7').value).toBe('Mã đơn vị');
    expect(ws.getCell('C7').value).toBe('Tên đơn vị');
    expect(ws.getCell('D7').value).toBe('Số hồ sơ nhận giải quyết');
    expect(ws.getCell('E7').master.address).toBe('D7');
    expect(['D8', 'E8', 'F8', 'G8'].map((a) => ws.getCell(a).value)).toEqual([
      'Tổng số',
      'Trực tuyến',
      'Trực tiếp/bưu chính',
      'Từ kỳ trước chuyển qua',
    ]);
    expect(ws.getCell('H7').value).toBe('Số hồ sơ đã giải quyết');
    expect(['H8', 'I8', 'J8', 'K8'].map((a) => ws.getCell(a).value)).toEqual([
      'Tổng số',
      'Trước hạn',
      'Đúng hạn',
      'Quá hạn',
    ]);
    expect(ws.getCell('L7').value).toBe('Số hồ sơ rút');
    expect(ws.getCell('L8').master.address).toBe('L7');
    expect(ws.getCell('M7').value).toBe('Số hồ sơ đang giải quyết');
    expect(['M8', 'N8', 'O8'].map((a) => ws.getCell(a).value)).toEqual(['Tổng số', 'Trong hạn', 'Quá hạn']);

    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 3, ySplit: 8 });

    processing.rows.forEach((row, i) => {
      const r = ws.getRow(9 + i);
      expect(r.getCell(1).value).toBe(i + 1);
      expect(r.getCell(2).value).toBe(row.unitCode);
      expect(r.getCell(3).value).toBe(row.unitName);
      COUNT_KEYS.forEach((k, j) => {
        expect(r.getCell(4 + j).value).toBe(row[k]);
        expect(r.getCell(4 + j).numFmt).toBe('#,##0');
      });
    });
    const total = ws.getRow(9 + processing.rows.length);
    expect(total.getCell(1).value).toBe('Tổng cộng');
    expect(ws.model.merges).toContain('A12:C12');
    expect(total.getCell(1).font.bold).toBe(true);
    COUNT_KEYS.forEach((k, j) => {
      expect(total.getCell(4 + j).value).toBe(processing.total[k]);
      expect(total.getCell(4 + j).font.bold).toBe(true);
    });
    expect(ws.getCell('D9').border.top?.style).toBe('thin');
    expect(ws.getColumn(3).width).toBeGreaterThan(20);
  });

  it('06a by procedure: the procedure columns are frozen with the names', async () => {
    const wb = await workbookOf((await renderProcessing(byProcedure, 'xlsx')).body);
    const ws = wb.worksheets[0];
    expect(ws.getCell('D7').value).toBe('Mã thủ tục');
    expect(ws.getCell('E7').value).toBe('Thủ tục');
    expect(ws.getCell('F7').value).toBe('Số hồ sơ nhận giải quyết');
    expect(ws.model.merges).toContain('F7:I7');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 5, ySplit: 8 });
    expect(ws.getCell('E10').value).toBe('Đăng ký khai sinh');
  });

  it('index: ranking sheet with points and bands, and a detail sheet per indicator', async () => {
    const wb = await workbookOf((await renderIndex(index, 'xlsx')).body);
    const [ranking, detail] = wb.worksheets;
    expect(ranking.name).toBe('Xếp hạng');
    expect(detail.name).toBe('Chi tiết');
    expect(ranking.getCell('A4').value).toBe('Kỳ đánh giá: Quý I năm 2026 (từ ngày 01/01/2026 đến ngày 31/03/2026)');
    expect(['A7', 'B7', 'C7', 'D7', 'E7', 'F7'].map((a) => ranking.getCell(a).value)).toEqual([
      'Hạng',
      'Mã đơn vị',
      'Tên đơn vị',
      'Tổng điểm',
      'Xếp loại',
      'Điểm theo nhóm chỉ số',
    ]);
    expect(ranking.model.merges).toEqual(expect.arrayContaining(['A7:A8', 'F7:K7']));
    expect(ranking.getCell('F8').value).toBe('Công khai, minh bạch (18)');
    expect(ranking.views[0]).toMatchObject({ state: 'frozen', xSplit: 3, ySplit: 8 });
    const ranked = [...index.units].sort((a, b) => a.rank - b.rank);
    ranked.forEach((u, i) => {
      const r = ranking.getRow(9 + i);
      expect(r.getCell(1).value).toBe(u.rank);
      expect(r.getCell(3).value).toBe(u.unitName);
      expect(r.getCell(4).value).toBe(Math.round(u.total * 100) / 100);
      expect(r.getCell(4).numFmt).toBe('0.00');
      expect(r.getCell(5).value).toBe(u.band);
      u.groups.forEach((g, j) => expect(r.getCell(6 + j).value).toBe(Math.round(g.points * 100) / 100));
    });

    expect(detail.getRow(1).values).toEqual([
      undefined,
      'Mã đơn vị',
      'Tên đơn vị',
      'Nhóm chỉ số',
      'Chỉ số (Cổng)',
      'Chỉ số',
      'Tử số',
      'Mẫu số',
      'Tỷ lệ',
      'Điểm',
      'Điểm tối đa',
      'Nguồn',
      'Người nhập',
      'Thời điểm nhập',
      'Phương pháp',
    ]);
    expect(detail.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(detail.rowCount).toBe(1 + 3 * 12);
    const first = detail.getRow(2);
    const ind = ranked[0].groups[0].indicators[0];
    expect(first.getCell(1).value).toBe('H15.50');
    expect(first.getCell(4).value ?? null).toBe(ind.portalRef);
    expect(first.getCell(5).value).toBe(ind.label);
    expect(first.getCell(8).value).toBe(ind.ratio);
    expect(first.getCell(8).numFmt).toBe('0.00%');
    expect(first.getCell(11).value).toBe('Nhập tay');
    expect(first.getCell(12).value).toBe('bantcc');
    expect(first.getCell(13).value).toBe('01/04/2026 08:30');
    expect(first.getCell(14).value).toBe(ind.method);
    const second = detail.getRow(3);
    expect(second.getCell(4).value).toBe(ranked[0].groups[0].indicators[1].portalRef);
    expect(second.getCell(6).value).toBe(35);
    expect(second.getCell(7).value).toBe(40);
    expect(second.getCell(11).value).toBe('Tính toán');

    // A sheet of methods: one row per indicator with the portal's number and the method text.
    const methods = wb.worksheets[2];
    expect(methods.name).toBe('Phương pháp');
    expect(methods.getRow(1).values).toEqual([
      undefined,
      'Chỉ số (Cổng)',
      'Nhóm chỉ số',
      'Chỉ số',
      'Điểm tối đa',
      'Phương pháp',
    ]);
    expect(methods.rowCount).toBe(1 + 12);
    const m2 = ranked[0].groups[0].indicators[1];
    expect(methods.getRow(3).values).toEqual([
      undefined,
      m2.portalRef,
      ranked[0].groups[0].label,
      m2.label,
      m2.max,
      m2.method,
    ]);
    expect(methods.getRow(2).getCell(1).value).toBe('Không có');
  });

  it('officials: a numbered table with the steps grouped, the rate as a percentage and a total', async () => {
    const wb = await workbookOf((await renderOfficials(officials, 'xlsx')).body);
    const ws = wb.worksheets[0];
    expect(ws.name).toBe('Cán bộ');
    expect(ws.getCell('A1').value).toBe('KẾT QUẢ XỬ LÝ HỒ SƠ CỦA CÁN BỘ, CÔNG CHỨC');
    expect(ws.getCell('F6').value).toBe('Số bước xử lý hồ sơ');
    expect(ws.model.merges).toEqual(expect.arrayContaining(['F6:I6', 'J6:J7']));
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 3, ySplit: 7 });
    expect(ws.getRow(8).getCell(3).value).toBe('Nguyễn Văn An');
    expect(ws.getRow(8).getCell(10).value).toBe(0.9333);
    expect(ws.getRow(8).getCell(10).numFmt).toBe('0.00%');
    // Text is stored as text, never as a formula.
    expect(ws.getRow(9).getCell(3).value).toBe('@Trần Thị Bình');
    expect(ws.getRow(9).getCell(10).value).toBeNull();
    expect(ws.getRow(10).getCell(1).value).toBe('Tổng cộng');
    expect(ws.getRow(10).getCell(6).value).toBe(120);
  });
});

describe('PDF', () => {
  it('06a: national header, title with diacritics, period, the table numbers and the chart legend', async () => {
    const file = await renderProcessing(processing, 'pdf');
    expect(file.body.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(file.body, '06a.pdf');
    for (const s of [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      'UBND TỈNH LÂM ĐỒNG',
      'BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH',
      'Mẫu 06a',
      'Từ ngày 01/01/2026 đến ngày 31/03/2026',
      'Số hồ sơ nhận giải quyết',
      'Số hồ sơ đã giải quyết',
      'Số hồ sơ đang giải quyết',
      'Sở Xây dựng',
      'UBND xã Tân Phú',
      'Tổng cộng',
      'Biểu đồ: kết quả giải quyết hồ sơ',
      'Trước hạn',
      'Đúng hạn',
      'Quá hạn',
    ]) {
      expect(text).toContain(s);
    }
    // Every count of every row and of the total, as whole numbers on the row's line.
    const lines = text.split('\n');
    for (const [name, c] of [
      ['Sở Xây dựng', processing.rows[0]],
      ['UBND xã Tân Phú', processing.rows[1]],
      ['Tổng cộng', processing.total],
    ] as const) {
      const line = lines.find((l) => l.includes(name) && /\d+\s+\d+\s+\d+/.test(l));
      expect(line).toEqual(expect.stringContaining(name));
      const numbers = line!
        .trim()
        .split(/\s+/)
        .filter((w) => /^\d+$/.test(w))
        .map(Number);
      expect(numbers.slice(-12)).toEqual(COUNT_KEYS.map((k) => c[k]));
    }
  });

  it('06a: a long report breaks across pages with the header repeated', async () => {
    const many: ProcessingRow[] = Array.from({ length: 60 }, (_, i) => ({
      ...unitRows[i % 3],
      unitCode: `H15.${100 + i}`,
      unitName: `UBND xã Phước Lộc ${i + 1}`,
    }));
    const file = await renderProcessing({ ...processing, rows: many, total: sum(many) }, 'pdf');
    expect(pdfPages(file.body, 'long.pdf')).toBeGreaterThan(2);
    const text = pdfText(file.body, 'long.pdf');
    expect(text.split('Số hồ sơ nhận giải quyết').length - 1).toBeGreaterThan(1);
    expect(text).toContain('UBND xã Phước Lộc 60');
    expect(text).toMatch(/Trang 1\/\d/);
  });

  it('index: the ranking table with points to 2 decimals and a ranked bar chart', async () => {
    const file = await renderIndex(index, 'pdf');
    const text = pdfText(file.body, 'index.pdf');
    for (const s of [
      'KẾT QUẢ ĐÁNH GIÁ CHẤT LƯỢNG PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP',
      'Quyết định số 766/QĐ-TTg',
      'Kỳ đánh giá: Quý I năm 2026',
      'Xếp loại',
      'Biểu đồ: tổng điểm của các đơn vị theo thứ hạng',
      '1. Sở Xây dựng',
      '2. Sở Tư pháp',
      '3. UBND xã Tân Phú',
    ]) {
      expect(text).toContain(s);
    }
    for (const u of index.units) {
      // The total in the table and at the end of the chart's bar, and every group's points.
      expect(text.split(two(u.total)).length - 1).toBeGreaterThanOrEqual(2);
      for (const g of u.groups) expect(text).toContain(two(g.points));
    }
    // The chart lists the units by rank.
    const chart = text.slice(text.indexOf('Biểu đồ'));
    expect(chart.indexOf('1. Sở Xây dựng')).toBeLessThan(chart.indexOf('2. Sở Tư pháp'));
    expect(chart.indexOf('2. Sở Tư pháp')).toBeLessThan(chart.indexOf('3. UBND xã Tân Phú'));
    // Then the methods: every indicator with the portal's number and its method text.
    const methods = text.slice(text.indexOf('PHƯƠNG PHÁP TÍNH CÁC CHỈ SỐ'));
    expect(methods.length).toBeGreaterThan(0);
    expect(text.indexOf('PHƯƠNG PHÁP TÍNH CÁC CHỈ SỐ')).toBeGreaterThan(text.indexOf('Biểu đồ'));
    const flat = methods.replace(/\s+/g, ' ');
    expect(flat).toContain('2.1 Công khai, minh bạch Công khai, minh bạch: chỉ số 2 9.00 Phương pháp của chỉ số 2');
    expect(flat).toContain('Phương pháp của chỉ số 2: tử số / mẫu số');
    expect(flat).toContain('2.1');
  });

  it('officials: the table with the rate as a percentage and the total', async () => {
    const text = pdfText((await renderOfficials(officials, 'pdf')).body, 'officials.pdf');
    for (const s of ['KẾT QUẢ XỬ LÝ HỒ SƠ CỦA CÁN BỘ, CÔNG CHỨC', 'Nguyễn Văn An', '@Trần Thị Bình', '93.33%']) {
      expect(text).toContain(s);
    }
    const total = text.split('\n').find((l) => l.includes('Tổng cộng'));
    expect(total?.trim().split(/\s+/).slice(-5)).toEqual(['120', '70', '42', '8', '93.33%']);
  });
});

describe('empty reports', () => {
  it('render in every format with the headers and a zero total', async () => {
    const empty: ProcessingReport = { ...processing, rows: [], total: sum([]) };
    const emptyIndex: IndexReport = { ...index, units: [] };
    const emptyOfficials: OfficialsReport = {
      ...officials,
      rows: [],
      total: { stepsHandled: 0, stepsEarly: 0, stepsOnTime: 0, stepsLate: 0, onTimeRate: null },
    };
    for (const format of ['csv', 'xlsx', 'pdf'] as const) {
      expect((await renderProcessing(empty, format)).body.length).toBeGreaterThan(0);
      expect((await renderIndex(emptyIndex, format)).body.length).toBeGreaterThan(0);
      expect((await renderOfficials(emptyOfficials, format)).body.length).toBeGreaterThan(0);
    }
    const { records } = await csvOf(renderProcessing(empty, 'csv'));
    expect(records).toHaveLength(2);
    expect(records[1]).toEqual(['Tổng cộng', '', ...COUNT_KEYS.map(() => '0')]);
    expect(pdfText((await renderIndex(emptyIndex, 'pdf')).body, 'empty-index.pdf')).toContain('Hạng');
  });
});

describe('chart helpers', () => {
  it('picks grid steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceStep(100)).toBe(20);
    expect(niceStep(1315)).toBe(500);
    expect(niceStep(7)).toBe(2);
  });

  it('cuts long labels with an ellipsis to fit', async () => {
    const { doc, finish } = createPdf({
      layout: 'portrait',
      margins: { top: 10, bottom: 10, left: 10, right: 10 },
      title: 't',
      author: 'a',
      createdAt: new Date(0),
    });
    doc.font('condensed').fontSize(8);
    expect(fitText(doc, 'Sở Xây dựng', 200)).toBe('Sở Xây dựng');
    const cut = fitText(doc, 'Ủy ban nhân dân xã Tân Phú, huyện Đạ Huoai, tỉnh Lâm Đồng', 60);
    expect(cut.endsWith('…')).toBe(true);
    expect(doc.widthOfString(cut)).toBeLessThanOrEqual(60);
    await finish();
  });
});
