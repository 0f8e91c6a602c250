import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The failed-sync list's alert (docs/http-api.md, "Exchange"): `portal_sync_failing`, a system alert
 * (no dossier) to every admin while the list holds more than PORTAL_SYNC_ALERT_THRESHOLD dossiers.
 * The kinds allowed so far are read from the constraint itself, so every kind an earlier migration
 * added stays allowed; alerts_system_check (system alerts have no dossier) names it beside
 * calendar_horizon.
 */
export class PortalSyncAlert1766400000001 implements MigrationInterface {
  name = 'PortalSyncAlert1766400000001';

  private async kinds(q: QueryRunner): Promise<Set<string>> {
    const [{ def }]: { def: string }[] = await q.query(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'alerts_kind_check' AND conrelid = 'alerts'::regclass`,
    );
    return new Set([...def.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]));
  }

  private async setKinds(q: QueryRunner, kinds: Set<string>): Promise<void> {
    await q.query(`ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check`);
    await q.query(
      `ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN (${[...kinds].map((k) => `'${k}'`).join(', ')}))`,
    );
  }

  async up(q: QueryRunner): Promise<void> {
    const kinds = await this.kinds(q);
    kinds.add('portal_sync_failing');
    await this.setKinds(q, kinds);
    // System alerts (no dossier): calendar_horizon (the only one so far) and this one.
    await q.query(`ALTER TABLE alerts DROP CONSTRAINT alerts_system_check`);
    await q.query(
      `ALTER TABLE alerts ADD CONSTRAINT alerts_system_check
       CHECK ((dossier_id IS NULL) = (kind IN ('calendar_horizon', 'portal_sync_failing')))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM alerts WHERE kind = 'portal_sync_failing'`);
    await q.query(`ALTER TABLE alerts DROP CONSTRAINT alerts_system_check`);
    await q.query(
      `ALTER TABLE alerts ADD CONSTRAINT alerts_system_check CHECK ((dossier_id IS NULL) = (kind = 'calendar_horizon'))`,
    );
    const kinds = await this.kinds(q);
    kinds.delete('portal_sync_failing');
    await this.setKinds(q, kinds);
  }
}
