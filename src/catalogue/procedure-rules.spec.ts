import { foldForSearch, limitHours, stepHoursExcess } from './procedure-rules';

describe('procedure rules', () => {
  it('converts the statutory limit to working hours: 8 h per working day, 8 h per calendar day as an upper bound', () => {
    expect(limitHours({ amount: 5, unit: 'working_hours' })).toBe(5);
    expect(limitHours({ amount: 15, unit: 'working_days' })).toBe(120);
    expect(limitHours({ amount: 3, unit: 'calendar_days' })).toBe(24);
  });

  it('accepts allotted step hours that add up to exactly the limit and refuses one minute more', () => {
    const limit = { amount: 1, unit: 'working_days' } as const;
    expect(
      stepHoursExcess([{ workingHours: 2 }, { workingHours: 3 }, { workingHours: 2 }, { workingHours: 1 }], limit),
    ).toBeNull();
    expect(stepHoursExcess([{ workingHours: 7 }, { workingHours: 1.02 }], limit)).toEqual({
      stepHours: 8 + 1 / 60,
      limitHours: 8,
    });
  });

  it('is not tipped over by floating-point sums', () => {
    expect(
      stepHoursExcess([{ workingHours: 0.1 }, { workingHours: 0.2 }], { amount: 0.3, unit: 'working_hours' }),
    ).toBeNull();
  });

  it('folds Vietnamese text for diacritic-insensitive search, đ included', () => {
    expect(foldForSearch('Cấp  Giấy phép XÂY DỰNG')).toBe('cap giay phep xay dung');
    expect(foldForSearch('Đăng ký hộ tịch')).toBe('dang ky ho tich');
  });
});
