import { MigrationInterface, QueryRunner } from 'typeorm';
import { editFunction } from './support/edit-function';

/**
 * Once a period has been closed (every month, in a province that closes its figures), every dossier
 * written paid for the closed periods' adjustments trigger: `report_contributions` of its rows,
 * compared with each closed period's bounds. Measured with EXPLAIN ANALYZE (20,400 dossiers, one
 * closed month): 0.8 ms per intake, 1.5 ms per resolve, more than the summaries' own trigger. Yet a
 * dossier received today contributes only from today on, and a closed period has ended: nothing of
 * it can fall in one.
 *
 * An adjustment is recorded only for a day on or before a closed period's last day (its `in`,
 * `before` and `upto` spans alike). `report_dated_by(d, last)` is true when a row may carry such a
 * day: its reception, end or due instant, a supplement instant or one of the portal's late spans
 * falls on or before `last`, which are every instant `report_contributions` dates a count by (a test
 * checks this against the function's text and, on a fixture of every kind of dossier, against its
 * output). It may answer true needlessly (the due instant of a paused dossier), never false
 * wrongly. It is plain expressions and two JSON path tests, no subquery, so it costs little to
 * start. When no written row (old and new rows of an update) is dated by the last closed day, the
 * triggers return before starting their statement; otherwise they run as before, and the figures
 * are those of the full evaluation. The check replaces their first test ("is any period closed?"),
 * which it contains (no closed period: no last day).
 */
const AFTER = `((last_day + 1)::timestamp - interval '7 hours') AT TIME ZONE 'UTC'`;
const FUNCTION = `
      CREATE FUNCTION report_dated_by(d dossiers, last_day date) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT coalesce(d.received_at < ${AFTER} OR d.ended_at < ${AFTER} OR d.last_due_at < ${AFTER}
          OR jsonb_path_exists(d.state, '$.supplementAts[*] ? (@.double() < $ms)',
                               jsonb_build_object('ms', extract(epoch FROM ${AFTER}) * 1000))
          OR jsonb_path_exists(d.portal_facts, '$.openLate[*][*] ? (@.double() < $ms)',
                               jsonb_build_object('ms', extract(epoch FROM ${AFTER}) * 1000)), false)
      $$`;

const CLOSED_TEST = `IF NOT EXISTS (SELECT 1 FROM report_periods WHERE status = 'closed') THEN RETURN NULL; END IF;`;

const guard = (rows: string) => `IF NOT EXISTS (
          SELECT 1 FROM (SELECT max(to_date) AS last FROM report_periods WHERE status = 'closed') p,
            (${rows}) r
          WHERE report_dated_by(r::dossiers, p.last)) THEN
          RETURN NULL;
        END IF;`;

const EDITS: [string, string][] = [
  ['period_adjustments_inserted()', guard('SELECT * FROM new_rows')],
  ['period_adjustments_updated()', guard('SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows')],
];

async function edit(q: QueryRunner, reverse: boolean): Promise<void> {
  for (const [fn, text] of EDITS) {
    const [from, to] = reverse ? [text, CLOSED_TEST] : [CLOSED_TEST, text];
    await editFunction(q, fn, from, to);
  }
}

export class PeriodAdjustmentsDatedBy1766930000000 implements MigrationInterface {
  name = 'PeriodAdjustmentsDatedBy1766930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(FUNCTION);
    await edit(q, false);
  }

  async down(q: QueryRunner): Promise<void> {
    await edit(q, true);
    await q.query(`DROP FUNCTION report_dated_by(dossiers, date)`);
  }
}
