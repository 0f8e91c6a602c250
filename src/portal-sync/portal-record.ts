/**
 * What we send to the national portal for a dossier: the DongBoHoSoMC record and one
 * CapNhatTienDoHoSoMC progress item per event, in the field format of the one-stop systems
 * (docs/http-api.md, "Exchange"). Pure: the caller reads the dossier, its events and names.
 */
import { ACTION_LABELS } from 'src/console/format';
import { type DossierState, type DossierStatus, PORTAL_CODE } from 'src/dossiers/lifecycle';
import { APPLICANT_KIND_CODE, CHANNEL_CODE, formatDvcqgDate } from 'src/integrations/dvcqg-format';

export interface SyncDossier {
  code: string;
  procedure_code: string;
  procedure_name: string;
  procedure_field: string;
  /** MaLinhVuc, from the catalogue; '' until an administrator sets it. */
  procedure_field_code: string | null;
  channel: string;
  applicant: Record<string, unknown>;
  summary: string | null;
  flags: Record<string, unknown>;
  state: DossierState;
  handling_unit_name: string;
  /** The bound of its events' partitions (DossierRow.created_at). */
  created_at: Date;
}

export interface SyncEvent {
  seq: number;
  action: string;
  at: Date;
  to_status: string;
  payload: Record<string, unknown>;
  actor_name: string | null;
  unit_name: string | null;
}

const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const bit = (v: unknown): string => (v === true ? '1' : '0');

export function toPortalRecord(
  d: SyncDossier,
  result: { summary: string; url: string | null } | null,
): Record<string, unknown> {
  const st = d.state;
  const status = st.status as DossierStatus;
  const due = st.promisedAt ?? st.clock.dueAt;
  return {
    MaHoSo: d.code,
    MaTTHC: d.procedure_code,
    TenTTHC: d.procedure_name,
    MaLinhVuc: d.procedure_field_code ?? '',
    TenLinhVuc: d.procedure_field,
    KenhThucHien: CHANNEL_CODE[d.channel] ?? '1',
    ChuHoSo: s(d.applicant.fullName),
    LoaiDoiTuong: APPLICANT_KIND_CODE[s(d.applicant.kind)] ?? '1',
    SoGiayToChuHoSo: s(d.applicant.idNumber),
    Email: s(d.applicant.email),
    SoDienThoai: s(d.applicant.phone),
    TrichYeuHoSo: (d.summary ?? '').slice(0, 1000),
    NgayNopHoSo: formatDvcqgDate(st.receivedAt),
    NgayTiepNhan: formatDvcqgDate(st.receivedAt),
    NgayHenTra: formatDvcqgDate(due),
    TrangThaiHoSo: String(PORTAL_CODE[status]),
    NgayTra: formatDvcqgDate(st.returnedAt),
    ThongTinTra: '',
    HinhThuc: d.channel === 'postal' ? '1' : '0',
    NgayKetThucXuLy: formatDvcqgDate(st.endedAt),
    NgayTuChoi: status === 'rejected' ? formatDvcqgDate(st.endedAt) : '',
    DonViXuLy: d.handling_unit_name,
    GhiChu: '',
    // The portal's marker of 766 indicator 4.3 (reuse of digitised data) for dossiers synced by a
    // province: it counts what our 4.3 counts.
    HoSoCoThanhPhanSoHoa: bit(d.flags.reusedDigitisedData),
    TaiKhoanDuocXacThucVoiVNeID: bit(d.flags.usedPopulationData),
    DuocThanhToanTrucTuyen: d.flags.paidOnline === true || st.paidOnline === true ? '1' : '0',
    TaiLieuNop: [],
    DanhSachLePhi: [],
    DanhSachTepDinhKemKhac: [],
    DanhSachHoSoBoSung: [],
    DanhSachGiayToKetQua: result?.url
      ? [
          {
            TenGiayTo: result.summary.slice(0, 2000),
            MaThanhPhanHoSo: '',
            GiayToId: d.code,
            DuongDanTepTinKetQua: result.url,
          },
        ]
      : [],
  };
}

/** One progress item per event; the intake is the "Tiếp nhận hồ sơ" step with status 2, as the senders do. */
export function toProgressItem(code: string, e: SyncEvent): Record<string, unknown> {
  const note = s(e.payload.reason) || s(e.payload.note) || s(e.payload.resultSummary);
  const label = e.action === 'intake' ? 'Tiếp nhận hồ sơ' : (ACTION_LABELS[e.action] ?? e.action);
  return {
    MaHoSo: code,
    NguoiXuLy: (e.actor_name ?? 'Chuyên viên').slice(0, 50),
    ChucDanh: '',
    ThoiDiemXuLy: formatDvcqgDate(e.at.getTime()),
    PhongBanXuLy: e.unit_name ?? '',
    NoiDungXuLy: (note ? `${label}: ${note}` : label).slice(0, 2000),
    TrangThai: String(PORTAL_CODE[e.to_status as DossierStatus] ?? ''),
    NgayBatDau: '',
    NgayKetThucTheoQuyDinh: '',
  };
}
