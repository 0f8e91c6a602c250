// Everything a person reads from the webhook endpoints, in one place (Vietnamese; an English locale
// can be added beside it).
export const WEBHOOK_MESSAGES = {
  notFound: 'Webhook',
  url: 'Địa chỉ webhook phải là một URL http:// hoặc https:// đầy đủ, tối đa 2000 ký tự.',
  secret: 'Khóa bí mật (secret) dùng để ký nội dung phải dài từ 16 đến 200 ký tự.',
  kindsEmpty: 'Phải chọn ít nhất một loại cảnh báo.',
  kindsUnique: 'Mỗi loại cảnh báo chỉ được chọn một lần.',
  kindsAllowed:
    'Loại cảnh báo chỉ gồm: due_soon (sắp đến hạn), overdue (quá hạn), stalled (chậm ở bước), escalated (quá hạn kéo dài), supplement_expired (hết hạn bổ sung), directive_comment (ý kiến chỉ đạo).',
  status: 'Trạng thái gửi chỉ gồm: pending (đang chờ gửi), sent (đã gửi), failed (gửi thất bại).',
} as const;
