import { MigrationInterface, QueryRunner } from 'typeorm';

export class ScanIndexes1764800000000 implements MigrationInterface {
  name = 'ScanIndexes1764800000000';

  async up(q: QueryRunner): Promise<void> {
    // Per-webhook delivery counts and lists (GET /webhooks, /webhooks/{id}/deliveries) by target.
    await q.query(
      `CREATE INDEX alert_deliveries_webhook_target_idx ON alert_deliveries (target, id) WHERE channel = 'webhook'`,
    );
    // The scan closes alerts of dossiers changed since its last run, ended ones included.
    await q.query(`CREATE INDEX dossiers_updated_idx ON dossiers (updated_at)`);
    await q.query(
      `CREATE INDEX alerts_due_soon_open_idx ON alerts (deadline_at) WHERE kind = 'due_soon' AND closed_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX alerts_due_soon_open_idx`);
    await q.query(`DROP INDEX dossiers_updated_idx`);
    await q.query(`DROP INDEX alert_deliveries_webhook_target_idx`);
  }
}
