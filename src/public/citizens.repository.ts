import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ReadReplicas } from 'src/database/read-replicas';
import { eventsSince, type DossierRef } from 'src/dossiers/dossiers.repository';
import type { DossierState } from 'src/dossiers/lifecycle';
import { INDEX_FEEDBACK_KINDS, CRITERIA, FeedbackKind, RatingTotals, Verdict } from 'src/public/citizen-rules';
import { alertOutboxCtes } from 'src/sla/alert-outbox';

export interface RatingRow {
  id: string;
  dossier_id: string;
  dossier_code: string;
  procedure_code: string;
  criteria: number[];
  verdict: Verdict;
  comment: string | null;
  rated_at: Date;
}

export interface FeedbackRow {
  id: string;
  dossier_id: string;
  dossier_code: string;
  dossier_unit_ids: string[];
  unit_id: string;
  unit_code: string;
  kind: FeedbackKind;
  content: string;
  lodged_at: Date;
  due_at: Date;
  answer: string | null;
  answered_at: Date | null;
  answered_by: string | null;
  upheld?: boolean | null;
}

/** What the public side reads of a dossier: never the applicant, never people. */
export interface PublicDossierRow {
  id: string;
  code: string;
  procedure_id: string;
  procedure_version: number;
  handling_unit_id: string;
  lookup_key_hash: string;
  state: DossierState;
  /** The bound of its events' partitions (DossierRow.created_at). */
  created_at: Date;
}

export interface PublicFeedbackRow {
  kind: FeedbackKind;
  lodged_at: Date;
  due_at: Date;
  answer: string | null;
  answered_at: Date | null;
}

