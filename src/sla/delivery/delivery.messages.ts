// Everything a person reads from alert delivery (the e-mail), in one place (Vietnamese; an English
// locale can be added beside it).
import { toLocalIso } from 'src/common/time';

export type AlertKind = 'due_soon' | 'overdue' | 'stalled' | 'escalated' | 'feedback_overdue' | 'directive_comment';

/** What the e-mail says about one alert; read from Postgres when the delivery is sent. */
export interface AlertMessageInput {
  kind: AlertKind;
  dossierCode: string;
  procedureCode: string;
  procedureName: string | null;
  /** The deadline the alert is about: the dossier's (promised) due instant, or the step's for `stalled`. */
  deadlineAt: Date;
  statusLabel: string | null;
  /** The unit the alert concerns: the handling unit, or the step's unit for `stalled`. */
  unit: { code: string; name: string };
  /** The current step; null once the dossier has ended. */
  step: { name: string; unitCode: string | null; unitName: string | null } | null;
  recipientName: string | null;
  /** A directive comment's text and its author (the alert's instant is the comment's). */
  comment?: { text: string; authorName: string | null } | null;
}

/** dd/MM/yyyy HH:mm in Asia/Ho_Chi_Minh (+07:00), the way Vietnamese documents write an instant. */
export function formatVnInstant(d: Date): string {
  const iso = toLocalIso(d); // 2026-02-25T10:00:00+07:00
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11, 16)}`;
}

/** How the subject and the first sentence name the situation ("hồ sơ X quá hạn"). */
function situation(m: AlertMessageInput): string {
  switch (m.kind) {
    case 'due_soon':
      return 'sắp đến hạn';
    case 'overdue':
      return 'quá hạn';
    case 'stalled':
      return m.step ? `chậm ở bước “${m.step.name}”` : 'chậm ở bước';
    case 'escalated':
      return 'quá hạn kéo dài – báo cáo Ban chỉ đạo';
    case 'feedback_overdue':
      return 'có phản ánh, kiến nghị quá hạn xử lý';
    case 'directive_comment':
      return 'có ý kiến chỉ đạo';
  }
}

function request(kind: AlertKind): string {
  switch (kind) {
    case 'due_soon':
      return 'Đề nghị đôn đốc giải quyết hồ sơ trước thời hạn.';
    case 'overdue':
      return 'Đề nghị khẩn trương giải quyết hồ sơ; trường hợp cần thêm thời gian, ban hành văn bản xin lỗi và hẹn lại ngày trả kết quả.';
    case 'stalled':
      return 'Đề nghị khẩn trương hoàn thành bước xử lý và chuyển hồ sơ sang bước tiếp theo.';
    case 'escalated':
      return 'Hồ sơ vẫn quá hạn sau thời gian cho phép; thông báo này gửi Ban chỉ đạo để theo dõi, đôn đốc.';
    case 'feedback_overdue':
      return 'Đề nghị khẩn trương xử lý phản ánh, kiến nghị.';
    case 'directive_comment':
      return 'Đề nghị nghiên cứu, thực hiện ý kiến chỉ đạo.';
  }
}

export const DELIVERY_MESSAGES = {
  subject: (m: AlertMessageInput) => `[Cảnh báo] Hồ sơ ${m.dossierCode} ${situation(m)}`,

  body(m: AlertMessageInput): string {
    const deadlineLabel =
      m.kind === 'stalled'
        ? 'Hạn của bước'
        : m.kind === 'directive_comment'
          ? 'Thời điểm cho ý kiến'
          : 'Hạn giải quyết';
    const procedure = m.procedureName ? `${m.procedureName} (mã ${m.procedureCode})` : `mã ${m.procedureCode}`;
    const step = m.step
      ? `${m.step.name}${m.step.unitName ? ` – ${m.step.unitName}${m.step.unitCode ? ` (${m.step.unitCode})` : ''}` : ''}`
      : 'không còn (hồ sơ đã kết thúc)';
    const lines = [
      m.recipientName ? `Kính gửi: ${m.recipientName},` : 'Kính gửi: Quý cơ quan, đơn vị,',
      '',
      `Hệ thống theo dõi thời hạn giải quyết thủ tục hành chính thông báo: hồ sơ ${m.dossierCode} ${situation(m)}.`,
      '',
      `- Mã hồ sơ: ${m.dossierCode}`,
      `- Thủ tục: ${procedure}`,
      `- ${deadlineLabel}: ${formatVnInstant(m.deadlineAt)} (giờ Việt Nam, GMT+07:00)`,
      ...(m.comment
        ? [
            `- Ý kiến chỉ đạo: “${m.comment.text}”`,
            ...(m.comment.authorName ? [`- Người cho ý kiến: ${m.comment.authorName}`] : []),
          ]
        : []),
      `- Bước hiện tại: ${step}`,
      `- Đơn vị phụ trách: ${m.unit.name} (${m.unit.code})`,
      ...(m.statusLabel ? [`- Trạng thái: ${m.statusLabel}`] : []),
      '',
      request(m.kind),
      '',
      'Đây là thư tự động của hệ thống, vui lòng không trả lời thư này.',
    ];
    return lines.join('\n');
  },
} as const;
