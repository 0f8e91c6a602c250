import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dossiers fed by a source system that puts its dossiers on the national portal itself
 * (integration_sources.syncs_to_portal) are on the portal, but `portal_synced_at` was set only by our
 * own sync, which never sends them: Decision 766 indicator 1.4 counted them as not synchronised, and
 * 3.3 (× the sync rate) lost its points with them, for a province fed by its one-stop system. The
 * feed now sets it when it takes such a dossier; this gives the dossiers fed before it the instant
 * they were written. The report triggers fold the change into the summaries (and, for a closed
 * period, into its adjustments), as for any change of the column.
 */
export class FedDossiersSynced1766990000000 implements MigrationInterface {
  name = 'FedDossiersSynced1766990000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE dossiers d SET portal_synced_at = d.created_at
       FROM integration_sources s
       WHERE d.source_id = s.id AND s.syncs_to_portal AND d.portal_synced_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Our sync never sends such dossiers (no portal_sync row): the instant can only be this fix's.
    await q.query(
      `UPDATE dossiers d SET portal_synced_at = NULL
       FROM integration_sources s
       WHERE d.source_id = s.id AND s.syncs_to_portal
         AND NOT EXISTS (SELECT 1 FROM portal_sync p WHERE p.dossier_id = d.id)`,
    );
  }
}
