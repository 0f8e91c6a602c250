import { searchFold } from 'src/common/search-fold';
import { DomainError } from 'src/common/domain-error';

/** Names of the fields a person fills, as the forms label them (for error messages). */
export const FIELD_LABELS: Record<string, string> = {
  procedureCode: 'Thủ tục',
  channel: 'Kênh tiếp nhận',
  'applicant.kind': 'Người nộp là',
  'applicant.fullName': 'Họ và tên người nộp',
  'applicant.idNumber': 'Số định danh',
  'applicant.phone': 'Điện thoại',
  'applicant.email': 'Thư điện tử',
  'applicant.address': 'Địa chỉ',
  summary: 'Nội dung hồ sơ',
  note: 'Ghi chú',
  reason: 'Lý do',
  items: 'Giấy tờ cần bổ sung',
  amount: 'Số tiền',
  newPromisedAt: 'Thời hạn hẹn mới',
  responsibleUnitCode: 'Đơn vị chịu trách nhiệm',
  resultSummary: 'Kết quả giải quyết',
  expectedVersion: 'Phiên bản hồ sơ',
  lookupKey: 'Mã tra cứu',
  criteria: 'Các tiêu chí đánh giá',
  verdict: 'Đánh giá chung',
  comment: 'Ý kiến khác',
  content: 'Nội dung phản ánh',
  kind: 'Loại phản ánh',
  period: 'Kỳ báo cáo',
};

/** class-validator's rule of a detail, as a Vietnamese phrase. */
function ruleText(field: string, rule: string | undefined, message: string): string {
  const max = /shorter than or equal to (\d+)/.exec(message);
  if (max) return `tối đa ${max[1]} ký tự`;
  const min = /longer than or equal to (\d+)/.exec(message);
  if (min) return `ít nhất ${min[1]} ký tự`;
  switch (rule) {
    case 'isNotEmpty':
    case 'arrayMinSize':
      return 'không được để trống';
    case 'isEmail':
      return 'không đúng dạng địa chỉ thư điện tử (ví dụ: ten@example.vn)';
    case 'isIn':
    case 'isEnum':
      return 'không thuộc các lựa chọn cho phép';
    case 'min':
      return 'phải lớn hơn hoặc bằng giá trị nhỏ nhất cho phép';
    case 'isInt':
    case 'isNumber':
      return 'phải là một số';
    case 'matches':
      if (field.endsWith('phone')) return 'phải gồm 6–20 chữ số (có thể có dấu cách, dấu chấm hoặc gạch ngang)';
      if (field.endsWith('idNumber')) return 'chỉ gồm chữ cái, chữ số hoặc dấu gạch ngang, tối đa 30 ký tự';
      if (field === 'period') return 'phải là năm (2026), 6 tháng (2026-H1), quý (2026-Q3) hoặc tháng (2026-09)';
      return 'không đúng định dạng';
    case 'whitelistValidation':
      return 'không phải trường của biểu mẫu này';
    default:
      return 'không hợp lệ';
  }
}

/**
 * A service error as the sentence a person reads: Vietnamese, naming the field by its label
 * ("Họ và tên người nộp: tối đa 200 ký tự"), never a property path or a validator's English.
 */
export function explainError(err: DomainError): string {
  if (err.code === 'VERSION_CONFLICT')
    return 'Người khác vừa thay đổi hồ sơ này. Trang đã được tải lại với dữ liệu mới nhất; nội dung bạn vừa nhập vẫn được giữ trong biểu mẫu, hãy kiểm tra rồi thực hiện lại.';
  if (err.code === 'VALIDATION_FAILED' && err.details?.length) {
    // A field left empty is said to be empty, not also to have the wrong form.
    const empty = new Set(err.details.filter((d) => d.rule === 'isNotEmpty').map((d) => d.field));
    const details = err.details.filter((d) => d.rule === 'isNotEmpty' || !empty.has(d.field));
    const lines = details.map((d) => {
      const field = typeof d.field === 'string' ? d.field : '';
      const label = FIELD_LABELS[field] ?? (field ? 'Một trường' : 'Dữ liệu');
      return `${label}: ${ruleText(field, typeof d.rule === 'string' ? d.rule : undefined, String(d.message ?? ''))}`;
    });
    return [...new Set(lines)].join('; ') + '.';
  }
  if (err.code === 'FORBIDDEN') return err.message || 'Bạn không có quyền thực hiện thao tác này.';
  // Domain errors' own messages are Vietnamese (lifecycle, rules); an English one gets a generic sentence.
  return /[àáảãạăâđèéẻẽẹêìíỉĩịòóỏõọôơùúủũụưỳýỷỹỵ]/i.test(err.message) ? err.message : 'Yêu cầu không hợp lệ.';
}

/** The fields named by a validation error (to mark them in the form). */
export function invalidFields(err: unknown): Set<string> {
  const out = new Set<string>();
  if (err instanceof DomainError) for (const d of err.details ?? []) if (typeof d.field === 'string') out.add(d.field);
  return out;
}

/**
 * A citizen's personal identification number: the 12 digits of the chip-based citizen identity
 * card (CCCD, Law on Identification 2023), or the 9 digits of an old identity card (CMND) still
 * met on older papers. Other applicants (businesses, organisations) carry other codes.
 */
export function citizenIdProblem(kind: string, idNumber: string): string | null {
  if (kind !== 'citizen' || idNumber === '') return null;
  return /^(\d{12}|\d{9})$/.test(idNumber)
    ? null
    : 'Số định danh: số định danh cá nhân (CCCD) gồm 12 chữ số (CMND cũ: 9 chữ số).';
}

export interface ProcedureChoice {
  code: string;
  name: string;
}

/**
 * The procedure a clerk typed: its code (alone or as the list's "code — name"), or part of its
 * name, with or without diacritics. One match, or the candidates (at most 10) when several match.
 */
export function matchProcedure(
  typed: string,
  options: readonly ProcedureChoice[],
): { match: ProcedureChoice | null; candidates: ProcedureChoice[] } {
  const text = typed.trim();
  if (!text) return { match: null, candidates: [] };
  const head = text.split(/\s+[—–-]\s+|\s+/)[0];
  const exact = options.find((o) => o.code === text || o.code === head);
  if (exact) return { match: exact, candidates: [] };
  const terms = searchFold(text).split(' ').filter(Boolean);
  const found = options.filter((o) => {
    const hay = searchFold(`${o.code} ${o.name}`);
    return terms.every((t) => hay.includes(t));
  });
  if (found.length === 1) return { match: found[0], candidates: [] };
  return { match: null, candidates: found.slice(0, 10) };
}
