/**
 * The DVCQG dossier-sync format (DongBoHoSoMC records, CapNhatTienDoHoSoMC progress items) as the
 * provincial one-stop systems send it to the national portal: dates, code lists, the status table
 * and the events a portal status implies. Pure: no Nest, no database; time comes in as arguments.
 */
import { hash } from 'node:crypto';
import type { DossierStatus, LiveAction } from 'src/dossiers/lifecycle';

export const SERVICES = ['DongBoHoSoMC', 'CapNhatTienDoHoSoMC'] as const;
export type DvcqgService = (typeof SERVICES)[number];

/** Records or items accepted per request (the senders batch one to a few dozen). */
export const MAX_BATCH = 1000;

const VN_OFFSET_MS = 7 * 3600_000;

/** yyyyMMddHHmmss in Vietnam time (UTC+7) → epoch ms; null when empty or not a real instant. */
export function parseDvcqgDate(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{14}$/.test(value)) return null;
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((i, k) => Number(value.slice(i, k === 0 ? 4 : i + 2)));
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - VN_OFFSET_MS;
  const back = new Date(ms + VN_OFFSET_MS);
  // Date.UTC rolls 31/02 over to March: refuse instead.
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return null;
  return ms;
}

/** epoch ms → yyyyMMddHHmmss in Vietnam time; "" for null (the senders' "no date"). */
export function formatDvcqgDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return new Date(Math.floor(ms / 1000) * 1000 + VN_OFFSET_MS).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * The portal's status codes (TrangThaiHoSo / TrangThai) read inbound: the status each means here and
 * the action that leads to it (docs/http-api.md, "Exchange"). One table, so a status added to the
 * lifecycle (e.g. a Decree 118 `closed`, portal 8) is one row here. Outbound, PORTAL_CODE in the
 * lifecycle gives each status its code.
 */
export const INBOUND_STATUS: Record<number, { status: DossierStatus; action: LiveAction | null }> = {
  1: { status: 'received', action: null },
  2: { status: 'received', action: null },
  3: { status: 'rejected', action: 'reject' },
  4: { status: 'in_progress', action: 'forward' },
  5: { status: 'awaiting_supplement', action: 'request_supplement' },
  6: { status: 'awaiting_payment', action: 'request_payment' },
  7: { status: 'withdrawn', action: 'withdraw' },
  8: { status: 'stopped', action: 'stop' },
  9: { status: 'resolved', action: 'resolve' },
  10: { status: 'returned', action: 'return' },
};

/** "4" / 4 / " 4 " → 4; anything else → null. */
export function statusCode(value: unknown): number | null {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\s*\d{1,2}\s*$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(n) && INBOUND_STATUS[n] ? n : null;
}

export const CHANNEL_OF: Record<string, 'direct' | 'online' | 'postal'> = {
  '1': 'direct',
  '2': 'online',
  '3': 'postal',
};
export const CHANNEL_CODE: Record<string, string> = { direct: '1', online: '2', postal: '3' };
export const APPLICANT_KIND_OF: Record<string, 'citizen' | 'business' | 'agency' | 'organisation'> = {
  '1': 'citizen',
  '2': 'business',
  '3': 'agency',
  '4': 'organisation',
};
export const APPLICANT_KIND_CODE: Record<string, string> = {
  citizen: '1',
  business: '2',
  agency: '3',
  organisation: '4',
};

const OPEN: readonly DossierStatus[] = ['received', 'in_progress', 'awaiting_supplement', 'awaiting_payment'];
const RUNNING: readonly DossierStatus[] = ['received', 'in_progress'];

export interface PlannedEvent {
  action: LiveAction;
  payload: Record<string, unknown>;
}

/** What the record or item tells beside its status code. */
export interface StatusFacts {
  /** NoiDungXuLy (item) or a default: the reason or note of the action. */
  text: string | null;
  /** The fee to request for a 6 (sum of DanhSachLePhi[].Gia), null when unknown. */
  amount: number | null;
  /** Whether the result is electronic (a result document with a link). */
  electronicResult: boolean;
  resultFileUrl: string | null;
}

const DEFAULT_TEXT: Partial<Record<LiveAction, string>> = {
  reject: 'Từ chối (theo hệ thống nguồn)',
  stop: 'Dừng xử lý (theo hệ thống nguồn)',
  request_supplement: 'Yêu cầu bổ sung (theo hệ thống nguồn)',
  resolve: 'Đã xử lý xong (theo hệ thống nguồn)',
};

/**
 * The events that take a dossier from `current` to the status a portal code means, as the sender saw
 * it. Statuses 1 and 2 add nothing; a 4 after 5 or 6 is the matching receive/confirm; a 4 at the
 * last step of our process adds nothing (the dossier is being processed already). A status that
 * skips steps gets the steps in between, marked `implied` (the gap is noted on the event), e.g. a 10
 * on an open dossier is resolve then return. Returns an error text when no sequence leads there.
 * `record`: the code is a record's TrangThaiHoSo, the status the dossier is in, not a step taken (a
 * progress item's TrangThai): the same status again adds nothing, a 4 included (senders send the
 * record again with every change, and before each progress item).
 */
