import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The write path near the database's limit (issue 18):
 * - `next_dossier_number(unit, day)`: the unit's daily number in a transaction of its own, committed
 *   without waiting for the disk (synchronous_commit off for that commit only), so intakes of one unit
 *   no longer queue on the row lock for the length of each other's disk flush. Its durability comes
 *   from the dossier's own commit: the counter's commit record precedes the dossier's in the WAL, and
 *   flushing a record flushes everything before it, so a number a committed dossier carries can never
 *   be handed out again, even after a crash. A number whose dossier then fails is a gap (allowed).
 *   A procedure, because only a procedure may COMMIT; CALL it outside any transaction.
 * - `catalogue_versions`: a counter bumped in the same transaction as any change to units,
 *   procedures or their versions, so each API process serves the catalogue from memory and reloads it
 *   when the counter moved.
 * - `dossiers_open_updated_idx` dropped: `dossiers_updated_idx` (all rows, same column) answers the
 *   scan's "changed since" reads too, and every write paid for both.
 */
export class WritePath1766200000000 implements MigrationInterface {
  name = 'WritePath1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE PROCEDURE next_dossier_number(p_unit uuid, p_day date, INOUT n integer)
       LANGUAGE plpgsql AS $$
       BEGIN
         -- SET LOCAL: for this transaction's commit only.
         PERFORM set_config('synchronous_commit', 'off', true);
         INSERT INTO dossier_code_sequences AS s (unit_id, day, last) VALUES (p_unit, p_day, 1)
         ON CONFLICT (unit_id, day) DO UPDATE SET last = s.last + 1
         RETURNING last INTO n;
         COMMIT;
       END $$`,
    );
    await q.query(`CREATE TABLE catalogue_versions (id smallint PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)`);
    await q.query(`INSERT INTO catalogue_versions (id, version) VALUES (1, 1)`);
    await q.query(
      `CREATE FUNCTION catalogue_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE catalogue_versions SET version = version + 1 WHERE id = 1;
         RETURN NULL;
       END $$`,
    );
    for (const t of ['units', 'procedures', 'procedure_versions']) {
      await q.query(
        `CREATE TRIGGER ${t}_catalogue_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${t}
         FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump()`,
      );
    }
    await q.query(`DROP INDEX dossiers_open_updated_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX dossiers_open_updated_idx ON dossiers (updated_at) WHERE ended_at IS NULL`);
    for (const t of ['units', 'procedures', 'procedure_versions']) {
      await q.query(`DROP TRIGGER ${t}_catalogue_version ON ${t}`);
    }
    await q.query(`DROP FUNCTION catalogue_version_bump()`);
    await q.query(`DROP TABLE catalogue_versions`);
    await q.query(`DROP PROCEDURE next_dossier_number(uuid, date, integer)`);
  }
}
