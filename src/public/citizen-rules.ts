/**
 * Rules of the citizen side (DOMAIN.md "Citizen rating", "Feedback", "Unit performance index":
 * satisfaction group). Pure: no Nest, no database; time comes in as arguments.
 */
import type { TimeLimit, WorkingCalendar } from 'src/calendar/working-time';
import { CITIZEN_MESSAGES as M } from 'src/public/citizens.messages';

/** The nine criteria, in DOMAIN.md order; a rating's `criteria[i]` scores CRITERIA[i] (2 / 1 / 0). */
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

/** Feedback has its own deadline: 15 working days to handle (DOMAIN.md "Feedback"). */
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

// ---- satisfaction group of the index -----------------------------------------------------------

/**
 * What the satisfaction group needs for a unit and period, counted from stored facts:
 * - feedback is counted once, when its outcome is known: answered by its deadline (on time, at the
 *   answer) or not answered by it (late, at the deadline);
 * - "satisfied with feedback handling" reads the `feedback_handling` criterion of the ratings, in
 *   the period, of dossiers that had feedback;
 * - dossiers ended in the period, late ones (outcome rule), and those with a complaint (feedback of
 *   a COMPLAINT_KINDS kind) or a dissatisfied rating.
 */
export interface SatisfactionFacts {
  feedbackSettled: number;
  feedbackOnTime: number;
  feedbackRatings: number;
  /** Sum of the feedback_handling scores of those ratings (each 0..2). */
  feedbackRatingPoints: number;
  dossiersEnded: number;
  dossiersLate: number;
  dossiersComplainedOrDissatisfied: number;
}

export interface Indicator {
  key: 'feedback_on_time' | 'feedback_satisfaction' | 'dossier_satisfaction';
  points: number;
  max: number;
  ratio: number | null;
  numerator: number;
  denominator: number;
}

/** The three computed indicators of the satisfaction group (6 points each, DOMAIN.md). */
export function satisfactionIndicators(f: SatisfactionFacts): Indicator[] {
  const plain = (key: Indicator['key'], num: number, den: number): Indicator => {
    // "6 if none": no feedback (or no rating of it) is nothing to hold against the unit.
    const ratio = den === 0 ? null : num / den;
    return { key, points: ratio === null ? 6 : 6 * ratio, max: 6, ratio, numerator: num, denominator: den };
  };
  const bad = f.dossiersLate + f.dossiersComplainedOrDissatisfied;
  const ratio = f.dossiersEnded === 0 ? null : Math.max(0, 1 - bad / f.dossiersEnded);
  return [
    plain('feedback_on_time', f.feedbackOnTime, f.feedbackSettled),
    plain('feedback_satisfaction', f.feedbackRatingPoints, CRITERION_MAX * f.feedbackRatings),
    {
      key: 'dossier_satisfaction',
      // 100% − (late rate + complaint-or-dissatisfied rate), full at 90%; 0 with no dossiers.
      points: ratio === null ? 0 : Math.min(6, (6 * ratio) / 0.9),
      max: 6,
      ratio,
      numerator: Math.max(0, f.dossiersEnded - bad),
      denominator: f.dossiersEnded,
    },
  ];
}
