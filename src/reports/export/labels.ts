/**
 * Everything a person reads on the report exports (form 06a, the Decision 766 index, officials),
 * in Vietnamese, in one place. Pure; no Nest.
 */
import { loadReportsConfig } from 'src/reports/index-model';
import type { CountKey, GroupBy, IndexIndicator } from 'src/reports/report.types';

let labelsByKey: Map<string, string> | null = null;
/** The index's indicator labels by key (config/reports.json), read once. */
function indicatorLabels(): Map<string, string> {
  labelsByKey ??= new Map(loadReportsConfig().groups.flatMap((g) => g.indicators.map((i) => [i.key, i.label])));
  return labelsByKey;
}

/** The form-06a count columns: their shared header (if any) and their own title, in COUNT_KEYS order. */
export const COUNT_COLUMNS: Record<CountKey, { group?: string; title: string }> = {
  receivedTotal: { group: 'Số hồ sơ nhận giải quyết', title: 'Tổng số' },
  receivedOnline: { group: 'Số hồ sơ nhận giải quyết', title: 'Trực tuyến' },
  receivedDirect: { group: 'Số hồ sơ nhận giải quyết', title: 'Trực tiếp/bưu chính' },
  carriedOver: { group: 'Số hồ sơ nhận giải quyết', title: 'Từ kỳ trước chuyển qua' },
  resolvedTotal: { group: 'Số hồ sơ đã giải quyết', title: 'Tổng số' },
  resolvedEarly: { group: 'Số hồ sơ đã giải quyết', title: 'Trước hạn' },
  resolvedOnTime: { group: 'Số hồ sơ đã giải quyết', title: 'Đúng hạn' },
  resolvedLate: { group: 'Số hồ sơ đã giải quyết', title: 'Quá hạn' },
  withdrawn: { title: 'Số hồ sơ rút' },
  inProgressTotal: { group: 'Số hồ sơ đang giải quyết', title: 'Tổng số' },
  inProgressWithin: { group: 'Số hồ sơ đang giải quyết', title: 'Trong hạn' },
  inProgressOverdue: { group: 'Số hồ sơ đang giải quyết', title: 'Quá hạn' },
};

