/**
 * How instants and names are written on the printed documents. Pure: instants are formatted in
 * +07:00 through src/common/time (never the machine's time zone).
 */
import { toLocalIso } from 'src/common/time';
import { DOCUMENT_MESSAGES } from 'src/dossiers/documents/documents.messages';

type Instant = Date | number;

const asDate = (at: Instant): Date => (typeof at === 'number' ? new Date(at) : at);

/** dd/MM/yyyy HH:mm in +07:00, e.g. 25/02/2026 10:00; a dash for a missing instant. */
export function formatInstant(at: Instant | null | undefined): string {
  if (at === null || at === undefined) return DOCUMENT_MESSAGES.none;
  const iso = toLocalIso(asDate(at)); // 2026-02-25T10:00:00+07:00
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11, 16)}`;
}

/** The date line of an administrative document: "Ngày 04 tháng 03 năm 2026" (local date). */
export function formatDateLine(at: Instant): string {
  const iso = toLocalIso(asDate(at));
  return DOCUMENT_MESSAGES.dateLine(iso.slice(8, 10), iso.slice(5, 7), iso.slice(0, 4));
}

/**
 * A download file name carrying the dossier code: ASCII only, since it goes into a
 * Content-Disposition header (imported codes may hold anything).
 */
export function pdfFileName(prefix: string, dossierCode: string, suffix?: string): string {
  const safe = (s: string) =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, (c) => (c === 'đ' ? 'd' : 'D'))
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '');
  return [prefix, safe(dossierCode) || 'ho-so', ...(suffix ? [safe(suffix)] : [])].join('-') + '.pdf';
}

/** Upper case as Vietnamese writes it (agency names in the national header). */
export function upper(s: string): string {
  return s.toLocaleUpperCase('vi-VN');
}
