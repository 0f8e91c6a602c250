import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-webhook delivery counts and lists (GET /webhooks, /webhooks/{id}/deliveries) by target. */
export class DeliveryTargetIndex1764800000000 implements MigrationInterface {
  name = 'DeliveryTargetIndex1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX alert_deliveries_webhook_target_idx ON alert_deliveries (target, id) WHERE channel = 'webhook'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX alert_deliveries_webhook_target_idx`);
  }
}
