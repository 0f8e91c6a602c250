import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The portal gets a dossier's record whenever a field of it changes, not only at its next event. A
 * record fed by a one-stop system that does not sync to the portal itself may change the dossier's
 * record (its fee, its digitisation and reuse markers) without a new status, so without an event:
 * the outbox, driven by event numbers alone, never sent it (never at all for an ended dossier).
 * - portal_sync.record_rev: bumped by every such change; record_synced_rev: the revision the portal
 *   last accepted. A row is pending while an event or a record revision is unsent.
 * - The queue index's predicate says the same.
 */
export class PortalRecordChanges1767020000000 implements MigrationInterface {
  name = 'PortalRecordChanges1767020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE portal_sync ADD COLUMN record_rev integer NOT NULL DEFAULT 0,
         ADD COLUMN record_synced_rev integer NOT NULL DEFAULT 0`,
    );
    await q.query(`DROP INDEX portal_sync_queue_idx`);
    await q.query(
      `CREATE INDEX portal_sync_queue_idx ON portal_sync (backfill, pending_since, dossier_id)
         WHERE synced_seq < target_seq OR record_synced_rev < record_rev`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX portal_sync_queue_idx`);
    await q.query(
      `CREATE INDEX portal_sync_queue_idx ON portal_sync (backfill, pending_since, dossier_id) WHERE synced_seq < target_seq`,
    );
    await q.query(`ALTER TABLE portal_sync DROP COLUMN record_rev, DROP COLUMN record_synced_rev`);
  }
}