export function eventsToReach(
  current: DossierStatus,
  atLastStep: boolean,
  code: number,
  facts: StatusFacts,
  record = false,
): { events: PlannedEvent[] } | { error: string } {
  const target = INBOUND_STATUS[code];
  if (!target) return { error: `mã trạng thái ${code} không hợp lệ` };
  const portal = { portalStatus: code };
  const implied = { portalStatus: code, implied: true };
  const text = facts.text?.slice(0, 2000) || null;
  if (target.action === null) return { events: [] };
  if (current === target.status) {
    // The same status again: only a progress item's 4 means something (the next step of the process).
    if (code === 4 && !atLastStep && !record)
      return { events: [{ action: 'forward', payload: { ...portal, ...(text ? { note: text } : {}) } }] };
    return { events: [] };
  }
  if (!OPEN.includes(current)) {
    if (current === 'resolved' && code === 10)
      return { events: [{ action: 'return', payload: { ...portal, ...(text ? { note: text } : {}) } }] };
    return { error: `hồ sơ đã kết thúc (${current}); không thể chuyển sang trạng thái ${code}` };
  }
  const events: PlannedEvent[] = [];
  const resume = (mark: Record<string, unknown>) => {
    if (current === 'awaiting_supplement') events.push({ action: 'receive_supplement', payload: { ...mark } });
    if (current === 'awaiting_payment')
      events.push({ action: 'confirm_payment', payload: { ...mark, paidOnline: false } });
  };
  switch (target.action) {
    case 'forward':
      // 4 after 5 or 6: the citizen answered. Else the next step (none past the last one).
      if (!RUNNING.includes(current)) resume({ ...portal, ...(text ? { note: text } : {}) });
      else if (!atLastStep) events.push({ action: 'forward', payload: { ...portal, ...(text ? { note: text } : {}) } });
      return { events };
    case 'request_supplement':
      resume(implied);
      events.push({
        action: 'request_supplement',
        payload: { ...portal, reason: text ?? DEFAULT_TEXT.request_supplement!, items: [] },
      });
      return { events };
    case 'request_payment':
      if (facts.amount === null || !(facts.amount > 0))
        return { error: 'yêu cầu nghĩa vụ tài chính mà không có số tiền (DanhSachLePhi[].Gia)' };
      resume(implied);
      events.push({
        action: 'request_payment',
        payload: { ...portal, amount: facts.amount, ...(text ? { note: text } : {}) },
      });
      return { events };
    case 'reject':
    case 'stop':
      events.push({ action: target.action, payload: { ...portal, reason: text ?? DEFAULT_TEXT[target.action]! } });
      return { events };
    case 'withdraw':
      events.push({ action: 'withdraw', payload: { ...portal, ...(text ? { reason: text } : {}) } });
      return { events };
    case 'resolve':
    case 'return': {
      const resolveMark = target.action === 'resolve' ? portal : implied;
      resume(implied);
      events.push({
        action: 'resolve',
        payload: {
          ...resolveMark,
          resultSummary: (target.action === 'resolve' ? text : null) ?? DEFAULT_TEXT.resolve!,
          electronicResult: facts.electronicResult,
          ...(facts.resultFileUrl ? { resultFileUrl: facts.resultFileUrl } : {}),
        },
      });
      if (target.action === 'return')
        events.push({ action: 'return', payload: { ...portal, ...(text ? { note: text } : {}) } });
      return { events };
    }
    default:
      return { error: `trạng thái ${code} chưa được hỗ trợ` };
  }
}

/** Canonical JSON (keys sorted at every level): the same record sent twice has the same fingerprint. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

export function fingerprint(service: DvcqgService, v: unknown): string {
  // One-shot hash (the same digest as hashing the three parts in turn), cheaper per item.
  return hash('sha256', `${service}\0${canonicalJson(v)}`, 'hex');
}

/** Fields that name or identify a person: replaced in what the rejected list shows. */
const PERSONAL = new Set([
  'ChuHoSo',
  'SoGiayToChuHoSo',
  'MaDoiTuong',
  'Email',
  'Fax',
  'SoDienThoai',
  'DinhDanhCHS',
  'ThongTinKhac',
  'NguoiXuLy',
  'DiaChi',
  'DuongDanTaiTepTin',
  'DuongDanTepTinKetQua',
]);

export function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, PERSONAL.has(k) ? (x === '' || x === null ? x : '***') : redact(x)]),
    );
  return v;
}

/** "True"/"False" (the senders' strings), true/false, "1"/"0"; undefined when absent or unreadable. */
export function parseFlag(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  return undefined;
}

/** A string field of a record: trimmed, or null when absent or empty. */
export function text(v: unknown, max = 2000): string | null {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t ? t.slice(0, max) : null;
}

