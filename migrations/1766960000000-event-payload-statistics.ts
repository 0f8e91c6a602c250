import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ANALYZE of the event log's partitions no longer builds statistics for `payload` (jsonb), on the
 * partitions there are and on those the worker creates ahead (through `partitioned_tables.local_keys`,
 * the statements `partition_create_month` runs on every new partition before attaching it;
 * PostgreSQL does not carry a column's statistics target from the partitioned table to a partition
 * created or attached later).
 *
 * Why: autovacuum analyses the current month's partition every minute or two under live load (it
 * is insert-only, and 10% new rows is its trigger), and its VACUUM ANALYZE was among the soak's
 * bursts of CPU (0.3-0.5 s). On a partition of 62,698 events (copies of the demo's) ANALYZE took
 * 174-200 ms, and 118-158 ms without the payload's statistics (sorting and comparing jsonb
 * documents); no plan reads them: the payload is read with its event, never compared whole in a
 * condition.
 */
const SETTING = 'ALTER TABLE %1$s ALTER COLUMN payload SET STATISTICS 0';

export class EventPayloadStatistics1766960000000 implements MigrationInterface {
  name = 'EventPayloadStatistics1766960000000';

  async up(q: QueryRunner): Promise<void> {
    // On the partitioned table, the setting reaches every existing partition (and `_default`).
    await q.query(`ALTER TABLE dossier_events ALTER COLUMN payload SET STATISTICS 0`);
    await q.query(
      `UPDATE partitioned_tables SET local_keys = local_keys || $1::text WHERE table_name = 'dossier_events'`,
      [SETTING],
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE partitioned_tables SET local_keys = array_remove(local_keys, $1::text) WHERE table_name = 'dossier_events'`,
      [SETTING],
    );
    await q.query(`ALTER TABLE dossier_events ALTER COLUMN payload SET STATISTICS -1`);
  }
}
