// The Vietnamese lunisolar calendar (âm lịch), computed by the standard astronomical algorithm
// (Hồ Ngọc Đức's, after Jean Meeus, "Astronomical Algorithms"):
//   - a lunar month begins on the local day of a new moon (new moon number k, Meeus ch. 49, short series);
//   - month 11 is the month containing the winter solstice (sun longitude 270°);
//   - in a year with 13 months between two months 11, the leap month is the first month after month 11
//     that contains no major solar term (trung khí: sun longitude a multiple of 30°);
//   - "local day" is the civil day at the given meridian: UTC+7 for Vietnam. The Chinese calendar uses
//     UTC+8 and differs in some years (Tết 1985 and 2007).
// Pure arithmetic on Julian day numbers: no Date object, so the answers do not depend on the process time
// zone.

export interface LunarDate {
  year: number;
  month: number;
  day: number;
  leap: boolean;
}

const PI = Math.PI;
const DR = PI / 180;
/** Mean synodic month, days. */
const SYNODIC_MONTH = 29.530588853;
/** Julian date of the new moon k = 0 (1900-01-01 13:52 UT) used to number new moons. */
const NEW_MOON_EPOCH = 2415021.076998695;

/** Julian day number of a Gregorian (or, before 1582-10-15, Julian) calendar date. */
function jdFromDate(dd: number, mm: number, yy: number): number {
  const a = Math.floor((14 - mm) / 12);
  const y = yy + 4800 - a;
  const m = mm + 12 * a - 3;
  let jd = dd + Math.floor((153 * m + 2) / 5) + 365 * y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400);
  jd -= 32045;
  if (jd < 2299161) {
    jd = dd + Math.floor((153 * m + 2) / 5) + 365 * y + Math.floor(y / 4) - 32083;
  }
  return jd;
}

/** Calendar date of a Julian day number, as [day, month, year]. */
function jdToDate(jd: number): [number, number, number] {
  let b: number;
  let c: number;
  if (jd > 2299160) {
    const a = jd + 32044;
    b = Math.floor((4 * a + 3) / 146097);
    c = a - Math.floor((b * 146097) / 4);
  } else {
    b = 0;
    c = jd + 32082;
  }
  const d = Math.floor((4 * c + 3) / 1461);
  const e = c - Math.floor((1461 * d) / 4);
  const m = Math.floor((5 * e + 2) / 153);
  const day = e - Math.floor((153 * m + 2) / 5) + 1;
  const month = m + 3 - 12 * Math.floor(m / 10);
  const year = b * 100 + d - 4800 + Math.floor(m / 10);
  return [day, month, year];
}

/** Julian date (UT) of the k-th new moon after 1900-01-01 (Meeus, with the ΔT correction). */
function newMoon(k: number): number {
  const T = k / 1236.85;
  const T2 = T * T;
  const T3 = T2 * T;
  let jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * T2 - 0.000000155 * T3;
  jd1 += 0.00033 * Math.sin((166.56 + 132.87 * T - 0.009173 * T2) * DR);
  const M = 359.2242 + 29.10535608 * k - 0.0000333 * T2 - 0.00000347 * T3; // sun's mean anomaly
  const Mpr = 306.0253 + 385.81691806 * k + 0.0107306 * T2 + 0.00001236 * T3; // moon's mean anomaly
  const F = 21.2964 + 390.67050646 * k - 0.0016528 * T2 - 0.00000239 * T3; // moon's argument of latitude
  let c1 = (0.1734 - 0.000393 * T) * Math.sin(M * DR) + 0.0021 * Math.sin(2 * DR * M);
  c1 = c1 - 0.4068 * Math.sin(Mpr * DR) + 0.0161 * Math.sin(DR * 2 * Mpr);
  c1 = c1 - 0.0004 * Math.sin(DR * 3 * Mpr);
  c1 = c1 + 0.0104 * Math.sin(DR * 2 * F) - 0.0051 * Math.sin(DR * (M + Mpr));
  c1 = c1 - 0.0074 * Math.sin(DR * (M - Mpr)) + 0.0004 * Math.sin(DR * (2 * F + M));
  c1 = c1 - 0.0004 * Math.sin(DR * (2 * F - M)) - 0.0006 * Math.sin(DR * (2 * F + Mpr));
  c1 = c1 + 0.001 * Math.sin(DR * (2 * F - Mpr)) + 0.0005 * Math.sin(DR * (2 * Mpr + M));
  const deltaT =
    T < -11
      ? 0.001 + 0.000839 * T + 0.0002261 * T2 - 0.00000845 * T3 - 0.000000081 * T * T3
      : -0.000278 + 0.000265 * T + 0.000262 * T2;
  return jd1 + c1 - deltaT;
}