export const REPORT_LABELS = {
  no: 'STT',
  total: 'Tổng cộng',
  unitCode: 'Mã đơn vị',
  unitName: 'Tên đơn vị',
  reportingUnit: (name: string, code: string) => `Đơn vị: ${name} (${code})`,
  /** "Từ ngày 01/01/2026 đến ngày 31/03/2026". */
  period: (from: string, to: string) => `Từ ngày ${formatDate(from)} đến ngày ${formatDate(to)}`,
  generatedAt: (at: string) => `Lập lúc ${at}`,
  /** The header of a closed period's export (closed periods). */
  frozen: (date: string, version: number, hash: string) =>
    `Số liệu đã chốt ngày ${date} (phiên bản ${version}, mã kiểm tra SHA-256 ${hash.slice(0, 16)}…)`,
  /** The note of the report after a closed period: the adjustments carried from it. */
  carried: (period: string, items: string) => `Ghi chú: điều chỉnh số liệu kỳ ${period} đã chốt: ${items}`,
  figure: (figure: string, part?: string) => {
    if (figure.startsWith('index:')) {
      const key = figure.slice('index:'.length);
      const label = indicatorLabels().get(key) ?? key;
      return `Chỉ số ${label}${part === 'numerator' ? ' (tử số)' : part === 'denominator' ? ' (mẫu số)' : ''}`;
    }
    const c = COUNT_COLUMNS[figure as keyof typeof COUNT_COLUMNS];
    return c ? `${c.group} - ${c.title}` : figure;
  },
  creator: 'SLA tracker',

  processing: {
    title: 'BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH',
    form: '(Mẫu 06a - Thông tư số 01/2020/TT-VPCP)',
    sheet: 'Mẫu 06a',
    groupColumns: {
      unit: [],
      field: [{ title: 'Lĩnh vực', width: 24 }],
      procedure: [
        { title: 'Mã thủ tục', width: 14 },
        { title: 'Thủ tục', width: 36 },
      ],
    } satisfies Record<GroupBy, { title: string; width: number }[]>,
    chartTitle: 'Biểu đồ: kết quả giải quyết hồ sơ (số hồ sơ đã giải quyết)',
    series: { early: 'Trước hạn', onTime: 'Đúng hạn', late: 'Quá hạn' },
  },

  index: {
    title: 'KẾT QUẢ ĐÁNH GIÁ CHẤT LƯỢNG PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP',
    decision: '(Bộ chỉ số theo Quyết định số 766/QĐ-TTg)',
    sheet: 'Xếp hạng',
    detailSheet: 'Chi tiết',
    period: (period: string, from: string, to: string) =>
      `Kỳ đánh giá: ${periodName(period)} (từ ngày ${formatDate(from)} đến ngày ${formatDate(to)})`,
    rank: 'Hạng',
    totalPoints: 'Tổng điểm',
    band: 'Xếp loại',
    groupPoints: 'Điểm theo nhóm chỉ số',
    groupTitle: (label: string, max: number) => `${label} (${max})`,
    group: 'Nhóm chỉ số',
    indicator: 'Chỉ số',
    points: 'Điểm',
    max: 'Điểm tối đa',
    numerator: 'Tử số',
    denominator: 'Mẫu số',
    ratio: 'Tỷ lệ',
    source: 'Nguồn',
    sources: { computed: 'Tính toán', entered: 'Nhập tay' } satisfies Record<IndexIndicator['source'], string>,
    enteredBy: 'Người nhập',
    enteredAt: 'Thời điểm nhập',
    chartTitle: 'Biểu đồ: tổng điểm của các đơn vị theo thứ hạng',
    portalRef: 'Chỉ số (Cổng)',
    method: 'Phương pháp',
    methodsTitle: 'PHƯƠNG PHÁP TÍNH CÁC CHỈ SỐ (theo tài liệu mô tả công thức của Cổng Dịch vụ công quốc gia)',
    methodsSheet: 'Phương pháp',
    notInPortal: 'Không có',
  },

  officials: {
    title: 'KẾT QUẢ XỬ LÝ HỒ SƠ CỦA CÁN BỘ, CÔNG CHỨC',
    sheet: 'Cán bộ',
    username: 'Tên đăng nhập',
    fullName: 'Họ và tên',
    steps: 'Số bước xử lý hồ sơ',
    handled: 'Tổng số',
    early: 'Trước hạn',
    onTime: 'Đúng hạn',
    late: 'Quá hạn',
    onTimeRate: 'Tỷ lệ đúng hạn',
    annual: 'Đánh giá năm',
    supplementRequests: 'Yêu cầu bổ sung',
    supplementBreaches: 'Vi phạm quy định bổ sung',
    ratedVerySatisfied: 'Rất hài lòng',
    ratedSatisfied: 'Hài lòng',
    ratedDissatisfied: 'Không hài lòng',
    conductFeedback: 'Phản ánh về thái độ',
    conductFeedbackUpheld: 'Phản ánh đúng',
    extensionsCaused: 'Gia hạn do chậm',
  },
} as const;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A local date YYYY-MM-DD as dd/MM/yyyy (anything else as given). */
export function formatDate(date: string): string {
  const m = DATE.exec(date);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : date;
}

const PERIOD = /^(\d{4})(?:-(?:(H[12])|Q([1-4])|(0[1-9]|1[0-2])))?$/;
const ROMAN = ['I', 'II', 'III', 'IV'];

/** An index period label in words: "Năm 2026", "6 tháng đầu năm 2026", "Quý I năm 2026", "Tháng 03 năm 2026". */
export function periodName(period: string): string {
  const m = PERIOD.exec(period);
  if (!m) return period;
  const year = m[1];
  if (m[2]) return `6 tháng ${m[2] === 'H1' ? 'đầu' : 'cuối'} năm ${year}`;
  if (m[3]) return `Quý ${ROMAN[Number(m[3]) - 1]} năm ${year}`;
  if (m[4]) return `Tháng ${m[4]} năm ${year}`;
  return `Năm ${year}`;
}
