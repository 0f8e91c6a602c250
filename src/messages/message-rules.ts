/**
 * Pure rules of messages to citizens: phone numbers, quiet hours, SMS text and segments, masking.
 * No Nest or TypeORM here; time comes in as an argument.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const HOUR_MS = 3_600_000;
const VN_OFFSET_MS = 7 * HOUR_MS;

/**
 * A Vietnamese mobile number in the form the providers take (84xxxxxxxxx), or null when `raw` is
 * not one. Accepts 0xx…, +84…, 84… with spaces, dots or dashes. libphonenumber-js's full metadata
 * knows which prefixes are mobile (03x, 05x, 07x, 08x, 09x after the 2018 renumbering).
 */
export function normaliseVnMobile(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  let s = raw.replace(/[\s.\-()]/g, '');
  if (/^84\d{9}$/.test(s)) s = `+${s}`;
  if (!/^(\+84|0)\d{9}$/.test(s)) return null;
  const parsed = parsePhoneNumberFromString(s, 'VN');
  if (!parsed || parsed.country !== 'VN' || !parsed.isValid() || parsed.getType() !== 'MOBILE') return null;
  return `84${parsed.nationalNumber}`;
}

/** `0912…678`: the first four and the last three digits of the national form (0xxxxxxxxx). */
export function maskPhone(normalised: string): string {
  const national = normalised.startsWith('84') ? `0${normalised.slice(2)}` : normalised;
  return `${national.slice(0, 4)}…${national.slice(-3)}`;
}

/** `ng…@example.vn`: an e-mail address shows its first two letters and its domain. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  return at <= 0 ? '…' : `${address.slice(0, Math.min(2, at))}…${address.slice(at)}`;
}

export const QUIET_FROM_HOUR = 21;
export const QUIET_UNTIL_HOUR = 7;

/**
 * When a message created at `now` may go out: null (at once) between 07:00 and 21:00 local time,
 * else the next 07:00 local (Asia/Ho_Chi_Minh, UTC+7, no daylight saving).
 */
export function quietHoursRelease(now: Date): Date | null {
  const local = now.getTime() + VN_OFFSET_MS;
  const hour = Math.floor((local % (24 * HOUR_MS)) / HOUR_MS);
  if (hour >= QUIET_UNTIL_HOUR && hour < QUIET_FROM_HOUR) return null;
  return nextMorning(now, hour >= QUIET_FROM_HOUR);
}

/** 07:00 local of the day of `now` (or of the next day). */
function nextMorning(now: Date, tomorrow: boolean): Date {
  const localMidnight = Math.floor((now.getTime() + VN_OFFSET_MS) / (24 * HOUR_MS)) * 24 * HOUR_MS;
  return new Date(localMidnight - VN_OFFSET_MS + (tomorrow ? 24 : 0) * HOUR_MS + QUIET_UNTIL_HOUR * HOUR_MS);
}

/** Local midnight starting the day of `now` (the daily cap counts from there). */
export function localDayStart(now: Date): Date {
  const localMidnight = Math.floor((now.getTime() + VN_OFFSET_MS) / (24 * HOUR_MS)) * 24 * HOUR_MS;
  return new Date(localMidnight - VN_OFFSET_MS);
}

/** 07:00 local on the day after `now`: where a message over the daily cap waits. */
export function nextDayMorning(now: Date): Date {
  return nextMorning(now, true);
}

/** Vietnamese without diacritics (đ/Đ → d/D), the default SMS text: GSM-7, 160 characters a segment. */
export function stripDiacritics(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFC');
}

/**
 * Text for a GSM-7 SMS: without diacritics, typographic punctuation made plain (– — → -, … → ...,
 * curly quotes → straight), and anything else outside the GSM 03.38 alphabet replaced by `?`, so a
 * single character never turns the whole message into UCS-2 (70 characters a segment).
 */
export function toGsm7(text: string): string {
  const plain = stripDiacritics(text)
    .replace(/[–—−]/g, '-')
    .replace(/…/g, '...')
    .replace(/[‘’‚]/g, "'")
    .replace(/[“”„]/g, '"')
    .replace(/\u00a0/g, ' ');
  let out = '';
  for (const ch of plain) out += GSM7.includes(ch) || GSM7_EXT.includes(ch) ? ch : '?';
  return out;
}

// The GSM 03.38 basic set, and the extension set whose characters take two septets.
const GSM7 =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXT = '^{}\\[~]|€';

/** How many SMS segments `text` takes: GSM-7 160 (153 when split), otherwise UCS-2 70 (67 when split). */
export function smsSegments(text: string): { encoding: 'gsm7' | 'ucs2'; units: number; segments: number } {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM7.includes(ch)) septets += 1;
    else if (GSM7_EXT.includes(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) return { encoding: 'gsm7', units: septets, segments: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  // UCS-2 counts UTF-16 code units (a character outside the BMP takes two).
  const units = text.length;
  return { encoding: 'ucs2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) };
}
