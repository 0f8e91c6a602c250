import { DomainError } from 'src/common/domain-error';
import { citizenIdProblem, explainError, matchProcedure } from 'src/console/forms';

const OPTIONS = [
  { code: '1.004227', name: 'Cấp giấy phép xây dựng' },
  { code: '1.004228', name: 'Điều chỉnh giấy phép xây dựng' },
  { code: '2.000123', name: 'Cấp bản sao văn bằng' },
];

describe('the console forms', () => {
  it('finds a procedure by code, by the list entry, or by part of its name with or without accents', () => {
    expect(matchProcedure('1.004227', OPTIONS).match?.code).toBe('1.004227');
    expect(matchProcedure('1.004227 — Cấp giấy phép xây dựng', OPTIONS).match?.code).toBe('1.004227');
    expect(matchProcedure('cap giay phep xay dung', OPTIONS).match?.code).toBe('1.004227');
    expect(matchProcedure('bản sao', OPTIONS).match?.code).toBe('2.000123');
    expect(matchProcedure('DIEU CHINH', OPTIONS).match?.code).toBe('1.004228');
    const both = matchProcedure('giấy phép xây dựng', OPTIONS);
    expect(both.match).toBeNull();
    expect(both.candidates.map((c) => c.code)).toEqual(['1.004227', '1.004228']);
    expect(matchProcedure('hộ chiếu', OPTIONS)).toEqual({ match: null, candidates: [] });
  });

  it('accepts a CCCD of 12 digits or a CMND of 9 for a citizen only', () => {
    expect(citizenIdProblem('citizen', '079190001234')).toBeNull();
    expect(citizenIdProblem('citizen', '123456789')).toBeNull();
    expect(citizenIdProblem('citizen', '12345')).toContain('12 chữ số');
    expect(citizenIdProblem('business', '0312345678')).toBeNull();
    expect(citizenIdProblem('citizen', '')).toBeNull();
  });

  it('explains validation errors in Vietnamese with the field labels', () => {
    const err = new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
      { field: 'applicant.phone', rule: 'matches', message: 'phone: 6-20 digits' },
      {
        field: 'applicant.fullName',
        rule: 'maxLength',
        message: 'fullName must be shorter than or equal to 200 characters',
      },
    ]);
    expect(explainError(err)).toBe(
      'Điện thoại: phải gồm 6–20 chữ số (có thể có dấu cách, dấu chấm hoặc gạch ngang); Họ và tên người nộp: tối đa 200 ký tự.',
    );
    const blank = new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
      { field: 'reason', rule: 'matches', message: 'reason must not be blank' },
      { field: 'reason', rule: 'isNotEmpty', message: 'reason should not be empty' },
    ]);
    expect(explainError(blank)).toBe('Lý do: không được để trống.');
    expect(explainError(new DomainError('NOT_FOUND', 'dossier not found'))).toBe('Yêu cầu không hợp lệ.');
    expect(explainError(new DomainError('RULE_VIOLATION', 'Đã quá hạn giải quyết.'))).toBe('Đã quá hạn giải quyết.');
  });
});
