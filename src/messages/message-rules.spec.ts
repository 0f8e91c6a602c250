import {
  localDayStart,
  maskPhone,
  nextDayMorning,
  normaliseVnMobile,
  quietHoursRelease,
  smsSegments,
  stripDiacritics,
  toGsm7,
} from './message-rules';

const local = (s: string) => new Date(`${s}+07:00`);

describe('Vietnamese mobile numbers', () => {
  it('normalises 0xx…, +84… and 84… (with spaces, dots, dashes) to 84xxxxxxxxx', () => {
    expect(normaliseVnMobile('0912345678')).toBe('84912345678');
    expect(normaliseVnMobile('+84 912 345 678')).toBe('84912345678');
    expect(normaliseVnMobile('84912345678')).toBe('84912345678');
    expect(normaliseVnMobile('0912.345.678')).toBe('84912345678');
    expect(normaliseVnMobile('0386-123-456')).toBe('84386123456');
  });

  it('refuses landlines, retired 11-digit prefixes, foreign numbers and garbage', () => {
    expect(normaliseVnMobile('02838123456')).toBeNull(); // Hồ Chí Minh City landline
    expect(normaliseVnMobile('01234567890')).toBeNull(); // pre-2018 11-digit mobile
    expect(normaliseVnMobile('0112345678')).toBeNull();
    expect(normaliseVnMobile('+14155550123')).toBeNull();
    expect(normaliseVnMobile('091234567')).toBeNull();
    expect(normaliseVnMobile('abc')).toBeNull();
    expect(normaliseVnMobile(undefined)).toBeNull();
  });

  it('masks to the first four and last three digits of the national form', () => {
    expect(maskPhone('84912345678')).toBe('0912…678');
  });
});

describe('quiet hours (21:00–07:00 local)', () => {
  it('sends at once during the day', () => {
    expect(quietHoursRelease(local('2026-03-10T07:00:00'))).toBeNull();
    expect(quietHoursRelease(local('2026-03-10T20:59:59'))).toBeNull();
  });

  it('holds an evening message until 07:00 the next morning', () => {
    expect(quietHoursRelease(local('2026-03-10T21:00:00'))).toEqual(local('2026-03-11T07:00:00'));
    expect(quietHoursRelease(local('2026-03-10T23:59:00'))).toEqual(local('2026-03-11T07:00:00'));
  });

  it('holds a night message until 07:00 the same morning, across a month end', () => {
    expect(quietHoursRelease(local('2026-04-01T00:10:00'))).toEqual(local('2026-04-01T07:00:00'));
    expect(quietHoursRelease(local('2026-03-31T06:59:00'))).toEqual(local('2026-03-31T07:00:00'));
  });

  it('counts the daily cap from local midnight and postpones to the next morning', () => {
    expect(localDayStart(local('2026-03-10T00:30:00'))).toEqual(local('2026-03-10T00:00:00'));
    expect(nextDayMorning(local('2026-03-10T15:00:00'))).toEqual(local('2026-03-11T07:00:00'));
  });
});

describe('SMS text and segments', () => {
  it('writes Vietnamese without diacritics, đ included', () => {
    expect(stripDiacritics('Hồ sơ đã được tiếp nhận. Đề nghị ông/bà')).toBe('Ho so da duoc tiep nhan. De nghi ong/ba');
  });

  it('keeps GSM-7 text GSM-7: dashes, ellipses and quotes made plain, anything else a question mark', () => {
    expect(toGsm7('Giờ làm việc 07:30–11:30 … “Một cửa” 😀')).toBe('Gio lam viec 07:30-11:30 ... "Mot cua" ?');
    expect(smsSegments(toGsm7('Đã có kết quả – mời đến nhận')).encoding).toBe('gsm7');
  });

  it('counts 160 GSM-7 characters a segment, 153 each once split', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161)).segments).toBe(2);
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
    // Extension characters take two septets.
    expect(smsSegments('[' + 'a'.repeat(159)).segments).toBe(2);
  });

  it('counts 70 UCS-2 characters a segment with diacritics, 67 each once split', () => {
    expect(smsSegments('ồ'.repeat(70))).toEqual({ encoding: 'ucs2', units: 70, segments: 1 });
    expect(smsSegments('ồ'.repeat(71)).segments).toBe(2);
    expect(smsSegments('ồ'.repeat(135)).segments).toBe(3);
  });
});
