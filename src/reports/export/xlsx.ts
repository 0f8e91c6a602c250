/**
 * XLSX exports (exceljs): a title block, then the table with its one- or two-level header (merged
 * cells), borders, number formats, a bold total row, column widths, a frozen header and name
 * columns, and an A4 landscape page set-up. Pure; no Nest.
 */
import ExcelJS, { Borders, Cell, Workbook, Worksheet } from 'exceljs';
import { REPORT_LABELS as L } from 'src/reports/export/labels';
import {
  ColumnKind,
  formatAt,
  stampLines,
  indexDetailTable,
  indexMethodsTable,
  indexTable,
  numbered,
  officialsTable,
  processingTable,
  ReportTable,
  round2,
  Value,
} from 'src/reports/export/tables';
import type { IndexReport, OfficialsReport, ProcessingReport } from 'src/reports/report.types';

const FONT = 'Times New Roman';
const SIZE = 11;
const NUM_FMT: Record<ColumnKind, string | null> = { text: null, int: '#,##0', points: '0.00', ratio: '0.00%' };
const THIN = { style: 'thin' } as const;
const BORDER: Partial<Borders> = { top: THIN, left: THIN, bottom: THIN, right: THIN };
const HEADER_FILL = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F2F2' } } as const;

function workbook(generatedAt: string): Workbook {
  const wb = new ExcelJS.Workbook();
  wb.creator = L.creator;
  wb.lastModifiedBy = L.creator;
  const at = new Date(generatedAt);
  if (!Number.isNaN(at.getTime())) {
    wb.created = at;
    wb.modified = at;
  }
  return wb;
}

