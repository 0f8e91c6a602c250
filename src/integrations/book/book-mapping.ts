/**
 * The tracking book ("Sổ theo dõi hồ sơ") as the one-stop systems export it, read through a column
 * mapping (config/import-book.json): finding the header row, and turning a row into the DVCQG
 * dossier record (DongBoHoSoMC) the feed already maps, so a backfilled dossier goes through the same
 * mapping and fold as a fed one. Pure: no Nest, no database, no file system.
 */
import { formatDvcqgDate, parseDvcqgDate } from 'src/integrations/dvcqg-format';

export const BOOK_FIELDS = [
  'code',
  'procedureCode',
  'procedureName',
  'applicant',
  'applicantKind',
  'idNumber',
  'phone',
  'email',
  'unit',
  'channel',
  'receivedAt',
  'dueAt',
  'resolvedAt',
  'returnedAt',
  'status',
  'summary',
  'fee',
] as const;
export type BookField = (typeof BOOK_FIELDS)[number];
const DATE_FIELDS = ['receivedAt', 'dueAt', 'resolvedAt', 'returnedAt'] as const;
type DateField = (typeof DATE_FIELDS)[number];

/** A cell as the readers give it: text (CSV, XLSX strings), a number or a date (XLSX). */
export type Cell = string | number | Date | null;

export interface BookMapping {
  headerSearchRows: number;
  columns: Record<BookField, string[]>;
  statuses: Map<string, number>;
  channels: Map<string, string>;
  applicantKinds: Map<string, string>;
  /** Minutes after local midnight given to a date without a time, per date field. */
  dateOnlyMinutes: Record<DateField, number>;
}

/** A row the import refuses, with the reason a person reads (Vietnamese). */
export class BookRowError extends Error {}

/** Header and value comparison: no case, no accents (đ → d), single spaces, no trailing ':' or '*'. */
export function normalizeLabel(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[\s:*]+$/, '')
    .trim();
}

/** Checks a mapping file's content; the error names the key at fault. */
export function parseBookMapping(json: unknown): BookMapping {
  const fail = (key: string, what: string): never => {
    throw new Error(`column mapping: ${key} ${what}`);
  };
  if (!json || typeof json !== 'object' || Array.isArray(json)) return fail('(file)', 'must be a JSON object');
  const j = json as Record<string, unknown>;
  const cols = j.columns;
  if (!cols || typeof cols !== 'object' || Array.isArray(cols)) return fail('columns', 'must be an object');
  const columns = {} as Record<BookField, string[]>;
  for (const f of BOOK_FIELDS) {
    const v = (cols as Record<string, unknown>)[f] ?? [];
    const list = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || !x.trim()))
      return fail(`columns.${f}`, 'must be a header text or a list of header texts');
    columns[f] = (list as string[]).map(normalizeLabel);
  }
  for (const k of Object.keys(cols))
    if (!(BOOK_FIELDS as readonly string[]).includes(k)) fail(`columns.${k}`, 'is not a known field');
  for (const f of ['code', 'receivedAt'] as const)
    if (!columns[f].length) fail(`columns.${f}`, 'must name at least one header');
  const table = <T>(key: string, check: (v: unknown) => T | null): Map<string, T> => {
    const v = j[key] ?? {};
    if (typeof v !== 'object' || Array.isArray(v) || v === null) return fail(key, 'must be an object');
    const out = new Map<string, T>();
    for (const [label, raw] of Object.entries(v)) {
      const x = check(raw);
      if (x === null) fail(`${key}.${label}`, 'has an invalid value');
      out.set(normalizeLabel(label), x as T);
    }
    return out;
  };
  const statuses = table('statuses', (v) =>
    Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 10 ? (v as number) : null,
  );
  const channels = table('channels', (v) => (v === '1' || v === '2' || v === '3' ? v : null));
  const applicantKinds = table('applicantKinds', (v) =>
    ['1', '2', '3', '4'].includes(v as string) ? (v as string) : null,
  );
  const times = (j.dateOnlyTimes ?? {}) as Record<string, unknown>;
  const dateOnlyMinutes = {} as Record<DateField, number>;
  for (const f of DATE_FIELDS) {
    const t = times[f] ?? (f === 'receivedAt' ? '08:00' : '17:00');
    const m = typeof t === 'string' ? /^(\d{1,2}):(\d{2})$/.exec(t) : null;
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) fail(`dateOnlyTimes.${f}`, 'must be HH:mm');
    dateOnlyMinutes[f] = Number(m![1]) * 60 + Number(m![2]);
  }
  const rows = j.headerSearchRows ?? 30;
  if (!Number.isInteger(rows) || (rows as number) < 1 || (rows as number) > 1000)
    fail('headerSearchRows', 'must be 1–1000');
  return { headerSearchRows: rows as number, columns, statuses, channels, applicantKinds, dateOnlyMinutes };
}

