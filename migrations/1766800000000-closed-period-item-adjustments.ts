import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Closed periods: the index indicators that are not dossier figures — those measured from feedback
 * (5.2 `feedback_on_time`, 5.3 `feedback_satisfaction`) and from the catalogue (1.3
 * `procedures_complete`, 3.1 `online_offered`, 3.2 `online_used`, 3.6 `fee_procedures_paid_online`)
 * — get adjustments too, keyed by the feedback (and its dossier) or by the procedure.
 *
 * Their rules are written once, here, as two functions the index report sums
 * (ReportsRepository.indexMeasures) and the adjustments read:
 * - `feedback_index_items(from_at, to_at, judged_at, now_at, score)`: per feedback, whether it is
 *   handled in the period (5.2's denominator), handled well (numerator), received in the period
 *   (5.3's denominator) and kept (received and not deducted: numerator);
 * - `procedure_catalogue()`: per active procedure (current version), its unit, whether its seven
 *   statutory parts are complete, whether it is offered online, whether it bears a fee.
 * `period_item_figures(...)` unpivots both, per item, into `index:<key>` numerator / denominator
 * counts, measured as the province-wide report measures them (3.2 and 3.6: the procedure had online
 * dossiers / online payments in the period at units of its root's tree).
 *
 * Closing a period stores these per-item counts as its baseline (`period_item_baselines`). The
 * adjustments are the difference between the counts measured now and the baseline plus the
 * adjustments already recorded, per item, unit, figure and part: ClosedPeriodsRepository
 * .reconcileItems records them (before the adjustments are listed or carried into a note). Unlike
 * the dossier figures, these depend on time as well as on writes — a feedback left unanswered past
 * its deadline is deducted when the deadline passes — so they are measured, not caught by a trigger.
 */
export class ClosedPeriodItemAdjustments1766800000000 implements MigrationInterface {
  name = 'ClosedPeriodItemAdjustments1766800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION feedback_index_items(from_at timestamptz, to_at timestamptz, judged_at timestamptz,
                                           now_at timestamptz, score int)
      RETURNS TABLE (feedback_id uuid, dossier_id uuid, unit_id uuid,
                     handled int, handled_good int, received int, kept int)
      LANGUAGE sql STABLE AS $$
        SELECT f.id, f.dossier_id, f.unit_id,
               (f.answered_at IS NULL OR f.answered_at >= from_at)::int,
               -- 5.2: answered in the period by its deadline, or open at the moment it is judged
               -- (the end of the period, or now for the current one) and still within it.
               coalesce((f.answered_at IS NULL OR f.answered_at >= from_at) AND (
                 (f.answered_at >= from_at AND f.answered_at < to_at AND f.answered_at <= f.due_at)
                 OR ((f.answered_at IS NULL OR f.answered_at >= judged_at) AND judged_at <= f.due_at)), false)::int,
               (f.lodged_at >= from_at)::int,
               -- 5.3: received in the period, less the dissatisfied (a rating given after it scoring
               -- "handling of feedback" 0), the overdue (answered after its deadline, or unanswered
               -- past it now) and the repeated (another feedback on the same dossier lodged after
               -- this one was answered).
               CASE WHEN f.lodged_at < from_at THEN 0
                    WHEN EXISTS (SELECT 1 FROM dossier_ratings r WHERE r.dossier_id = f.dossier_id
                                   AND r.rated_at > f.lodged_at AND r.criteria[score] = 0)
                      OR (f.answered_at IS NOT NULL AND f.answered_at > f.due_at)
                      OR (f.answered_at IS NULL AND f.due_at < now_at)
                      OR EXISTS (SELECT 1 FROM dossier_feedback g WHERE g.dossier_id = f.dossier_id
                                   AND g.id <> f.id AND f.answered_at IS NOT NULL AND g.lodged_at > f.answered_at)
                    THEN 0 ELSE 1 END
        FROM dossier_feedback f
        WHERE f.lodged_at < to_at AND f.lodged_at <= now_at
      $$`);
    // 1.3 checks the seven statutory parts (Decree 63/2010 Art. 8(2)): name, sequence of steps,
    // method, components, time limit (always set), who may apply, agency (always set).
    await q.query(`
      CREATE FUNCTION procedure_catalogue()
      RETURNS TABLE (procedure_id uuid, code text, unit_id uuid, complete boolean, online boolean, fee_bearing boolean)
      LANGUAGE sql STABLE AS $$
        SELECT p.id, p.code, v.unit_id,
               (btrim(v.name) <> ''
                AND btrim(coalesce(v.statutory_parts ->> 'sequence', '')) <> ''
                AND btrim(coalesce(v.statutory_parts ->> 'method', '')) <> ''
                AND btrim(coalesce(v.statutory_parts ->> 'components', '')) <> ''
                AND btrim(coalesce(v.statutory_parts ->> 'applicants', '')) <> ''),
               v.online_level <> 'none', v.fee_bearing
        FROM procedures p
        JOIN procedure_versions v ON v.procedure_id = p.id AND v.version = p.current_version
        WHERE p.active
      $$`);
    await q.query(`
      CREATE FUNCTION period_item_figures(from_date date, to_date date, from_at timestamptz, to_at timestamptz,
                                          judged_at timestamptz, now_at timestamptz, score int)
      RETURNS TABLE (kind text, item_id uuid, unit_id uuid, figure text, part text, n int)
      LANGUAGE sql STABLE AS $$
        WITH RECURSIVE roots(id, root_id) AS (
          SELECT id, id FROM units WHERE parent_id IS NULL
          UNION ALL SELECT c.id, r.root_id FROM units c JOIN roots r ON c.parent_id = r.id
        ),
        used AS (
          SELECT r.root_id, s.procedure_code, sum(s.recv_online) AS online, sum(s.recv_paid_online) AS paid_online
          FROM (SELECT d.unit_id, d.procedure_code, d.recv_online, d.recv_paid_online FROM report_daily d
                WHERE d.day BETWEEN from_date AND to_date
                UNION ALL
                SELECT d.unit_id, d.procedure_code, d.recv_online, d.recv_paid_online FROM report_deltas d
                WHERE d.day BETWEEN from_date AND to_date) s
          JOIN roots r ON r.id = s.unit_id
          GROUP BY 1, 2
        ),
        cat AS (
          SELECT c.procedure_id, c.unit_id, c.complete, c.online, c.fee_bearing,
                 coalesce(u.online, 0) > 0 AS used_online, coalesce(u.paid_online, 0) > 0 AS used_paid
          FROM procedure_catalogue() c
          JOIN roots r ON r.id = c.unit_id
          LEFT JOIN used u ON u.root_id = r.root_id AND u.procedure_code = c.code
        )
        SELECT 'feedback', f.feedback_id, f.unit_id, x.figure, x.part, x.n
        FROM feedback_index_items(from_at, to_at, judged_at, now_at, score) f
        CROSS JOIN LATERAL (VALUES
          ('index:feedback_on_time', 'denominator', f.handled),
          ('index:feedback_on_time', 'numerator', f.handled_good),
          ('index:feedback_satisfaction', 'denominator', f.received),
          ('index:feedback_satisfaction', 'numerator', f.kept)) x (figure, part, n)
        WHERE x.n <> 0
        UNION ALL
        SELECT 'procedure', c.procedure_id, c.unit_id, x.figure, x.part, x.n
        FROM cat c
        CROSS JOIN LATERAL (VALUES
          ('index:procedures_complete', 'denominator', 1),
          ('index:procedures_complete', 'numerator', c.complete::int),
          ('index:online_offered', 'denominator', 1),
          ('index:online_offered', 'numerator', c.online::int),
          ('index:online_used', 'denominator', c.online::int),
          ('index:online_used', 'numerator', (c.online AND c.used_online)::int),
          ('index:fee_procedures_paid_online', 'denominator', c.fee_bearing::int),
          ('index:fee_procedures_paid_online', 'numerator', (c.fee_bearing AND c.used_paid)::int)) x (figure, part, n)
        WHERE x.n <> 0
      $$`);
    await q.query(`
      CREATE TABLE period_item_baselines (
        period text NOT NULL,
        version integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('feedback', 'procedure')),
        item_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        figure text NOT NULL,
        part text NOT NULL CHECK (part IN ('numerator', 'denominator')),
        n integer NOT NULL,
        measured_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (period, version, kind, item_id, unit_id, figure, part),
        FOREIGN KEY (period, version) REFERENCES report_periods (period, version)
      )`);
    await q.query(`
      ALTER TABLE period_adjustments
        ALTER COLUMN dossier_id DROP NOT NULL,
        ALTER COLUMN dossier_code DROP NOT NULL,
        ADD COLUMN item_kind text CHECK (item_kind IN ('feedback', 'procedure')),
        ADD COLUMN item_id uuid,
        ADD COLUMN procedure_code text,
        ADD CONSTRAINT period_adjustments_keyed CHECK (
          (item_kind IS NULL AND item_id IS NULL AND dossier_id IS NOT NULL AND dossier_code IS NOT NULL)
          OR (item_kind = 'feedback' AND item_id IS NOT NULL AND dossier_id IS NOT NULL)
          OR (item_kind = 'procedure' AND item_id IS NOT NULL AND procedure_code IS NOT NULL))`);
    await q.query(
      `CREATE INDEX period_adjustments_item_idx ON period_adjustments (period, version, item_kind, item_id) WHERE item_kind IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM period_adjustments WHERE item_kind IS NOT NULL`);
    await q.query(`DROP INDEX period_adjustments_item_idx`);
    await q.query(`
      ALTER TABLE period_adjustments
        DROP CONSTRAINT period_adjustments_keyed,
        DROP COLUMN procedure_code,
        DROP COLUMN item_id,
        DROP COLUMN item_kind,
        ALTER COLUMN dossier_code SET NOT NULL,
        ALTER COLUMN dossier_id SET NOT NULL`);
    await q.query(`DROP TABLE period_item_baselines`);
    await q.query(
      `DROP FUNCTION period_item_figures(date, date, timestamptz, timestamptz, timestamptz, timestamptz, int)`,
    );
    await q.query(`DROP FUNCTION procedure_catalogue()`);
    await q.query(`DROP FUNCTION feedback_index_items(timestamptz, timestamptz, timestamptz, timestamptz, int)`);
  }
}
