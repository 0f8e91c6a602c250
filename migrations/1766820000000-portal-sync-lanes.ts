import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two lanes in the portal's outbox (docs/http-api.md, "Exchange"): a dossier whose pending change
 * was written by an import (the tracking-book backfill, POST /imports/dossiers: the writer sets
 * `sla.change_cause` to 'import' in its transaction) is `backfill`; any other change (intake,
 * action, a source's feed) is live. The sweep hands live dossiers to the worker first and their
 * jobs outrank the history's, so a year of imported history never holds a new dossier back.
 * - A live change to a dossier still waiting as backfill moves it to the live lane; an import does
 *   not move a waiting live dossier back. Once the portal has everything, the next change decides.
 * - portal_sync_pending_idx (pending_since, dossier_id) becomes portal_sync_queue_idx (backfill,
 *   pending_since, dossier_id): the order in which the sweep reads the waiting dossiers.
 * portal_sync_enqueue() is the exchange migration's function (1765600000000, the only one to define
 * it) with the lane added.
 */
export class PortalSyncLanes1766820000000 implements MigrationInterface {
  name = 'PortalSyncLanes1766820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE portal_sync ADD COLUMN backfill boolean NOT NULL DEFAULT false`);
    await q.query(`DROP INDEX portal_sync_pending_idx`);
    await q.query(
      `CREATE INDEX portal_sync_queue_idx ON portal_sync (backfill, pending_since, dossier_id) WHERE synced_seq < target_seq`,
    );
    await q.query(`
      CREATE OR REPLACE FUNCTION portal_sync_enqueue() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      DECLARE
        imported boolean := coalesce(current_setting('sla.change_cause', true), '') = 'import';
      BEGIN
        INSERT INTO portal_sync AS p (dossier_id, target_seq, backfill)
        SELECT n.dossier_id, max(n.seq), imported FROM new_events n
        JOIN dossiers d ON d.id = n.dossier_id
        LEFT JOIN integration_sources s ON s.id = d.source_id
        WHERE s.id IS NULL OR NOT s.syncs_to_portal
        GROUP BY n.dossier_id
        ON CONFLICT (dossier_id) DO UPDATE SET
          target_seq = GREATEST(p.target_seq, EXCLUDED.target_seq),
          pending_since = CASE WHEN p.synced_seq >= p.target_seq THEN now() ELSE p.pending_since END,
          backfill = CASE WHEN p.synced_seq >= p.target_seq THEN EXCLUDED.backfill
                          ELSE p.backfill AND EXCLUDED.backfill END;
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION portal_sync_enqueue() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        INSERT INTO portal_sync AS p (dossier_id, target_seq)
        SELECT n.dossier_id, max(n.seq) FROM new_events n
        JOIN dossiers d ON d.id = n.dossier_id
        LEFT JOIN integration_sources s ON s.id = d.source_id
        WHERE s.id IS NULL OR NOT s.syncs_to_portal
        GROUP BY n.dossier_id
        ON CONFLICT (dossier_id) DO UPDATE SET
          target_seq = GREATEST(p.target_seq, EXCLUDED.target_seq),
          pending_since = CASE WHEN p.synced_seq >= p.target_seq THEN now() ELSE p.pending_since END;
        RETURN NULL;
      END $$`);
    await q.query(`DROP INDEX portal_sync_queue_idx`);
    await q.query(
      `CREATE INDEX portal_sync_pending_idx ON portal_sync (pending_since, dossier_id) WHERE synced_seq < target_seq`,
    );
    await q.query(`ALTER TABLE portal_sync DROP COLUMN backfill`);
  }
}