/** Where each field is in a row; null when the row is not the book's header (no code or reception column). */
export function locateColumns(header: Cell[], mapping: BookMapping): Partial<Record<BookField, number>> | null {
  const labels = header.map((c) => (c === null || c instanceof Date ? '' : normalizeLabel(String(c))));
  const found: Partial<Record<BookField, number>> = {};
  for (const f of BOOK_FIELDS) {
    for (const name of mapping.columns[f]) {
      const i = labels.indexOf(name);
      if (i >= 0 && !Object.values(found).includes(i)) {
        found[f] = i;
        break;
      }
    }
  }
  if (found.code === undefined || found.receivedAt === undefined) return null;
  if (found.procedureCode === undefined && found.procedureName === undefined) return null;
  return found;
}

/**
 * A date cell → epoch ms (Vietnam time for texts; an XLSX date carries the wall-clock time as UTC,
 * as spreadsheets store it). Texts: dd/MM/yyyy [HH:mm[:ss]] (also with - or .), HH:mm dd/MM/yyyy,
 * yyyy-MM-dd[ T]HH:mm[:ss], yyyyMMdd[HHmmss]; a spreadsheet serial number. A date without a time
 * gets `dateOnlyMinutes`. null when empty; throws when the text is not a date.
 */
export function parseBookDate(cell: Cell, dateOnlyMinutes: number, label: string): number | null {
  const wall = (y: number, mo: number, d: number, h: number | null, mi: number, s: number): number => {
    const hh = h ?? Math.floor(dateOnlyMinutes / 60);
    const mm = h === null ? dateOnlyMinutes % 60 : mi;
    const stamp = `${String(y).padStart(4, '0')}${[mo, d, hh, mm, s].map((n) => String(n).padStart(2, '0')).join('')}`;
    const ms = parseDvcqgDate(stamp);
    if (ms === null) throw new BookRowError(`${label} "${String(cellText(cell))}" không phải ngày hợp lệ`);
    return ms;
  };
  if (cell === null || cell === '') return null;
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) throw new BookRowError(`${label} không phải ngày hợp lệ`);
    const midnight = cell.getUTCHours() === 0 && cell.getUTCMinutes() === 0 && cell.getUTCSeconds() === 0;
    return wall(
      cell.getUTCFullYear(),
      cell.getUTCMonth() + 1,
      cell.getUTCDate(),
      midnight ? null : cell.getUTCHours(),
      cell.getUTCMinutes(),
      cell.getUTCSeconds(),
    );
  }
  if (typeof cell === 'number') {
    // A spreadsheet serial: days since 1899-12-30, the fraction is the time of day.
    if (!(cell > 0 && cell < 2958466)) throw new BookRowError(`${label} "${cell}" không phải ngày hợp lệ`);
    return parseBookDate(new Date(Math.round((cell - 25569) * 86400) * 1000), dateOnlyMinutes, label);
  }
  const t = cell.trim();
  if (!t) return null;
  let m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ ,T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (m) return wall(+m[3], +m[2], +m[1], m[4] === undefined ? null : +m[4], +(m[5] ?? 0), +(m[6] ?? 0));
  m = /^(\d{1,2})[:h](\d{2})(?::(\d{2}))?[ ,]+(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
  if (m) return wall(+m[6], +m[5], +m[4], +m[1], +m[2], +(m[3] ?? 0));
  m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (m) return wall(+m[1], +m[2], +m[3], m[4] === undefined ? null : +m[4], +(m[5] ?? 0), +(m[6] ?? 0));
  m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/.exec(t);
  if (m) return wall(+m[1], +m[2], +m[3], m[4] === undefined ? null : +m[4], +(m[5] ?? 0), +(m[6] ?? 0));
  throw new BookRowError(`${label} "${t.slice(0, 40)}" không phải ngày (dd/MM/yyyy HH:mm)`);
}

