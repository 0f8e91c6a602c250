import { DomainError } from 'src/common/domain-error';

/** Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving since 1975). */
export const VN_OFFSET_MINUTES = 420;
const OFFSET_MS = VN_OFFSET_MINUTES * 60_000;

/** ISO-8601 with the +07:00 offset, as every API response gives instants: 2026-02-25T10:00:00+07:00. */
export function toLocalIso(d: Date): string;
export function toLocalIso(d: Date | null | undefined): string | null;
export function toLocalIso(d: Date | null | undefined): string | null {
  if (!d) return null;
  const local = new Date(d.getTime() + OFFSET_MS).toISOString(); // 2026-02-25T03:00:00.000Z shifted
  const ms = local.slice(19, 23) === '.000' ? '' : local.slice(19, 23);
  return `${local.slice(0, 19)}${ms}+07:00`;
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
