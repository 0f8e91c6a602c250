import type { PublicStatsDto } from 'src/transparency/dto/transparency.dto';

/**
 * Open-data CSV of the public statistics: UTF-8 with a byte order mark, RFC 4180 quoting, one row
 * per unit or field, each carrying the period and the time the figures were computed. Pure.
 */
const HEADER = [
  ['period', 'Kỳ'],
  ['computedAt', 'Thời điểm tính'],
  ['unitCode', 'Mã đơn vị'],
  ['unitName', 'Tên đơn vị'],
  ['field', 'Lĩnh vực'],
  ['received', 'Tiếp nhận mới'],
  ['resolved', 'Đã giải quyết'],
  ['resolvedEarly', 'Trước hạn'],
  ['resolvedOnTime', 'Đúng hạn'],
  ['resolvedLate', 'Quá hạn'],
  ['overdueNow', 'Đang quá hạn'],
  ['onTimeRate', 'Tỷ lệ đúng hạn'],
  ['satisfaction', 'Tỷ lệ hài lòng'],
  ['indexRank', 'Xếp hạng chỉ số'],
] as const;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  const safe = typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function statsCsv(r: PublicStatsDto): Buffer {
  const cols = HEADER.filter(([k]) => k !== 'field' || r.groupBy === 'field');
  const lines = [cols.map(([, title]) => cell(title)).join(',')];
  for (const row of r.rows) {
    const values: Record<string, unknown> = { ...row, period: r.period, computedAt: r.computedAt };
    lines.push(cols.map(([k]) => cell(values[k])).join(','));
  }
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}
