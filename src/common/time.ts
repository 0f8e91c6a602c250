import { DomainError } from 'src/common/domain-error';

/** Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving since 1975). */
export const VN_OFFSET_MINUTES = 420;
const OFFSET_MS = VN_OFFSET_MINUTES * 60_000;

/** ISO-8601 with the +07:00 offset, as every API response gives instants: 2026-02-25T10:00:00+07:00. */
export function toLocalIso(d: Date): string;
export function toLocalIso(d: Date | null | undefined): string | null;
export function toLocalIso(d: Date | null | undefined): string | null {
  if (!d) return null;
  // Built from the shifted instant's fields: toISOString and its slices cost twice as much, and a
  // list of 50 dossiers formats about 400 instants.
  const l = new Date(d.getTime() + OFFSET_MS);
  const year = l.getUTCFullYear();
  if (!(year >= 1000 && year <= 9999)) return isoViaString(l); // also an invalid date: RangeError as before
  const ms = l.getUTCMilliseconds();
  return (
    `${year}-${two(l.getUTCMonth() + 1)}-${two(l.getUTCDate())}T${two(l.getUTCHours())}:${two(l.getUTCMinutes())}:` +
    `${two(l.getUTCSeconds())}${ms === 0 ? '' : ms < 10 ? `.00${ms}` : ms < 100 ? `.0${ms}` : `.${ms}`}+07:00`
  );
}

const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** The shifted instant through toISOString (2026-02-25T03:00:00.000Z), for years outside 1000-9999. */
function isoViaString(local: Date): string {
  const iso = local.toISOString();
  const end = iso.length - 5; // before ".sssZ"
  const ms = iso.slice(end, end + 4) === '.000' ? '' : iso.slice(end, end + 4);
  return `${iso.slice(0, end)}${ms}+07:00`;
}

/** YYYY-MM-DD of an instant in local time. */
export function localDate(d: Date): string {
  return new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an ISO instant that must carry an offset (a bare local time is ambiguous); DomainError on failure. */
export function parseInstant(value: string, field: string): Date {
  const d = ISO_INSTANT.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime())) {
    throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
      { field, message: `${field} must be an ISO-8601 instant with an offset, e.g. 2026-02-13T10:00:00+07:00` },
    ]);
  }
  return d;
}

export const ISO_INSTANT_PATTERN = ISO_INSTANT;
export const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const HHMM_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
