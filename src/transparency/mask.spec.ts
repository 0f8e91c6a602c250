import { maskName } from './mask';

describe('maskName', () => {
  it('keeps the family name and turns the rest into initials', () => {
    expect(maskName('Nguyễn Văn An')).toBe('Nguyễn V. A.');
    expect(maskName('  Lê   thị  Ánh  Hồng ')).toBe('Lê T. Á. H.');
    expect(maskName('Đặng')).toBe('Đặng');
    expect(maskName('')).toBe('');
  });
});
