/**
 * Rules of the citizen side (docs/domain.md "Citizen rating", "Feedback", "Unit performance index":
 * satisfaction group). Pure: no Nest, no database; time comes in as arguments.
 */
import type { TimeLimit, WorkingCalendar } from 'src/calendar/working-time';
import { CITIZEN_MESSAGES as M } from 'src/public/citizens.messages';

/** The nine criteria, in docs/domain.md order; a rating's `criteria[i]` scores CRITERIA[i] (2 / 1 / 0). */
export const CRITERIA = [
  'total_time',
  'unit_time',
  'contacts',
  'agencies',
  'one_stop_counter',
  'publication',
  'staff_attitude',
  'feedback_handling',
  'online_service',
] as const satisfies readonly (keyof typeof M.criteria)[];
export type CriterionKey = (typeof CRITERIA)[number];
export const CRITERION_MAX = 2;

export const VERDICTS = ['very_satisfied', 'satisfied', 'dissatisfied'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const FEEDBACK_KINDS = ['regulation', 'conduct', 'other'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

/**
 * Feedback that counts as a complaint against the unit in the satisfaction group ("dossiers with a
 * complaint or a dissatisfied rating"): feedback on the conduct of the unit's staff. Feedback on the
 * regulation itself (kiến nghị về quy định) is addressed to whoever writes the rules, not the unit,
 * and "other" is not a complaint by default. Every kind still counts for "handled on time".
 */
export const COMPLAINT_KINDS: readonly FeedbackKind[] = ['conduct'];

/**
 * Feedback that marks its dossier for the index's dossier satisfaction (766 5.4: "dossiers with a
 * PAKN or a dislike"): every kind, as the national portal counts it.
 */
export const INDEX_FEEDBACK_KINDS: readonly FeedbackKind[] = FEEDBACK_KINDS;

/** Feedback has its own deadline: 15 working days to handle (docs/domain.md "Feedback"). */
export const FEEDBACK_TIME_LIMIT: TimeLimit = { amount: 15, unit: 'working_days' };

/** The deadline of feedback lodged at `lodgedAt`: the clock starts at the next working instant. */
export function feedbackDueAt(calendar: WorkingCalendar, lodgedAt: Date): Date {
  return calendar.dueAt(calendar.clockStart(lodgedAt), FEEDBACK_TIME_LIMIT);
}

/**
 * Whether a path segment can be a dossier code at all: generated codes are
 * `{unit}-{yyMMdd}-{NNNN}`, imported ones anything up to 80 characters without control characters.
 * Anything else is answered like an unknown code, without asking the database.
 */
export function isWellFormedCode(code: string): boolean {
  // eslint-disable-next-line no-control-regex
  return code.length >= 1 && code.length <= 80 && !/[\u0000-\u001f\u007f]/.test(code) && code.trim() === code;
}

// ---- ratings list ------------------------------------------------------------------------------

export interface RatingTotals {
  count: number;
  /** Sum of each criterion's scores, by position in CRITERIA. */
  sums: number[];
  verdicts: Record<Verdict, number>;
}

export interface CriterionSummary {
  key: CriterionKey;
  label: string;
  /** Exact sum of the scores; `average` is it divided by the count, rounded to 2 decimals (null with no ratings). */
  sum: number;
  average: number | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function summarizeRatings(t: RatingTotals): {
  count: number;
  criteria: CriterionSummary[];
  /** Average of the total score (out of 18). */
  averageTotal: number | null;
  verdicts: Record<Verdict, number>;
} {
  const avg = (sum: number) => (t.count === 0 ? null : round2(sum / t.count));
  return {
    count: t.count,
    criteria: CRITERIA.map((key, i) => ({
      key,
      label: M.criteria[key],
      sum: t.sums[i] ?? 0,
      average: avg(t.sums[i] ?? 0),
    })),
    averageTotal: avg(t.sums.reduce((a, b) => a + b, 0)),
    verdicts: t.verdicts,
  };
}
