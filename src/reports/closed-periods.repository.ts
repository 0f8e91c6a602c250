import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { CarriedAdjustment } from 'src/reports/report.types';

export interface PeriodRow {
  period: string;
  version: number;
  from_date: string;
  to_date: string;
  status: 'closed' | 'reopened';
  hash: string;
  closed_by: string;
  closed_by_username: string | null;
  closed_at: Date;
  reopened_by: string | null;
  reopened_at: Date | null;
  reopen_reason: string | null;
}

export interface AdjustmentRow {
  period: string;
  version: number;
  dossier_id: string | null;
  dossier_code: string | null;
  item_kind: 'feedback' | 'procedure' | null;
  item_id: string | null;
  procedure_code: string | null;
  figure: string;
  part: 'numerator' | 'denominator' | null;
  delta: number;
  cause_action: string;
  cause_at: Date | null;
  cause_actor: string | null;
  recorded_at: Date;
}

const COLS = `p.period, p.version, p.from_date::text AS from_date, p.to_date::text AS to_date, p.status, p.hash,
  p.closed_by, u.username AS closed_by_username, p.closed_at, p.reopened_by, p.reopened_at, p.reopen_reason`;

/** The bounds and instants the feedback and catalogue indicators of a period are measured with. */
export interface ItemMeasureAt {
  from: string;
  to: string;
  fromAt: Date;
  toAt: Date;
  now: Date;
  /** The position (1-based) of "handling of feedback" in a rating's criteria. */
  feedbackScore: number;
}

const itemArgs = (a: ItemMeasureAt) => [
  a.from,
  a.to,
  a.fromAt,
  a.toAt,
  new Date(Math.min(a.toAt.getTime(), a.now.getTime())),
  a.now,
  a.feedbackScore,
];

