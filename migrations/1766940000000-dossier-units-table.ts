import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which units see a dossier (its `unit_ids`: the receiving unit and the units of the procedure's
 * steps) is indexed in a table of its own, `dossier_units` (unit, dossier), instead of a GIN index
 * on `dossiers.unit_ids`.
 *
 * Why: every live action updates the dossier row and changes indexed columns (status, step, due
 * instants), so PostgreSQL writes a new row version with an entry in every index of `dossiers`;
 * for the GIN index that was one entry per unit of the array, although the array never changes
 * after intake. Those entries went to the index's pending list, which autovacuum flushed into the
 * posting trees every minute under the soak's load (140-150 pages), inside the vacuum of `dossiers`
 * that the slowest seconds coincide with; with the pending list turned off, a vacuum of the posting
 * tree of a busy unit holds it against every insert of that unit's dossiers for the whole pass.
 * An action also took two more relation locks (the index's), past the 16 a backend keeps without
 * the shared lock table.
 *
 * Now the pairs are written once per dossier at intake (a statement trigger on the inserted rows),
 * and rewritten only if `unit_ids` changes (a row trigger on that column: no action sets it). The
 * list's unit filters are an EXISTS on this table (a probe of each row walked on `(dossier_id,
 * unit_id)`, or the unit's own pairs on the primary key when it sees few dossiers);
 * `dossiers.unit_ids` stays, read with the row (authorization in the API, filters on rows found by
 * other means).
 */
export class DossierUnitsTable1766940000000 implements MigrationInterface {
  name = 'DossierUnitsTable1766940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dossier_units (
        unit_id uuid NOT NULL,
        dossier_id uuid NOT NULL REFERENCES dossiers (id) ON DELETE CASCADE,
        PRIMARY KEY (unit_id, dossier_id)
      )`);
    await q.query(
      `INSERT INTO dossier_units (unit_id, dossier_id) SELECT DISTINCT u, d.id FROM dossiers d, unnest(d.unit_ids) u`,
    );
    // A dossier's pairs: the list's probe of a row it walks in its own order (index-only: both
    // columns are in the key), the cascade from a deleted dossier, and the update trigger.
    await q.query(`CREATE INDEX dossier_units_dossier_idx ON dossier_units (dossier_id, unit_id)`);
    await q.query(`
      CREATE FUNCTION dossier_units_inserted() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        INSERT INTO dossier_units (unit_id, dossier_id) SELECT DISTINCT u, n.id FROM new_rows n, unnest(n.unit_ids) u;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossiers_units_insert AFTER INSERT ON dossiers REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION dossier_units_inserted()`);
    await q.query(`
      CREATE FUNCTION dossier_units_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM dossier_units WHERE dossier_id = NEW.id AND NOT (unit_id = ANY (NEW.unit_ids));
        INSERT INTO dossier_units (unit_id, dossier_id) SELECT DISTINCT u, NEW.id FROM unnest(NEW.unit_ids) u
        ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossiers_units_update AFTER UPDATE OF unit_ids ON dossiers FOR EACH ROW
      WHEN (OLD.unit_ids IS DISTINCT FROM NEW.unit_ids)
      EXECUTE FUNCTION dossier_units_updated()`);
    await q.query(`DROP INDEX dossiers_unit_ids_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX dossiers_unit_ids_idx ON dossiers USING gin (unit_ids)`);
    await q.query(`DROP TRIGGER dossiers_units_update ON dossiers`);
    await q.query(`DROP TRIGGER dossiers_units_insert ON dossiers`);
    await q.query(`DROP FUNCTION dossier_units_updated()`);
    await q.query(`DROP FUNCTION dossier_units_inserted()`);
    await q.query(`DROP TABLE dossier_units`);
  }
}
