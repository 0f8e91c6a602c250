import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A delivery is claimed (claimed_until) in one short statement before it is sent, and recorded in
 * another right after the receiver accepted it, instead of being held by a row lock in a transaction
 * around the send: a PostgreSQL crash during the send no longer loses the record of an accepted
 * message (the worker writes it once the database is back), so the message is not sent again.
 */
export class DeliveryClaims1765300000000 implements MigrationInterface {
  name = 'DeliveryClaims1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alert_deliveries ADD COLUMN claimed_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alert_deliveries DROP COLUMN claimed_until`);
  }
}
