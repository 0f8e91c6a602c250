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
  statutoryHolidayNotWorking: (date: string) =>
    `Ngày ${date} là ngày nghỉ lễ, Tết theo Bộ luật Lao động: không thể là ngày làm bù.`,
  yearOutOfRange: (from: number, to: number) => `Năm phải là số nguyên trong khoảng ${from}–${to}.`,
  yearNotGenerated: (year: number, first: number | null, last: number | null) =>
    first === null
      ? `Năm ${year} chưa có lịch để xác nhận.`
      : `Năm ${year} nằm ngoài các năm đã lập lịch (${first}–${last}): chưa thể xác nhận.`,
  sourceRequired: 'Phải ghi số văn bản quyết định lịch nghỉ (source).',
  horizonNextYear: (year: number) =>
    `Lịch nghỉ lễ năm ${year} vẫn là lịch dự kiến (tính theo Bộ luật Lao động): đề nghị xác nhận theo văn bản của Chính phủ.`,
  horizonSoon: (until: string, days: number) =>
    `Lịch làm việc đã xác nhận chỉ đến hết ngày ${until.split('-').reverse().join('/')} (còn ${days} ngày): đề nghị xác nhận lịch năm tiếp theo.`,
  horizonNone: 'Chưa có năm nào của lịch làm việc được xác nhận chính thức từ năm nay.',
  seedMissing: (path: string) => `Calendar seed file not found (looked for ${path}).`,
} as const;