/** A cell as text (dates as dd/MM/yyyy HH:mm:ss, the wall-clock time the spreadsheet shows). */
export function cellText(cell: Cell): string {
  if (cell === null) return '';
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return '';
    const iso = cell.toISOString();
    return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11, 19)}`;
  }
  return String(cell);
}

/** Resolvers the caller builds from the catalogue (a unit or a procedure named in words). */
export interface BookLookups {
  /** The unit reference (portal identifier or code) for a cell's text; null when none matches. */
  unitRef(textValue: string): string | null;
  /** Our procedure code for a procedure's name; null when none or several match. */
  procedureByName(name: string): string | null;
  /** The unit when the book has no unit column or the cell is empty (--unit). */
  defaultUnit: string | null;
}

export interface BookRecord {
  record: Record<string, unknown>;
  unitHint: string | null;
}

/**
 * A data row → the DongBoHoSoMC record it stands for. Statuses are the portal's codes 1–10 or a
 * text of the mapping's table; an empty status is read from the dates (returned → 10, a result →
 * 9, else received). Returns null for a row with nothing in the mapped columns (a blank line).
 */
export function rowToRecord(
  cells: Cell[],
  cols: Partial<Record<BookField, number>>,
  mapping: BookMapping,
  lookups: BookLookups,
): BookRecord | null {
  const raw = (f: BookField): Cell => {
    const i = cols[f];
    if (i === undefined) return null;
    const v = cells[i] ?? null;
    return typeof v === 'string' ? v.trim() || null : v;
  };
  const str = (f: BookField): string | null => {
    const v = raw(f);
    return v === null ? null : cellText(v).trim() || null;
  };
  if (BOOK_FIELDS.every((f) => raw(f) === null)) return null;
  const code = str('code');
  if (!code) throw new BookRowError('thiếu mã hồ sơ');
  const date = (f: DateField, label: string) => parseBookDate(raw(f), mapping.dateOnlyMinutes[f], label);
  const receivedAt = date('receivedAt', 'ngày nhận');
  if (receivedAt === null) throw new BookRowError('thiếu ngày nhận hồ sơ');
  const dueAt = date('dueAt', 'ngày hẹn trả');
  const resolvedAt = date('resolvedAt', 'ngày có kết quả');
  const returnedAt = date('returnedAt', 'ngày trả kết quả');

  let status: number;
  const s = str('status');
  if (s === null) status = returnedAt !== null ? 10 : resolvedAt !== null ? 9 : 2;
  else if (/^\d{1,2}$/.test(s) && Number(s) >= 1 && Number(s) <= 10) status = Number(s);
  else {
    const mapped = mapping.statuses.get(normalizeLabel(s));
    if (mapped === undefined) throw new BookRowError(`trạng thái "${s.slice(0, 60)}" không có trong bảng ánh xạ`);
    status = mapped;
  }

  let procedure = str('procedureCode');
  const procedureName = str('procedureName');
  if (!procedure) {
    if (!procedureName) throw new BookRowError('thiếu mã và tên thủ tục');
    procedure = lookups.procedureByName(procedureName);
    if (!procedure)
      throw new BookRowError(`thủ tục "${procedureName.slice(0, 80)}" không tìm thấy theo tên trong danh mục`);
  }

  const unitText = str('unit');
  const unitHint = unitText ? (lookups.unitRef(unitText) ?? unitText) : lookups.defaultUnit;

  const channelText = str('channel');
  let channel = '1';
  if (channelText) {
    const c = /^[123]$/.test(channelText) ? channelText : mapping.channels.get(normalizeLabel(channelText));
    if (!c) throw new BookRowError(`kênh nộp "${channelText.slice(0, 40)}" không có trong bảng ánh xạ`);
    channel = c;
  }
  const kindText = str('applicantKind');
  const kind = kindText
    ? /^[1-4]$/.test(kindText)
      ? kindText
      : (mapping.applicantKinds.get(normalizeLabel(kindText)) ?? '1')
    : '1';

  const fee = raw('fee');
  const feeAmount = fee === null ? null : Number(String(cellText(fee)).replace(/[\s,.đ₫]|VNĐ|VND/gi, ''));
  if (feeAmount !== null && !Number.isFinite(feeAmount))
    throw new BookRowError(`lệ phí "${cellText(fee!)}" không phải số`);

  const stamp = (ms: number | null) => formatDvcqgDate(ms);
  const record: Record<string, unknown> = {
    MaHoSo: code,
    MaTTHC: procedure,
    TenTTHC: procedureName ?? '',
    KenhThucHien: channel,
    ChuHoSo: str('applicant') ?? '',
    LoaiDoiTuong: kind,
    NgayTiepNhan: stamp(receivedAt),
    NgayHenTra: stamp(dueAt),
    TrangThaiHoSo: String(status),
    NgayKetThucXuLy: stamp(resolvedAt),
    NgayTra: stamp(returnedAt),
  };
  const optional: [string, BookField][] = [
    ['SoGiayToChuHoSo', 'idNumber'],
    ['SoDienThoai', 'phone'],
    ['Email', 'email'],
    ['TrichYeuHoSo', 'summary'],
  ];
  for (const [key, f] of optional) {
    const v = str(f);
    if (v) record[key] = v;
  }
  if (feeAmount !== null && feeAmount > 0) record.DanhSachLePhi = [{ TenPhiLePhi: 'Lệ phí', Gia: String(feeAmount) }];
  return { record, unitHint };
}
