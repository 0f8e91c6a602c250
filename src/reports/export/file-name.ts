/**
 * Download names of the report exports: ASCII only, since they go into a Content-Disposition
 * header (unit codes are imported and may hold anything). Pure; no Nest.
 */
import type { ExportFormat } from 'src/reports/report.types';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

/** Letters without diacritics, digits, dot, underscore and dash; anything else becomes a dash. */
export function safeName(s: string, fallback: string): string {
  const safe = s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, (c) => (c === 'đ' ? 'd' : 'D'))
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return safe || fallback;
}

const UNIT = 'don-vi';
const PERIOD = 'ky';

/** bao-cao-06a_{unitCode}_{from}_{to}.{ext} */
export function processingFileName(r: { unitCode: string; from: string; to: string }, ext: ExportFormat): string {
  return `bao-cao-06a_${safeName(r.unitCode, UNIT)}_${safeName(r.from, PERIOD)}_${safeName(r.to, PERIOD)}.${ext}`;
}

/** chi-so-766_{unitCode}_{period}.{ext} */
export function indexFileName(r: { unitCode: string; period: string }, ext: ExportFormat): string {
  return `chi-so-766_${safeName(r.unitCode, UNIT)}_${safeName(r.period, PERIOD)}.${ext}`;
}

/** can-bo_{unitCode}_{from}_{to}.{ext} */
export function officialsFileName(r: { unitCode: string; from: string; to: string }, ext: ExportFormat): string {
  return `can-bo_${safeName(r.unitCode, UNIT)}_${safeName(r.from, PERIOD)}_${safeName(r.to, PERIOD)}.${ext}`;
}