/** The sun's apparent longitude, radians in [0, 2π), at Julian date jdn (UT) (Meeus ch. 25, low accuracy). */
function sunLongitude(jdn: number): number {
  const T = (jdn - 2451545.0) / 36525;
  const T2 = T * T;
  const M = 357.5291 + 35999.0503 * T - 0.0001559 * T2 - 0.00000048 * T * T2; // mean anomaly, degrees
  const L0 = 280.46645 + 36000.76983 * T + 0.0003032 * T2; // mean longitude, degrees
  let DL = (1.9146 - 0.004817 * T - 0.000014 * T2) * Math.sin(DR * M);
  DL += (0.019993 - 0.000101 * T) * Math.sin(DR * 2 * M) + 0.00029 * Math.sin(DR * 3 * M);
  let L = (L0 + DL) * DR;
  L -= PI * 2 * Math.floor(L / (PI * 2));
  return L;
}

/** Local day number (Julian day number at the given meridian) on which the k-th new moon falls. */
function newMoonDay(k: number, tz: number): number {
  return Math.floor(newMoon(k) + 0.5 + tz / 24);
}

/** Index 0..11 of the 30° sector the sun is in at the start of local day `dayNumber` (0 = from 0° to 30°). */
function sunSector(dayNumber: number, tz: number): number {
  return Math.floor((sunLongitude(dayNumber - 0.5 - tz / 24) / PI) * 6);
}

/** Local day number on which lunar month 11 (the month containing the winter solstice) of year `yy` begins. */
function lunarMonth11(yy: number, tz: number): number {
  const off = jdFromDate(31, 12, yy) - 2415021;
  const k = Math.floor(off / SYNODIC_MONTH);
  const nm = newMoonDay(k, tz);
  // The new moon before 31/12 is month 11 unless it already began after the solstice (sun past 270°).
  return sunSector(nm, tz) >= 9 ? newMoonDay(k - 1, tz) : nm;
}