const docsOf = (r: Record<string, unknown>, key: string): Record<string, unknown>[] =>
  Array.isArray(r[key])
    ? (r[key] as unknown[]).filter((d): d is Record<string, unknown> => !!d && typeof d === 'object')
    : [];

/**
 * The intake's index flags from a record (Decision 766, digitisation and payment groups), set only
 * where the record says something, read as the portal's computation reads the same fields:
 * - 4.2 `digitised`: a file attached to the dossier's components (a TaiLieuNop[] item, not deleted,
 *   with a DuongDanTaiTepTin);
 * - 4.3 `reusedDigitisedData`: HoSoCoThanhPhanSoHoa 1 (the portal's marker for dossiers synced by a
 *   ministry or province) or a TaiLieuNop[].DuocSoHoa 1 (its marker for files), or a
 *   TaiLieuNop[].DuocTaiSuDung 1/2 (one vendor's own reuse field);
 * - 4.4 `linkedToPersonalDataStore`: TaiLieuNop[].DuocLayTuKhoDMQG; 4.5 `usedPopulationData`:
 *   TaiKhoanDuocXacThucVoiVNeID; 3.6 `paidOnline`: DuocThanhToanTrucTuyen 1 (on the portal) or 2 (the
 *   province's payment platform).
 */
export function recordFlags(r: Record<string, unknown>): Record<string, boolean> {
  const docs = docsOf(r, 'TaiLieuNop');
  const flags: Record<string, boolean> = {};
  const docFlag = (key: string, yes: string[]) => {
    const seen = docs.filter((d) => d[key] !== undefined && d[key] !== null && d[key] !== '');
    return seen.length ? seen.some((d) => yes.includes(String(d[key]).trim())) : undefined;
  };
  const kept = docs.filter((d) => parseFlag(d.IsDeleted) !== true);
  if (kept.length) flags.digitised = kept.some((d) => text(d.DuongDanTaiTepTin) !== null);
  const marks = [parseFlag(r.HoSoCoThanhPhanSoHoa), docFlag('DuocSoHoa', ['1']), docFlag('DuocTaiSuDung', ['1', '2'])];
  if (marks.some((x) => x !== undefined)) flags.reusedDigitisedData = marks.some((x) => x === true);
  const store = docFlag('DuocLayTuKhoDMQG', ['1']);
  if (store !== undefined) flags.linkedToPersonalDataStore = store;
  const vneid = parseFlag(r.TaiKhoanDuocXacThucVoiVNeID);
  if (vneid !== undefined) flags.usedPopulationData = vneid;
  const paid = text(r.DuocThanhToanTrucTuyen);
  if (paid !== null) flags.paidOnline = paid === '1' || paid === '2';
  return flags;
}

/** The sum of DanhSachLePhi[].Gia (VND), null when the record lists no fee. */
export function recordFee(r: Record<string, unknown>): number | null {
  const fees = docsOf(r, 'DanhSachLePhi')
    .map((f) => (typeof f.Gia === 'string' ? vnd(f.Gia) : typeof f.Gia === 'number' ? Math.round(f.Gia) : NaN))
    .filter((n) => Number.isFinite(n) && n > 0);
  return fees.length ? fees.reduce((a, b) => a + b, 0) : null;
}

/**
 * An amount in đồng as senders write it: "150000", "150.000" or "150,000" or "150 000" (groups of
 * three), with or without a decimal part of one or two digits ("150000.00", "150.000,00"; rounded
 * to the đồng). Anything else ("15,00,000", "150.000.00": separators not between groups of three)
 * is not read as an amount (NaN) rather than guessed: "150000.00" read as 15,000,000 (every
 * separator dropped, as before) is worse than no fee.
 */
export function vnd(text: string): number {
  const t = text.trim().replace(/\s+/g, ' ');
  const m = /^(\d{1,3}(?:([.,\s])\d{3})?(?:\2\d{3})*|\d+)(?:([.,])(\d{1,2}))?$/.exec(t);
  if (!m) return NaN;
  const [, whole, group, point, cents] = m;
  // "150.000" is a group of three (a thousands separator), not a decimal part; "150.00" is.
  if (point && group && point === group) return NaN;
  return Math.round(Number(whole.replace(/[.,\s]/g, '')) + (cents ? Number(`0.${cents}`) : 0));
}

/** The first result document with a link (DanhSachGiayToKetQua[].DuongDanTepTinKetQua). */
export function recordResultUrl(r: Record<string, unknown>): string | null {
  for (const d of docsOf(r, 'DanhSachGiayToKetQua')) {
    const url = text(d.DuongDanTepTinKetQua, 2000);
    if (url && /^https?:\/\//i.test(url)) return url;
  }
  return null;
}

/** The receiving unit a record's code names, when it follows `<unit identifier>-yyMMdd-<number>`. */
export function unitPrefixOf(code: string): string | null {
  const m = /^(.+?)-\d{6}-\d+$/.exec(code);
  return m ? m[1] : null;
}