export interface RatingFilter {
  /** Dossiers sharing a unit with these (null: all). */
  visibleUnitIds: string[] | null;
  unitId?: string;
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

export interface FeedbackFilter {
  visibleUnitIds: string[] | null;
  unitId?: string;
  open?: boolean;
  dossierId?: string;
  after?: { lodgedAt: string; id: string };
  limit: number;
}

const FEEDBACK_SELECT = `SELECT f.id, f.dossier_id, d.code AS dossier_code, d.unit_ids AS dossier_unit_ids, f.unit_id,
  u.code AS unit_code, f.kind, f.content, f.lodged_at, f.due_at, f.answer, f.answered_at, f.answered_by, f.upheld
  FROM dossier_feedback f JOIN dossiers d ON d.id = f.dossier_id JOIN units u ON u.id = f.unit_id`;

/** Builds numbered parameters for dynamic WHERE clauses. */
function params() {
  const values: unknown[] = [];
  return {
    values,
    p: (v: unknown) => {
      values.push(v);
      return `$${values.length}`;
    },
  };
}

/**
 * Closes open feedback alerts of `dossierId` (or all dossiers) whose feedback has all been
 * answered. The alert key is (dossier, kind, deadline, recipient): feedback lodged at the same
 * moment share a deadline and so an alert, which stays open while any of them is unanswered.
 */
const CLOSE_ANSWERED = `
  UPDATE alerts a SET closed_at = $1
  WHERE a.kind = 'feedback_overdue' AND a.closed_at IS NULL AND ($2::uuid IS NULL OR a.dossier_id = $2)
    AND NOT EXISTS (SELECT 1 FROM dossier_feedback f
                    WHERE f.dossier_id = a.dossier_id AND f.due_at = a.deadline_at AND f.answered_at IS NULL)
  RETURNING a.id`;

@Injectable()
export class CitizensRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reads: ReadReplicas,
  ) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('READ COMMITTED', work);
  }

  /** One indexed read, whether or not a key is to be checked, so a known code costs what an unknown one does. */
  async publicDossier(code: string): Promise<PublicDossierRow | null> {
    const rows: PublicDossierRow[] = await this.reads.query(
      `SELECT id, code, procedure_id, procedure_version, handling_unit_id, lookup_key_hash, state, created_at
       FROM dossiers WHERE code = $1`,
      [code],
    );
    return rows[0] ?? null;
  }

  /** The latest event of an action on a dossier (its instant and payload), or null. */
  async lastEvent(d: DossierRef, action: string): Promise<{ at: Date; payload: Record<string, unknown> } | null> {
    const rows: { at: Date; payload: Record<string, unknown> }[] = await this.dataSource.query(
      `SELECT at, payload FROM dossier_events WHERE dossier_id = $1 AND action = $2 AND ${eventsSince('$3')}
       ORDER BY seq DESC LIMIT 1`,
      [d.id, action, d.created_at],
    );
    return rows[0] ?? null;
  }

  // ---- ratings ----------------------------------------------------------------------------------

  async isRated(dossierId: string): Promise<boolean> {
    const rows = await this.reads.query(`SELECT 1 FROM dossier_ratings WHERE dossier_id = $1`, [dossierId]);
    return rows.length > 0;
  }

  /** The rating, or null when the dossier already has one (the unique key decides, also under concurrency). */
  async insertRating(r: {
    dossierId: string;
    criteria: number[];
    verdict: Verdict;
    comment: string | null;
    ratedAt: Date;
  }): Promise<{ id: string } | null> {
    const rows: { id: string }[] = await this.dataSource.query(
      // A dissatisfied rating marks the dossier for the index's satisfaction group, in the same statement.
      `WITH r AS (
         INSERT INTO dossier_ratings (dossier_id, criteria, verdict, comment, rated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (dossier_id) DO NOTHING RETURNING id, dossier_id, verdict
       ), marked AS (
         UPDATE dossiers d SET complained = true FROM r
         WHERE d.id = r.dossier_id AND r.verdict = 'dissatisfied' AND NOT d.complained
       )
       SELECT id FROM r`,
      [r.dossierId, r.criteria, r.verdict, r.comment, r.ratedAt],
    );
    return rows[0] ?? null;
  }

  private ratingWhere(f: RatingFilter, p: (v: unknown) => string): string {
    const where: string[] = [];
    if (f.visibleUnitIds) where.push(`d.unit_ids && ${p(f.visibleUnitIds)}::uuid[]`);
    if (f.unitId) where.push(`d.unit_ids @> ARRAY[${p(f.unitId)}]::uuid[]`);
    if (f.from) where.push(`r.rated_at >= ${p(f.from)}`);
    if (f.to) where.push(`r.rated_at < ${p(f.to)}`);
    return where.length ? `WHERE ${where.join(' AND ')}` : '';
  }

  /** Count, per-criterion sums and verdict counts over every rating matching the filter. */
  async ratingTotals(f: RatingFilter): Promise<RatingTotals> {
    const { values, p } = params();
    const where = this.ratingWhere(f, p);
    const sums = CRITERIA.map((_, i) => `coalesce(sum(r.criteria[${i + 1}]), 0)::int AS c${i}`).join(', ');
    const [row]: Record<string, number>[] = await this.reads.query(
      `SELECT count(*)::int AS n, ${sums},
         count(*) FILTER (WHERE r.verdict = 'very_satisfied')::int AS very_satisfied,
         count(*) FILTER (WHERE r.verdict = 'satisfied')::int AS satisfied,
         count(*) FILTER (WHERE r.verdict = 'dissatisfied')::int AS dissatisfied
       FROM dossier_ratings r JOIN dossiers d ON d.id = r.dossier_id ${where}`,
      values,
    );
    return {
      count: row.n,
      sums: CRITERIA.map((_, i) => row[`c${i}`]),
      verdicts: { very_satisfied: row.very_satisfied, satisfied: row.satisfied, dissatisfied: row.dissatisfied },
    };
  }

  /** Ratings newest first, keyset-paged on (rated_at, id). */
  async listRatings(f: RatingFilter, after: { ratedAt: string; id: string } | undefined, limit: number) {
    const { values, p } = params();
    let where = this.ratingWhere(f, p);
    if (after) {
      const cond = `(r.rated_at, r.id) < (${p(after.ratedAt)}::timestamptz, ${p(after.id)}::uuid)`;
      where = where ? `${where} AND ${cond}` : `WHERE ${cond}`;
    }
    const rows: RatingRow[] = await this.reads.query(
      `SELECT r.id, r.dossier_id, d.code AS dossier_code, d.procedure_code, r.criteria, r.verdict, r.comment, r.rated_at
       FROM dossier_ratings r JOIN dossiers d ON d.id = r.dossier_id ${where}
       ORDER BY r.rated_at DESC, r.id DESC LIMIT ${p(limit + 1)}`,
      values,
    );
    return rows;
  }

  // ---- feedback ---------------------------------------------------------------------------------

  async insertFeedback(f: {
    dossierId: string;
    unitId: string;
    kind: string;
    content: string;
    lodgedAt: Date;
    dueAt: Date;
  }): Promise<string> {
    const rows: { id: string }[] = await this.dataSource.query(
      // Any feedback (PAKN) marks the dossier for the index's 5.4 (the portal counts "a dossier with
      // a PAKN", whatever its kind), in the same statement.
      `WITH f AS (
         INSERT INTO dossier_feedback (dossier_id, unit_id, kind, content, lodged_at, due_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, dossier_id, kind
       ), marked AS (
         UPDATE dossiers d SET complained = true FROM f
         WHERE d.id = f.dossier_id AND f.kind = ANY($7::text[]) AND NOT d.complained
       )
       SELECT id FROM f`,
      [f.dossierId, f.unitId, f.kind, f.content, f.lodgedAt, f.dueAt, INDEX_FEEDBACK_KINDS],
    );
    return rows[0].id;
  }

  /** What the public lookup shows of a dossier's feedback: no content (it may hold personal data), no people. */
  publicFeedback(dossierId: string): Promise<PublicFeedbackRow[]> {
    return this.reads.query(
      `SELECT kind, lodged_at, due_at, answer, answered_at FROM dossier_feedback
       WHERE dossier_id = $1 ORDER BY lodged_at, id`,
      [dossierId],
    );
  }

  async findFeedback(id: string): Promise<FeedbackRow | null> {
    const rows: FeedbackRow[] = await this.dataSource.query(`${FEEDBACK_SELECT} WHERE f.id = $1`, [id]);
    return rows[0] ?? null;
  }

  listFeedback(f: FeedbackFilter): Promise<FeedbackRow[]> {
    const { values, p } = params();
    const where: string[] = [];
    if (f.visibleUnitIds) where.push(`d.unit_ids && ${p(f.visibleUnitIds)}::uuid[]`);
    if (f.unitId) where.push(`f.unit_id = ${p(f.unitId)}`);
    if (f.open !== undefined) where.push(f.open ? 'f.answered_at IS NULL' : 'f.answered_at IS NOT NULL');
    if (f.dossierId) where.push(`f.dossier_id = ${p(f.dossierId)}`);
    if (f.after) where.push(`(f.lodged_at, f.id) < (${p(f.after.lodgedAt)}::timestamptz, ${p(f.after.id)}::uuid)`);
    return this.reads.query(
      `${FEEDBACK_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY f.lodged_at DESC, f.id DESC LIMIT ${p(f.limit + 1)}`,
      values,
    );
  }

  /**
   * Records the answer unless one exists (first answer wins; false otherwise) and, in the same
   * transaction, closes the overdue alert the feedback raised.
   */
  async answer(id: string, answer: string, userId: string, at: Date, upheld: boolean | null = null): Promise<boolean> {
    return this.transaction(async (m) => {
      // TypeORM answers an UPDATE with [rows, rowCount].
      const [rows]: [{ dossier_id: string }[], number] = await m.query(
        `UPDATE dossier_feedback SET answer = $2, answered_at = $3, answered_by = $4, upheld = $5
         WHERE id = $1 AND answered_at IS NULL RETURNING dossier_id`,
        [id, answer, at, userId, upheld],
      );
      if (rows.length === 0) return false;
      await m.query(CLOSE_ANSWERED, [at, rows[0].dossier_id]);
      return true;
    });
  }

  // ---- overdue scan -----------------------------------------------------------------------------

  /**
   * One alert per open feedback past its deadline, to the head of its unit (no head: the unit
   * inbox, recipient null), keyed on the feedback's deadline; ON CONFLICT DO NOTHING makes rescans,
   * retries and concurrent scans harmless. Returns the ids of the alerts created.
   */
  /**
   * Raises the alerts of feedback past its deadline, with their outbox rows in the same statement
   * (an alert committed before its deliveries lost its e-mail when anything failed in between: the
   * retry's insert found the alert there and created nothing to deliver).
   */
  async raiseFeedbackAlerts(now: Date, emailEnabled: boolean): Promise<{ created: string[]; deliveries: string[] }> {
    const [row]: { created: string[]; deliveries: string[] }[] = await this.dataSource.query(
      `WITH ins AS (
         INSERT INTO alerts (kind, dossier_id, unit_id, recipient_user_id, deadline_at, created_at)
         SELECT 'feedback_overdue', f.dossier_id, f.unit_id, h.id, f.due_at, $1::timestamptz
         FROM dossier_feedback f
         JOIN units u ON u.id = f.unit_id
         LEFT JOIN users h ON h.id = u.head_user_id AND h.active
         WHERE f.answered_at IS NULL AND f.due_at <= $1
         ON CONFLICT DO NOTHING
         RETURNING id, kind, recipient_user_id, deadline_at
       ),
       ${alertOutboxCtes('ins', '$2::boolean')}
       SELECT ARRAY(SELECT id::text FROM ins) AS created,
              ARRAY(SELECT id::text FROM em UNION ALL SELECT id::text FROM wh) AS deliveries`,
      [now, emailEnabled],
    );
    return row;
  }

  /** Closes open feedback alerts whose feedback has been answered (the answer also does it itself). */
  async closeAnsweredAlerts(now: Date): Promise<number> {
    const [, count]: [unknown[], number] = await this.dataSource.query(CLOSE_ANSWERED, [now, null]);
    return count;
  }
}