/** In a 13-month year starting at month 11 on day a11: the offset (in months after a11) of the leap month. */
function leapMonthOffset(a11: number, tz: number): number {
  const k = Math.floor((a11 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5);
  let i = 1;
  let arc = sunSector(newMoonDay(k + i, tz), tz);
  let last: number;
  do {
    last = arc;
    i++;
    arc = sunSector(newMoonDay(k + i, tz), tz);
  } while (arc !== last && i < 14);
  return i - 1;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatDate([d, m, y]: [number, number, number]): string {
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

function checkOffset(utcOffsetHours: number): void {
  if (!Number.isFinite(utcOffsetHours) || utcOffsetHours < -12 || utcOffsetHours > 14) {
    throw new RangeError(`utcOffsetHours must be between -12 and 14, got ${utcOffsetHours}`);
  }
}

/** The lunar date of a Gregorian date "YYYY-MM-DD" at the meridian UTC+utcOffsetHours (Vietnam: 7). */
export function solarToLunar(date: string, utcOffsetHours = 7): LunarDate {
  checkOffset(utcOffsetHours);
  const match = ISO_DATE.exec(date);
  if (!match) throw new RangeError(`Not a date in the form YYYY-MM-DD: ${JSON.stringify(date)}`);
  const yy = Number(match[1]);
  const mm = Number(match[2]);
  const dd = Number(match[3]);
  const dayNumber = jdFromDate(dd, mm, yy);
  if (mm < 1 || mm > 12 || dd < 1 || formatDate(jdToDate(dayNumber)) !== date) {
    throw new RangeError(`Not a calendar date: ${date}`);
  }
  const tz = utcOffsetHours;
  // The mean synodic month gives the new moon number to within one; the true new moon can be ~14 hours off
  // the mean one, so step to the last new moon day not after dayNumber (the plain estimate fails e.g. on
  // 2054-05-07, where it would give day 0).
  let k = Math.floor((dayNumber - NEW_MOON_EPOCH) / SYNODIC_MONTH);
  while (newMoonDay(k, tz) > dayNumber) k--;
  while (newMoonDay(k + 1, tz) <= dayNumber) k++;
  const monthStart = newMoonDay(k, tz);
  let a11 = lunarMonth11(yy, tz);
  let b11 = a11;
  let lunarYear: number;
  if (a11 >= monthStart) {
    lunarYear = yy;
    a11 = lunarMonth11(yy - 1, tz);
  } else {
    lunarYear = yy + 1;
    b11 = lunarMonth11(yy + 1, tz);
  }
  const day = dayNumber - monthStart + 1;
  const diff = Math.floor((monthStart - a11) / 29);
  let leap = false;
  let month = diff + 11;
  if (b11 - a11 > 365) {
    const leapDiff = leapMonthOffset(a11, tz);
    if (diff >= leapDiff) {
      month = diff + 10;
      leap = diff === leapDiff;
    }
  }
  if (month > 12) month -= 12;
  if (month >= 11 && diff < 4) lunarYear -= 1;
  return { year: lunarYear, month, day, leap };
}

/**
 * The Gregorian date "YYYY-MM-DD" of a lunar date at the meridian UTC+utcOffsetHours (Vietnam: 7);
 * null when the date does not exist: a leap month that year does not have, or day 30 of a 29-day month.
 */
export function lunarToSolar(l: LunarDate, utcOffsetHours = 7): string | null {
  checkOffset(utcOffsetHours);
  const { year, month, day, leap } = l;
  if (!Number.isInteger(year) || !Number.isInteger(month) || month < 1 || month > 12) {
    throw new RangeError(`Not a lunar month: ${JSON.stringify(l)}`);
  }
  if (!Number.isInteger(day) || day < 1 || day > 30) throw new RangeError(`Not a lunar day: ${JSON.stringify(l)}`);
  const tz = utcOffsetHours;
  let a11: number;
  let b11: number;
  if (month < 11) {
    a11 = lunarMonth11(year - 1, tz);
    b11 = lunarMonth11(year, tz);
  } else {
    a11 = lunarMonth11(year, tz);
    b11 = lunarMonth11(year + 1, tz);
  }
  const k = Math.floor(0.5 + (a11 - NEW_MOON_EPOCH) / SYNODIC_MONTH);
  let off = month - 11;
  if (off < 0) off += 12;
  if (b11 - a11 > 365) {
    const leapOff = leapMonthOffset(a11, tz);
    let leapMonth = leapOff - 2;
    if (leapMonth < 0) leapMonth += 12;
    if (leap && month !== leapMonth) return null;
    if (leap || off >= leapOff) off += 1;
  } else if (leap) {
    return null;
  }
  const monthStart = newMoonDay(k + off, tz);
  if (day === 30 && newMoonDay(k + off + 1, tz) - monthStart < 30) return null;
  return formatDate(jdToDate(monthStart + day - 1));
}

/** Mùng 1 tháng Giêng (lunar New Year's day) of the lunar year that begins in Gregorian `year`, in Vietnam. */
export function tetDate(year: number): string {
  return lunarToSolar({ year, month: 1, day: 1, leap: false }) as string;
}

/** Giỗ Tổ Hùng Vương: 10/3 (the ordinary, not leap, 3rd month) of the lunar year beginning in `year`, in Vietnam. */
export function hungKingsDate(year: number): string {
  return lunarToSolar({ year, month: 3, day: 10, leap: false }) as string;
}
