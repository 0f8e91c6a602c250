// Everything a person reads from the catalogue module, in one place (Vietnamese; an English
// locale can be added beside it).
export const CATALOGUE_MESSAGES = {
  invalid: 'Dữ liệu không hợp lệ.',
  unitNotFound: 'Đơn vị',
  procedureNotFound: 'Thủ tục',
  procedureVersionNotFound: (version: number) => `Phiên bản ${version} của thủ tục`,
  unitCodeFormat:
    'Mã đơn vị gồm 1–40 ký tự: chữ cái không dấu, chữ số, dấu chấm, gạch dưới, gạch ngang (ví dụ H15.50, H15.50.01).',
  procedureCodeFormat:
    'Mã thủ tục gồm 1–60 ký tự: chữ cái không dấu, chữ số, dấu chấm, gạch dưới, gạch ngang (ví dụ 1.004227).',
  fieldCodeFormat:
    'Mã lĩnh vực gồm 1–50 ký tự: chữ cái không dấu, chữ số, dấu chấm, gạch dưới, gạch ngang (ví dụ G09-XD01).',
  unitExists: (code: string) => `Mã đơn vị ${code} đã tồn tại.`,
  portalCodeFormat: 'Mã định danh trên Cổng DVCQG chỉ gồm chữ, số, dấu chấm, gạch ngang, gạch dưới (tối đa 40 ký tự).',
  portalCodeTaken: (code: string) => `Mã định danh ${code} đã được gán cho một đơn vị khác.`,
  procedureExists: (code: string) => `Mã thủ tục ${code} đã tồn tại.`,
  unitUnknown: (code: string) => `Đơn vị có mã ${code} không tồn tại.`,
  unitInactive: (code: string) => `Đơn vị ${code} đã ngừng hoạt động.`,
  parentCycle: (code: string, parent: string) =>
    `Không thể đặt ${parent} làm đơn vị cấp trên của ${code}: ${parent} là chính đơn vị đó hoặc đơn vị trực thuộc của nó.`,
  headUnknown: 'Người đứng đầu phải là một người dùng đang hoạt động.',
  unitInUse: (code: string, uses: string[]) => `Không thể xóa đơn vị ${code} vì đơn vị đang có ${uses.join(', ')}.`,
  unitInUseGeneric: (code: string) => `Không thể xóa đơn vị ${code} vì đơn vị đang được sử dụng.`,
  usageChildren: 'đơn vị trực thuộc',
  usageUsers: 'người dùng',
  usageProcedures: 'thủ tục hành chính',
  stepHoursExceedLimit: (stepHours: number, limitHours: number) =>
    `Tổng số giờ làm việc phân bổ cho các bước (${stepHours} giờ) vượt quá thời hạn giải quyết theo quy định (${limitHours} giờ).`,
  stepsRequired: 'Quy trình nội bộ phải có ít nhất một bước.',
  stepHours: 'Số giờ làm việc của một bước phải lớn hơn 0, tối đa 2 chữ số thập phân.',
  codeImmutable: 'Không được thay đổi mã thủ tục; hãy tạo thủ tục mới.',
  versionConflict: (expected: number, actual: number) =>
    `Thủ tục đã được cập nhật (phiên bản hiện tại ${actual}, không phải ${expected}); hãy tải lại rồi thử lại.`,
} as const;