function sheet(wb: Workbook, name: string): Worksheet {
  return wb.addWorksheet(name, {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
}

async function bytes(wb: Workbook): Promise<Buffer> {
  return Buffer.from(await wb.xlsx.writeBuffer());
}

interface TitleLine {
  text: string;
  bold?: boolean;
  italic?: boolean;
  size?: number;
}

/** Title lines merged across `width` columns from row 1, then a blank row; returns the next row. */
function titleBlock(ws: Worksheet, lines: TitleLine[], width: number): number {
  lines.forEach((line, i) => {
    const row = i + 1;
    ws.mergeCells(row, 1, row, width);
    const cell = ws.getCell(row, 1);
    cell.value = line.text;
    cell.font = { name: FONT, size: line.size ?? SIZE, bold: line.bold ?? false, italic: line.italic ?? false };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    ws.getRow(row).height = (line.size ?? SIZE) * 1.6;
  });
  return lines.length + 2;
}

function cellValue(v: Value, kind: ColumnKind): ExcelJS.CellValue {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  return kind === 'points' ? round2(v) : v;
}

function headerCell(cell: Cell, title: string): void {
  cell.value = title;
  cell.font = { name: FONT, size: SIZE, bold: true };
  cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  cell.fill = HEADER_FILL;
}

/**
 * Writes a table whose header starts at row `top`: two header rows when some columns share a group
 * header (the others merged down both rows), else one. Returns the last header row and the last row.
 */
function writeTable(ws: Worksheet, t: ReportTable, top: number): { headerBottom: number; bottom: number } {
  const twoLevel = t.columns.some((c) => c.group);
  const headerBottom = twoLevel ? top + 1 : top;
  t.columns.forEach((c, i) => {
    const col = i + 1;
    ws.getColumn(col).width = c.width;
    if (!twoLevel) {
      headerCell(ws.getCell(top, col), c.title);
    } else if (!c.group) {
      ws.mergeCells(top, col, headerBottom, col);
      headerCell(ws.getCell(top, col), c.title);
    } else {
      headerCell(ws.getCell(headerBottom, col), c.title);
      const starts = i === 0 || t.columns[i - 1].group !== c.group;
      if (starts) {
        let end = i;
        while (end + 1 < t.columns.length && t.columns[end + 1].group === c.group) end++;
        if (end > i) ws.mergeCells(top, col, top, end + 1);
        headerCell(ws.getCell(top, col), c.group);
      }
    }
  });
  ws.getRow(top).height = twoLevel ? 30 : 45;
  if (twoLevel) ws.getRow(headerBottom).height = 45;

  let r = headerBottom;
  const write = (values: Value[], bold: boolean) => {
    r++;
    values.forEach((v, i) => {
      const kind = t.columns[i].kind;
      const cell = ws.getCell(r, i + 1);
      cell.value = cellValue(v, kind);
      cell.font = { name: FONT, size: SIZE, bold };
      const numFmt = NUM_FMT[kind];
      if (numFmt) cell.numFmt = numFmt;
      cell.alignment =
        kind === 'text' ? { horizontal: 'left', vertical: 'middle', wrapText: true } : { vertical: 'middle' };
    });
  };
  for (const row of t.rows) write(row, false);
  if (t.total) {
    write(t.total, true);
    if (t.keyColumns > 1) ws.mergeCells(r, 1, r, t.keyColumns);
    const label = ws.getCell(r, 1);
    label.value = L.total;
    label.alignment = { horizontal: 'center', vertical: 'middle' };
  }
  for (let row = top; row <= r; row++) {
    for (let col = 1; col <= t.columns.length; col++) ws.getCell(row, col).border = BORDER;
  }
  return { headerBottom, bottom: r };
}

/** A sheet with a title block and a table whose header and key columns stay in view. */
function reportSheet(ws: Worksheet, lines: TitleLine[], t: ReportTable): void {
  const top = titleBlock(ws, lines, t.columns.length);
  const { headerBottom } = writeTable(ws, t, top);
  ws.views = [{ state: 'frozen', xSplit: t.keyColumns, ySplit: headerBottom }];
  ws.pageSetup.printTitlesRow = `${top}:${headerBottom}`;
}

const generated = (at: string): TitleLine => ({ text: L.generatedAt(formatAt(at) ?? at), italic: true, size: 10 });

export async function processingXlsx(r: ProcessingReport): Promise<Buffer> {
  const wb = workbook(r.generatedAt);
  reportSheet(
    sheet(wb, L.processing.sheet),
    [
      { text: L.processing.title, bold: true, size: 14 },
      { text: L.processing.form, italic: true },
      { text: L.reportingUnit(r.unitName, r.unitCode) },
      { text: L.period(r.from, r.to) },
      ...stampLines(r).map((text): TitleLine => ({ text, italic: true, size: 10 })),
    ],
    numbered(processingTable(r)),
  );
  return bytes(wb);
}

export async function indexXlsx(r: IndexReport): Promise<Buffer> {
  const wb = workbook(r.generatedAt);
  reportSheet(
    sheet(wb, L.index.sheet),
    [
      { text: L.index.title, bold: true, size: 14 },
      { text: L.index.decision, italic: true },
      { text: L.reportingUnit(r.unitName, r.unitCode) },
      { text: L.index.period(r.period, r.from, r.to) },
      ...stampLines(r).map((text): TitleLine => ({ text, italic: true, size: 10 })),
    ],
    indexTable(r, { indicators: false }),
  );
  const detail = indexDetailTable(r);
  const ws = sheet(wb, L.index.detailSheet);
  const { bottom } = writeTable(ws, detail, 1);
  ws.views = [{ state: 'frozen', xSplit: detail.keyColumns, ySplit: 1 }];
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: Math.max(bottom, 1), column: detail.columns.length } };
  ws.pageSetup.printTitlesRow = '1:1';
  const methods = indexMethodsTable(r);
  const mws = sheet(wb, L.index.methodsSheet);
  writeTable(mws, methods, 1);
  mws.views = [{ state: 'frozen', xSplit: 0, ySplit: 1 }];
  return bytes(wb);
}

export async function officialsXlsx(r: OfficialsReport): Promise<Buffer> {
  const wb = workbook(r.generatedAt);
  reportSheet(
    sheet(wb, L.officials.sheet),
    [
      { text: L.officials.title, bold: true, size: 14 },
      { text: L.reportingUnit(r.unitName, r.unitCode) },
      { text: L.period(r.from, r.to) },
      generated(r.generatedAt),
    ],
    numbered(officialsTable(r)),
  );
  return bytes(wb);
}
