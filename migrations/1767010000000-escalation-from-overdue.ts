import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `escalated` fires 16 working hours after the `overdue` alert fired (docs/domain.md "Alerts"), not
 * 16 working hours after the deadline: a dossier found late by its first scan (an imported or fed
 * history, a scan outage) gave its head no time before the board heard of it. The instant now
 * lives on the overdue alert:
 * - alerts.escalate_at: when the overdue alert (still open) escalates; the scan writes it with the
 *   alert, from the alert's own instant and the working calendar;
 * - alerts.escalated_at: when the scan escalated it (the board's alerts were written then).
 * Open overdue alerts raised before this release get their escalate_at from the next scan (from
 * their created_at); those already escalated are marked so. The dossiers' escalate_at column and
 * its index go: nothing reads them, and every write of a dossier maintained them.
 */
export class EscalationFromOverdue1767010000000 implements MigrationInterface {
  name = 'EscalationFromOverdue1767010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alerts ADD COLUMN escalate_at timestamptz, ADD COLUMN escalated_at timestamptz`);
    await q.query(`
      UPDATE alerts o SET escalated_at = e.at
      FROM (SELECT dossier_id, deadline_at, min(created_at) AS at FROM alerts WHERE kind = 'escalated'
            GROUP BY dossier_id, deadline_at) e
      WHERE o.kind = 'overdue' AND o.closed_at IS NULL AND o.dossier_id = e.dossier_id AND o.deadline_at = e.deadline_at`);
    // The scan's two reads: open overdue alerts not yet escalated, by escalation instant (null:
    // still to compute).
    await q.query(
      `CREATE INDEX alerts_escalation_idx ON alerts (escalate_at, id)
         WHERE kind = 'overdue' AND closed_at IS NULL AND escalated_at IS NULL`,
    );
    await q.query(`DROP INDEX IF EXISTS dossiers_escalate_at_idx`);
    await q.query(`ALTER TABLE dossiers DROP COLUMN escalate_at`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dossiers ADD COLUMN escalate_at timestamptz`);
    await q.query(`CREATE INDEX dossiers_escalate_at_idx ON dossiers (escalate_at) WHERE escalate_at IS NOT NULL`);
    // The earlier release computed the column in the fold: marking the open dossiers as computed
    // with an older calendar makes its recompute sweep rebuild them from their events.
    await q.query(`UPDATE dossiers SET calendar_version = calendar_version - 1 WHERE ended_at IS NULL`);
    await q.query(`DROP INDEX alerts_escalation_idx`);
    await q.query(`ALTER TABLE alerts DROP COLUMN escalate_at, DROP COLUMN escalated_at`);
  }
}
