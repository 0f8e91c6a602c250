/** Display formats of the console (Vietnamese conventions, Asia/Ho_Chi_Minh). */
const TZ = 'Asia/Ho_Chi_Minh';
const DATE_TIME = new Intl.DateTimeFormat('vi-VN', {
  timeZone: TZ,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const NUMBER = new Intl.NumberFormat('vi-VN');

export function dateTime(iso: string | null | undefined): string {
  return iso ? DATE_TIME.format(new Date(iso)) : '—';
}

export function num(n: number): string {
  return NUMBER.format(n);
}

export function percent(r: number | null): string {
  return r === null ? '—' : `${(r * 100).toFixed(1).replace('.', ',')}%`;
}

/** Working minutes as "2 ngày 3 giờ 15 phút" (a working day is 8 hours). */
export function workingTime(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  const days = Math.floor(m / 480);
  const hours = Math.floor((m % 480) / 60);
  const mins = m % 60;
  const parts = [];
  if (days) parts.push(`${days} ngày`);
  if (hours) parts.push(`${hours} giờ`);
  if (mins || parts.length === 0) parts.push(`${mins} phút`);
  return parts.join(' ');
}

/** What the time-left text needs of a dossier (fields of the API representation). */
export interface TimeLeftOf {
  endedAt: string | null;
  dueAt: string | null;
  timeliness: string | null;
  remainingWorkingMinutes: number;
}

/**
 * The time a clerk reads for an open dossier, in working time as its deadline is counted:
 * "còn 1 ngày 2 giờ", or "quá hạn 2 ngày 3 giờ" given the working minutes past the due instant
 * (DossiersService.overdueWorkingMinutes), prefixed "tạm dừng ·" while the clock is paused (both
 * then stand still). Less than a working minute reads "dưới 1 phút", never "0 phút". Empty for an
 * ended dossier.
 */
export function timeLeft(d: TimeLeftOf, overdueMinutes: number | undefined): string {
  if (d.endedAt !== null) return '';
  const amount = (minutes: number) => (minutes < 1 ? 'dưới 1 phút' : workingTime(minutes));
  const text =
    d.timeliness === 'overdue' ? `quá hạn ${amount(overdueMinutes ?? 0)}` : `còn ${amount(d.remainingWorkingMinutes)}`;
  return d.dueAt === null ? `tạm dừng · ${text}` : text;
}

export const ACTION_LABELS: Record<string, string> = {
  intake: 'Tiếp nhận',
  forward: 'Chuyển bước xử lý',
  request_supplement: 'Yêu cầu bổ sung hồ sơ',
  receive_supplement: 'Nhận hồ sơ bổ sung',
  request_payment: 'Yêu cầu thực hiện nghĩa vụ tài chính',
  confirm_payment: 'Xác nhận đã nộp',
  extend: 'Xin lỗi và gia hạn',
  resolve: 'Có kết quả giải quyết',
  return: 'Trả kết quả',
  reject: 'Từ chối giải quyết',
  stop: 'Dừng giải quyết',
  withdraw: 'Công dân rút hồ sơ',
  close: 'Đóng hồ sơ',
  comment: 'Ý kiến chỉ đạo',
  reassign: 'Giao lại cán bộ xử lý',
  recall: 'Thu hồi về bước trước',
  correct_deadline: 'Đính chính thời hạn',
};

export const ALERT_LABELS: Record<string, string> = {
  due_soon: 'Sắp đến hạn',
  overdue: 'Quá hạn',
  stalled: 'Chậm ở bước xử lý',
  escalated: 'Quá hạn kéo dài (báo Ban chỉ đạo)',
  feedback_overdue: 'Phản ánh quá hạn xử lý',
  calendar_horizon: 'Lịch làm việc chưa được xác nhận',
  supplement_expired: 'Quá hạn bổ sung hồ sơ (có thể đóng hồ sơ)',
  directive_comment: 'Ý kiến chỉ đạo',
  portal_sync_failing: 'Nhiều hồ sơ đồng bộ lỗi lên Cổng DVC quốc gia',
};

export const CLOCK_START_REASONS: Record<string, string> = {
  in_hours: 'tiếp nhận trong giờ làm việc, tính ngay',
  after_hours: 'tiếp nhận ngoài giờ làm việc, tính từ đầu giờ làm việc kế tiếp',
  lunch_break: 'tiếp nhận trong giờ nghỉ trưa, tính từ đầu giờ làm việc buổi chiều',
  non_working_day: 'tiếp nhận vào ngày nghỉ, tính từ đầu ngày làm việc kế tiếp',
  intake_cutoff: 'tiếp nhận sau giờ chốt nhận hồ sơ trong ngày, tính từ ngày làm việc kế tiếp',
};

export const LIMIT_UNITS: Record<string, string> = {
  working_days: 'ngày làm việc',
  working_hours: 'giờ làm việc',
  calendar_days: 'ngày',
};

export const PAUSE_REASONS: Record<string, string> = {
  awaiting_supplement: 'chờ bổ sung hồ sơ',
  awaiting_payment: 'chờ thực hiện nghĩa vụ tài chính',
};

export const CALENDAR_DAY_SNAPS: Record<string, string> = {
  none: 'thời điểm tròn ngày nằm trong giờ làm việc',
  end_of_working_day: 'thời điểm tròn ngày ngoài giờ làm việc: hạn là cuối giờ làm việc ngày đó',
  end_of_next_working_day: 'thời điểm tròn ngày rơi vào ngày nghỉ: hạn là cuối giờ làm việc ngày làm việc kế tiếp',
  after_resumption: 'sau khi tiếp tục xử lý, hạn không sớm hơn thời điểm tiếp tục cộng thời gian còn lại',
};

/** "90" → "1 giờ 30 phút" (working minutes of one run). */
export function minutesText(minutes: number): string {
  const m = Math.round(minutes);
  const h = Math.floor(m / 60);
  const r = m % 60;
  return [h ? `${h} giờ` : '', r || !h ? `${r} phút` : ''].filter(Boolean).join(' ');
}

export const ROLE_LABELS: Record<string, string> = {
  admin: 'Quản trị hệ thống',
  reform_board: 'Ban chỉ đạo cải cách hành chính',
  unit_head: 'Lãnh đạo đơn vị',
  officer: 'Chuyên viên',
  counter_staff: 'Bộ phận Một cửa',
};
