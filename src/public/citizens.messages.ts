// Everything a person reads from the citizen module (public lookup, rating, feedback, the staff
// lists), in one place (Vietnamese; an English locale can be added beside it).

export const CITIZEN_MESSAGES = {
  /** One answer for an unknown code, a malformed one and a wrong lookup key (nothing to probe). */
  dossierNotFound: 'Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu đã nhập.',
  tooManyRequests: 'Quá nhiều yêu cầu tra cứu từ địa chỉ này; vui lòng thử lại sau.',
  notEnded: 'Hồ sơ chưa có kết quả giải quyết; chỉ đánh giá được sau khi hồ sơ đã kết thúc.',
  alreadyRated: 'Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.',
  feedbackNotFound: 'Phản ánh, kiến nghị không tồn tại.',
  alreadyAnswered: 'Phản ánh, kiến nghị này đã được trả lời.',
  answerForbidden: 'Chỉ lãnh đạo hoặc chuyên viên của đơn vị được giao mới được trả lời phản ánh, kiến nghị này.',
  invalid: 'Dữ liệu không hợp lệ.',
  outsideCalendar: 'Thời điểm nằm ngoài phạm vi lịch làm việc.',

  /** The nine criteria of the citizen rating (docs/domain.md "Citizen rating"), in order. */
  criteria: {
    total_time: 'Tổng thời gian giải quyết hồ sơ so với thời gian quy định',
    unit_time: 'Thời gian giải quyết tại từng cơ quan, đơn vị tham gia giải quyết',
    contacts: 'Số lần phải liên hệ để hoàn thiện hồ sơ',
    agencies: 'Số cơ quan, đơn vị, tổ chức phải liên hệ',
    one_stop_counter: 'Việc tiếp nhận, trả kết quả tại Bộ phận Một cửa',
    publication: 'Việc công khai thủ tục hành chính',
    staff_attitude: 'Thái độ của cán bộ, công chức, viên chức khi hướng dẫn, tiếp nhận, giải quyết hồ sơ',
    feedback_handling: 'Việc tiếp nhận, xử lý phản ánh, kiến nghị',
    online_service: 'Tiến độ và chất lượng cung cấp dịch vụ công trực tuyến',
  },
  feedbackKinds: {
    regulation: 'Phản ánh, kiến nghị về quy định hành chính',
    conduct: 'Phản ánh về hành vi, thái độ xử lý của cán bộ, công chức, viên chức',
    other: 'Phản ánh, kiến nghị khác',
  },
} as const;
