// Everything a person reads from the calendar module, in one place (Vietnamese; an English
// locale can be added beside it).
export const CALENDAR_MESSAGES = {
  invalid: 'Dữ liệu không hợp lệ.',
  dayNotFound: (date: string) => `Ngày ${date} không có trong danh sách ngày nghỉ, ngày làm bù.`,
  dateFormat: 'Ngày phải có dạng YYYY-MM-DD và là ngày có thật.',
  dateOutOfRange: (from: number, to: number) => `Ngày phải nằm trong khoảng năm ${from}–${to}.`,
  rangeOrder: 'Ngày bắt đầu (from) không được sau ngày kết thúc (to).',
  rangeTooLong: (years: number) => `Khoảng thời gian tra cứu không được dài quá ${years} năm.`,
  clockFormat: 'Giờ phải có dạng HH:MM (00:00–23:59; giờ kết thúc có thể là 24:00).',
  periodShape: 'Mỗi khoảng giờ làm việc là một cặp ["HH:MM", "HH:MM"].',
  periodOrder: 'Giờ kết thúc phải sau giờ bắt đầu.',
  periodsOverlap: 'Các khoảng giờ làm việc phải theo thứ tự thời gian và không chồng lấn nhau.',
  periodsEmpty: 'Phải có ít nhất một khoảng giờ làm việc.',
  weekdays: 'Ngày làm việc trong tuần là các số 1 (thứ Hai) đến 7 (Chủ nhật), không trùng lặp, ít nhất một ngày.',
  outsideCalendar: (from: number, to: number) =>
    `Thời điểm hoặc thời hạn nằm ngoài phạm vi lịch làm việc (năm ${from}–${to}).`,
  seedMissing: (path: string) => `Calendar seed file not found (looked for ${path}).`,
} as const;
