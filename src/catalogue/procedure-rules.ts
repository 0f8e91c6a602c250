// Pure rules of the procedure catalogue (docs/domain.md, "Units and procedures").
import type { TimeLimit } from 'src/calendar/working-time';

/** A standard working day is 8 working hours (docs/domain.md, "Working time"). */
export const HOURS_PER_WORKING_DAY = 8;

/**
 * The statutory limit in working hours, against which the internal process's allotted hours are
 * checked: working_hours N -> N h; working_days N -> 8N h. calendar_days N has no exact
 * working-hour equivalent (it depends on the holidays in the window), so 8N h is used as an
 * upper bound: N calendar days never contain more than N working days.
 */
export function limitHours(limit: TimeLimit): number {
  switch (limit.unit) {
    case 'working_hours':
      return limit.amount;
    case 'working_days':
    case 'calendar_days':
      return limit.amount * HOURS_PER_WORKING_DAY;
    default:
      throw new Error(`Unknown time limit unit ${JSON.stringify(limit.unit satisfies never)}`);
  }
}

/**
 * The allotted step hours may not add up to more than the statutory limit. Compared in whole
 * minutes so that 0.1 + 0.2 style float sums cannot tip the balance. Null when the rule holds.
 */
export function stepHoursExcess(
  steps: { workingHours: number }[],
  limit: TimeLimit,
): { stepHours: number; limitHours: number } | null {
  const stepMinutes = steps.reduce((sum, s) => sum + Math.round(s.workingHours * 60), 0);
  const limitMinutes = Math.round(limitHours(limit) * 60);
  return stepMinutes > limitMinutes ? { stepHours: stepMinutes / 60, limitHours: limitMinutes / 60 } : null;
}

/**
 * Lower-case, diacritic-free form for search: "Cấp giấy phép xây dựng" -> "cap giay phep xay dung".
 * Đ/đ are letters of their own in Unicode (no decomposition), so they are mapped explicitly.
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}
