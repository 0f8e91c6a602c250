/**
 * CSV exports: UTF-8 with a byte order mark (so that Excel reads Vietnamese), RFC 4180 quoting,
 * CRLF line ends, one header row with the Vietnamese column titles ("group - title" under a shared
 * header). Numbers are unformatted (dot decimal; points with 2 decimals). Pure; no Nest.
 */
import { REPORT_LABELS as L } from 'src/reports/export/labels';
import {
  ColumnKind,
  indexTable,
  officialsTable,
  processingTable,
  ReportTable,
  stampLines,
  Value,
} from 'src/reports/export/tables';
import type { IndexReport, OfficialsReport, ProcessingReport } from 'src/reports/report.types';

export const BOM = '\uFEFF';
const CRLF = '\r\n';

/** Text that a spreadsheet would run as a formula (CSV injection) gets a leading apostrophe. */
const FORMULA_START = /^[=+\-@\t\r]/;

function escapeText(s: string): string {
  const safe = FORMULA_START.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function number(n: number, kind: ColumnKind): string {
  if (!Number.isFinite(n)) return '';
  return kind === 'points' ? n.toFixed(2) : String(n);
}

function field(v: Value, kind: ColumnKind): string {
  if (v === null) return '';
  return typeof v === 'number' ? number(v, kind) : escapeText(v);
}

/** A table as CSV bytes; the total row, if any, carries "Tổng cộng" in its first cell. */
export function tableCsv(t: ReportTable): Buffer {
  const header = t.columns.map((c) => escapeText(c.group ? `${c.group} - ${c.title}` : c.title));
  const line = (row: Value[]) => row.map((v, i) => field(v, t.columns[i].kind)).join(',');
  const lines = [header.join(','), ...t.rows.map(line)];
  if (t.total) lines.push(line([L.total, ...t.total.slice(1)]));
  return Buffer.from(BOM + lines.join(CRLF) + CRLF, 'utf8');
}

/** A closed period's csv starts with the line saying so (and a carried note with its adjustments). */
function withNotes(r: ProcessingReport | IndexReport, csv: Buffer): Buffer {
  const carried = 'carriedAdjustments' in r && r.carriedAdjustments?.length;
  if (!r.frozen && !carried) return csv;
  const notes = stampLines(r)
    .slice(r.frozen ? 0 : 1)
    .map((l) => escapeText(l) + CRLF)
    .join('');
  return Buffer.concat([Buffer.from(BOM + notes, 'utf8'), csv.subarray(Buffer.byteLength(BOM))]);
}

export function processingCsv(r: ProcessingReport): Buffer {
  return withNotes(r, tableCsv(processingTable(r)));
}

export function indexCsv(r: IndexReport): Buffer {
  return withNotes(r, tableCsv(indexTable(r, { indicators: true })));
}

export function officialsCsv(r: OfficialsReport): Buffer {
  return tableCsv(officialsTable(r));
}
