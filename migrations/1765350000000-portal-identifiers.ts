import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The national public-service portal's identifiers:
 * - units.portal_code: the unit's identifier code on the portal (e.g. 000.00.01.H22), optional and unique
 *   (ignoring case). Exchanged records name their receiving unit by it, and under Decree 118/2025 (Art. 28)
 *   dossier codes are built from it where a unit has one.
 * - dossiers.portal_synced_at: when the dossier was last accepted by the portal (null: never). Indicator
 *   1.4 of the 766 index counts dossiers actually synced, not a flag declared at intake.
 */
export class PortalIdentifiers1765350000000 implements MigrationInterface {
  name = 'PortalIdentifiers1765350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE units ADD COLUMN portal_code text`);
    await q.query(
      `ALTER TABLE units ADD CONSTRAINT units_portal_code_format CHECK (portal_code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$')`,
    );
    await q.query(
      `CREATE UNIQUE INDEX units_portal_code_key ON units (lower(portal_code)) WHERE portal_code IS NOT NULL`,
    );
    await q.query(`ALTER TABLE dossiers ADD COLUMN portal_synced_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dossiers DROP COLUMN portal_synced_at`);
    await q.query(`DROP INDEX units_portal_code_key`);
    await q.query(`ALTER TABLE units DROP CONSTRAINT units_portal_code_format`);
    await q.query(`ALTER TABLE units DROP COLUMN portal_code`);
  }
}