/** Closed reporting periods, their snapshots and adjustments (migrations 1765800000000, 1766800000000). */
@Injectable()
export class ClosedPeriodsRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async list(): Promise<PeriodRow[]> {
    return this.dataSource.query(
      `SELECT ${COLS} FROM report_periods p LEFT JOIN users u ON u.id = p.closed_by ORDER BY p.from_date DESC, p.period, p.version`,
    );
  }

  async versions(period: string, m: EntityManager = this.dataSource.manager): Promise<PeriodRow[]> {
    return m.query(
      `SELECT ${COLS} FROM report_periods p LEFT JOIN users u ON u.id = p.closed_by WHERE p.period = $1 ORDER BY p.version`,
      [period],
    );
  }

  /**
   * The closed period whose bounds are exactly [from, to] (the version in force, or the one asked
   * for, closed or reopened), with its snapshot entry for `key`.
   */
  async frozen(
    from: string,
    to: string,
    version: number | undefined,
    key: string,
  ): Promise<(PeriodRow & { entry: unknown; has_period: boolean }) | null> {
    const rows = await this.dataSource.query(
      `SELECT ${COLS}, p.snapshot -> $4 AS entry, true AS has_period
       FROM report_periods p LEFT JOIN users u ON u.id = p.closed_by
       WHERE p.from_date = $1::date AND p.to_date = $2::date
         AND (CASE WHEN $3::int IS NULL THEN p.status = 'closed' ELSE p.version = $3::int END)
       ORDER BY p.version DESC LIMIT 1`,
      [from, to, version ?? null, key],
    );
    return rows[0] ?? null;
  }

  async insert(
    m: EntityManager,
    r: {
      period: string;
      version: number;
      from: string;
      to: string;
      hash: string;
      snapshot: string;
      by: string;
      at: Date;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO report_periods (period, version, from_date, to_date, status, hash, snapshot, closed_by, closed_at)
       VALUES ($1, $2, $3::date, $4::date, 'closed', $5, $6::jsonb, $7, $8)`,
      [r.period, r.version, r.from, r.to, r.hash, r.snapshot, r.by, r.at],
    );
  }

  async reopen(m: EntityManager, period: string, by: string, at: Date, reason: string): Promise<number | null> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [rows]: [{ version: number }[], number] = await m.query(
      `UPDATE report_periods SET status = 'reopened', reopened_by = $2, reopened_at = $3, reopen_reason = $4
       WHERE period = $1 AND status = 'closed' RETURNING version`,
      [period, by, at, reason],
    );
    return rows[0]?.version ?? null;
  }

  async adjustments(period: string): Promise<AdjustmentRow[]> {
    return this.dataSource.query(
      `SELECT period, version, dossier_id, dossier_code, item_kind, item_id, procedure_code, figure, part, delta,
              cause_action, cause_at, cause_actor, recorded_at
       FROM period_adjustments WHERE period = $1 ORDER BY id`,
      [period],
    );
  }

  /**
   * Adjustments of the closed periods that end the day before `from`: the note of the next report,
   * of form 06a (`index` false) or of the index (`index:` figures, with their part).
   */
  async carried(from: string, index = false, scopeUnitId: string | null = null): Promise<CarriedAdjustment[]> {
    // Only the adjustments of the report's units (the scope's subtree; null: the whole province):
    // another unit's changes are not this report's to note, nor its reader's to see.
    const rows: (CarriedAdjustment & { part: 'numerator' | 'denominator' | null })[] = await this.dataSource.query(
      `WITH RECURSIVE sub AS (
         SELECT id FROM units WHERE id = $3::uuid
         UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id
       )
       SELECT a.period, a.version, a.figure, a.part, sum(a.delta)::int AS delta,
              count(DISTINCT a.dossier_id)::int AS dossiers,
              count(DISTINCT a.item_id) FILTER (WHERE a.item_kind = 'procedure')::int AS procedures
       FROM period_adjustments a
       JOIN report_periods p ON p.period = a.period AND p.version = a.version AND p.status = 'closed'
       WHERE p.to_date = $1::date - 1 AND (a.figure LIKE 'index:%') = $2
         AND ($3::uuid IS NULL OR a.unit_id IN (SELECT id FROM sub))
       GROUP BY 1, 2, 3, 4 HAVING sum(a.delta) <> 0 ORDER BY 1, 3, 4 DESC`,
      [from, index, scopeUnitId],
    );
    return rows.map(({ part, procedures, ...r }) => ({
      ...r,
      ...(part ? { part } : {}),
      ...(procedures ? { procedures } : {}),
    }));
  }

  /** The closed versions (status closed) of a period, or of the periods ending the day before `from`. */
  async closedVersions(
    by: { period: string } | { endingBefore: string },
  ): Promise<{ period: string; version: number; from_date: string; to_date: string }[]> {
    return 'period' in by
      ? this.dataSource.query(
          `SELECT period, version, from_date::text AS from_date, to_date::text AS to_date
           FROM report_periods WHERE period = $1 AND status = 'closed'`,
          [by.period],
        )
      : this.dataSource.query(
          `SELECT period, version, from_date::text AS from_date, to_date::text AS to_date
           FROM report_periods WHERE to_date = $1::date - 1 AND status = 'closed'`,
          [by.endingBefore],
        );
  }

  /**
   * The baseline of a closing version: the per-item counts of the index indicators measured from
   * feedback and the catalogue (period_item_figures, migration 1766800000000), as the snapshot saw them.
   */
  async insertItemBaseline(m: EntityManager, period: string, version: number, at: ItemMeasureAt): Promise<void> {
    await m.query(
      `INSERT INTO period_item_baselines (period, version, kind, item_id, unit_id, figure, part, n)
       SELECT $1, $2, f.kind, f.item_id, f.unit_id, f.figure, f.part, f.n
       FROM period_item_figures($3::date, $4::date, $5, $6, $7, $8, $9) f`,
      [period, version, ...itemArgs(at)],
    );
  }

  /**
   * Records what changed, per item, in a closed version's feedback and catalogue indicators: the
   * counts measured now, less the baseline and the adjustments already recorded. The cause is the
   * latest thing that happened to the item: for feedback its answer, its deadline passing
   * unanswered, a rating of its dossier or another feedback on it; for a procedure a change of
   * the catalogue, or of its online use in the period. One reconciliation at a time per version.
   */
  async reconcileItems(period: string, version: number, at: ItemMeasureAt): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('period_items:' || $1 || ':' || $2::text))`, [
        period,
        version,
      ]);
      // TypeORM answers an INSERT … RETURNING with its rows.
      const rows: unknown[] = await m.query(
        `WITH cur AS (
           SELECT kind, item_id, unit_id, figure, part, n FROM period_item_figures($3::date, $4::date, $5, $6, $7, $8, $9)
         ),
         known AS (
           SELECT kind, item_id, unit_id, figure, part, sum(n)::int AS n FROM (
             SELECT kind, item_id, unit_id, figure, part, n FROM period_item_baselines WHERE period = $1 AND version = $2
             UNION ALL
             SELECT item_kind, item_id, unit_id, figure, part, delta FROM period_adjustments
             WHERE period = $1 AND version = $2 AND item_kind IS NOT NULL
           ) k GROUP BY 1, 2, 3, 4, 5
         ),
         diff AS (
           SELECT coalesce(c.kind, k.kind) AS kind, coalesce(c.item_id, k.item_id) AS item_id,
                  coalesce(c.unit_id, k.unit_id) AS unit_id, coalesce(c.figure, k.figure) AS figure,
                  coalesce(c.part, k.part) AS part, coalesce(c.n, 0) - coalesce(k.n, 0) AS delta
           FROM cur c FULL JOIN known k
             ON (c.kind, c.item_id, c.unit_id, c.figure, c.part) = (k.kind, k.item_id, k.unit_id, k.figure, k.part)
           WHERE coalesce(c.n, 0) <> coalesce(k.n, 0)
         )
         INSERT INTO period_adjustments (period, version, dossier_id, dossier_code, unit_id, figure, part, delta,
                                         cause_action, cause_at, cause_actor, item_kind, item_id, procedure_code)
         SELECT $1, $2, f.dossier_id, d.code, x.unit_id, x.figure, x.part, x.delta,
                coalesce(cause.action, 'unknown'), cause.at, cause.actor, x.kind, x.item_id, pr.code
         FROM diff x
         LEFT JOIN dossier_feedback f ON x.kind = 'feedback' AND f.id = x.item_id
         LEFT JOIN dossiers d ON d.id = f.dossier_id
         LEFT JOIN procedures pr ON x.kind = 'procedure' AND pr.id = x.item_id
         LEFT JOIN LATERAL (
           SELECT c.action, c.at, c.actor FROM (
             SELECT 'feedback_answer' AS action, f.answered_at AS at, f.answered_by AS actor
             UNION ALL SELECT 'feedback_overdue', f.due_at, NULL::uuid WHERE f.answered_at IS NULL
             UNION ALL SELECT 'rating', r.rated_at, NULL FROM dossier_ratings r WHERE r.dossier_id = f.dossier_id
             UNION ALL SELECT 'feedback', g.lodged_at, NULL FROM dossier_feedback g
               WHERE g.dossier_id = f.dossier_id AND g.id <> f.id
           ) c
           WHERE x.kind = 'feedback' AND c.at IS NOT NULL AND c.at <= $8
           UNION ALL
           -- A procedure: the catalogue, when it changed since the item was last measured (both
           -- instants are the database's), else its online dossiers or payments in the period.
           SELECT CASE WHEN changed THEN 'catalogue' ELSE 'online_use' END,
                  CASE WHEN changed THEN pr.updated_at END, CASE WHEN changed THEN v.created_by END
           FROM procedure_versions v
           CROSS JOIN LATERAL (
             SELECT pr.updated_at > greatest(
               (SELECT max(b.measured_at) FROM period_item_baselines b
                WHERE b.period = $1 AND b.version = $2 AND b.kind = 'procedure' AND b.item_id = pr.id),
               (SELECT max(a.recorded_at) FROM period_adjustments a
                WHERE a.period = $1 AND a.version = $2 AND a.item_kind = 'procedure' AND a.item_id = pr.id),
               '-infinity'::timestamptz) AS changed
           ) w
           WHERE x.kind = 'procedure' AND v.procedure_id = pr.id AND v.version = pr.current_version
           ORDER BY 2 DESC NULLS LAST LIMIT 1
         ) cause ON true
         RETURNING id`,
        [period, version, ...itemArgs(at)],
      );
      return rows.length;
    });
  }

  /** Deadline corrections (leaders' tools) made in [fromAt, toAt), on dossiers of `unitIds` (null: all). */
  async corrections(
    fromAt: Date,
    toAt: Date,
    unitIds: string[] | null,
  ): Promise<
    {
      dossier_id: string;
      dossier_code: string;
      at: Date;
      actor_user_id: string | null;
      username: string | null;
      payload: Record<string, unknown>;
    }[]
  > {
    return this.dataSource.query(
      `SELECT e.dossier_id, d.code AS dossier_code, e.at, e.actor_user_id, u.username, e.payload
       FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id LEFT JOIN users u ON u.id = e.actor_user_id
       WHERE e.action = 'correct_deadline' AND e.at >= $1 AND e.at < $2
         AND ($3::uuid[] IS NULL OR d.unit_ids && $3::uuid[])
       ORDER BY e.at, d.code`,
      [fromAt, toAt, unitIds],
    );
  }
}
