import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console's queue filters by the current step's unit and assignee (issue 19), ordered by due
 * instant. Only open dossiers have a current step (ending clears it), so the indexes are partial
 * on a non-null column, which an equality condition on it implies: ended dossiers, the bulk of
 * the table, are not in them.
 */
export class QueueIndexes1765200000000 implements MigrationInterface {
  name = 'QueueIndexes1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX dossiers_open_step_unit_idx ON dossiers (current_step_unit_id, last_due_at) WHERE current_step_unit_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX dossiers_open_assignee_idx ON dossiers (current_assignee_id, last_due_at) WHERE current_assignee_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX dossiers_open_assignee_idx`);
    await q.query(`DROP INDEX dossiers_open_step_unit_idx`);
  }
}
