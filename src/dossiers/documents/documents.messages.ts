// Everything a person reads on the dossier documents (form 01 receipt, form 06 control slip, form
// 04 apology and extension letter of Circular 03/2025/TT-VPCP), in one place (Vietnamese; an
// English locale can be added beside it).
import type { Outcome } from 'src/dossiers/lifecycle';

/** Applicant kinds addressed as a person (docs/http-api.md: citizen | business | agency | organisation). */
const isPerson = (kind: unknown) => kind === 'citizen' || kind === undefined || kind === null;

export const DOCUMENT_MESSAGES = {
  nation: 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
  motto: 'Độc lập - Tự do - Hạnh phúc',
  /** "ngày 04 tháng 03 năm 2026" (the date line of an administrative document). */
  dateLine: (day: string, month: string, year: string) => `Ngày ${day} tháng ${month} năm ${year}`,
  page: (n: number, of: number) => `Trang ${n}/${of}`,
  none: '—',

  slip: {
    title: 'PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ',
    comment: 'Ý kiến chỉ đạo',
    recalled: 'Thu hồi',
    code: 'Mã hồ sơ',
    procedure: 'Thủ tục hành chính',
    applicant: 'Tổ chức, cá nhân nộp hồ sơ',
    receivedAt: 'Thời gian tiếp nhận',
    dueAt: 'Thời gian hẹn trả kết quả',
    duePaused: (at: string) => `${at} (đang tạm dừng tính thời gian)`,
    promisedAt: 'Thời gian hẹn lại (sau khi gia hạn)',
    handlingUnit: 'Cơ quan (bộ phận) giải quyết hồ sơ',
    status: 'Tình trạng hồ sơ',
    outcome: 'Kết quả giải quyết hồ sơ',
    outcomeAt: (label: string, at: string) => `${label} (kết thúc lúc ${at})`,
    printedAt: (at: string) => `Phiếu in lúc ${at}`,
    columns: {
      index: 'STT',
      step: 'BƯỚC XỬ LÝ',
      agency: 'TÊN CƠ QUAN',
      giver: 'Bên giao (cơ quan, người giao)',
      receiver: 'Bên nhận (cơ quan, người nhận)',
      handedOverAt: 'THỜI GIAN GIAO, NHẬN HỒ SƠ',
      stepDueAt: 'HẠN XỬ LÝ CỦA BƯỚC',
      completedAt: 'THỜI GIAN HOÀN THÀNH',
      result: 'KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/Đúng hạn/Quá hạn)',
      note: 'GHI CHÚ',
    },
    giverPerson: 'Người giao',
    receiverPerson: 'Người nhận',
    applicantGives: 'Tổ chức, cá nhân nộp hồ sơ',
    inProgress: 'Đang xử lý',
    paused: 'Tạm dừng tính thời gian',
  },

  letter: {
    title: 'PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ',
    to: 'Kính gửi',
    /** The applicant as the letter names it: "Ông/Bà Nguyễn Văn Bình" for a citizen, an organisation by its name. */
    addressee: (kind: unknown, name: string): string => (isPerson(kind) ? `Ông/Bà ${name}` : name),
    /** How the body of the letter refers to the applicant afterwards. */
    reference: (kind: unknown): string => (isPerson(kind) ? 'Ông/Bà' : 'Quý cơ quan, tổ chức'),
    received: (date: string, unit: string, procedure: string, addressee: string) =>
      `${date}, ${unit} tiếp nhận hồ sơ đề nghị giải quyết thủ tục hành chính “${procedure}” của ${addressee}.`,
    code: 'Mã hồ sơ',
    appointment: 'Thời gian hẹn trả kết quả giải quyết hồ sơ',
    delay: (unit: string, salutation: string) =>
      `Tuy nhiên đến nay, ${unit} chưa trả kết quả giải quyết hồ sơ cho ${salutation} đúng thời hạn ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả.`,
    reason: 'Lý do',
    apology: (unit: string, salutation: string) =>
      `Sự chậm trễ này đã gây phiền hà cho ${salutation}. ${unit} xin lỗi ${salutation} và sẽ trả kết quả giải quyết hồ sơ vào lúc`,
    understanding: (salutation: string) => `Mong nhận được sự thông cảm của ${salutation} vì sự chậm trễ này.`,
    regards: 'Trân trọng./.',
    recipients: 'Nơi nhận:',
    recipientLines: ['- Như trên;', '- Lưu: VT, bộ phận một cửa.'],
    signerTitle: 'THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ',
    signerHint: '(Ký, ghi rõ họ tên và đóng dấu)',
  },

  receipt: {
    title: 'GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
    code: 'Mã hồ sơ',
    receivedFrom: (unit: string) => `${unit} tiếp nhận hồ sơ của:`,
    idNumber: 'Số định danh cá nhân/mã số',
    address: 'Địa chỉ',
    phone: 'Số điện thoại',
    email: 'Thư điện tử',
    request: 'Nội dung yêu cầu giải quyết',
    procedure: (name: string, code: string) => `${name} (mã thủ tục ${code})`,
    components: '1. Thành phần hồ sơ nộp gồm',
    componentsDefault: 'Theo danh mục thành phần hồ sơ của thủ tục hành chính',
    count: '2. Số lượng hồ sơ: 01 (bộ).',
    timeLimit: '3. Thời gian giải quyết hồ sơ theo quy định là',
    receivedAt: '4. Thời gian nhận hồ sơ',
    appointment: '5. Thời gian trả kết quả giải quyết hồ sơ',
    returnAt: (unit: string) => `6. Nhận kết quả tại: Bộ phận Một cửa - ${unit}.`,
    /** "10 giờ 00 phút, ngày 25/02/2026" as the form writes instants. */
    instant: (hh: string, mm: string, date: string) => `${hh} giờ ${mm} phút, ngày ${date}`,
    limit: {
      working_days: (n: number) => `${n} ngày làm việc`,
      working_hours: (n: number) => `${n} giờ làm việc`,
      calendar_days: (n: number) => `${n} ngày`,
    },
    lookupKey: 'Mã tra cứu',
    lookupKeyNotReprinted: 'đã cấp một lần khi tiếp nhận hồ sơ (không in lại)',
    lookupHint:
      'Dùng mã hồ sơ và mã tra cứu để tra cứu tình trạng giải quyết hồ sơ, đánh giá mức độ hài lòng và gửi phản ánh, kiến nghị tại địa chỉ dưới đây hoặc quét mã QR:',
    keep: 'Đề nghị giữ kín mã tra cứu; chỉ người nộp hồ sơ được dùng mã này.',
    applicantSigner: 'NGƯỜI NỘP HỒ SƠ',
    receiverSigner: 'NGƯỜI TIẾP NHẬN HỒ SƠ',
    signHint: '(Ký và ghi rõ họ tên)',
    keyMismatch: 'lookupKey is not the lookup key of this dossier',
  },

  outcome: {
    early: 'Trước hạn',
    on_time: 'Đúng hạn',
    late: 'Quá hạn',
  } satisfies Record<Outcome, string>,

  extensionNotFound: 'Văn bản xin lỗi và hẹn lại ngày trả kết quả',
} as const;

/** File name prefixes (ASCII: they go into Content-Disposition). */
export const DOCUMENT_FILE_PREFIX = {
  slip: 'phieu-kiem-soat',
  letter: 'phieu-xin-loi-hen-lai',
  receipt: 'giay-tiep-nhan',
} as const;
