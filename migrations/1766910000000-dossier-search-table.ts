import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The counter's search text (code, applicant's name, id number and phone, folded) moves out of
 * `dossiers` into a table of its own, `dossier_search`, with the trigram index.
 *
 * Why: every live action updates the dossier row and changes indexed columns (status, step, due
 * instants), so PostgreSQL writes a new row version with new entries in every index of the table;
 * for the trigram index that was some sixty entries per action (one per trigram of the text),
 * although the text never changes after intake. Those entries filled the index's pending list,
 * whose flush (every 20-60 s under load, 4 MB at a time) was done by whichever request crossed the
 * limit or by autovacuum, a stall of hundreds of milliseconds (the soak's diagnostics). The
 * generated column was also recomputed (fold, regular expression) on every update.
 *
 * Now the text is written once per dossier at intake (a statement trigger on the inserted rows),
 * and rewritten only when the code or the applicant changes (a row trigger on those two columns,
 * so a live action, which sets neither, never fires it). The same folding, the same expression.
 */
const TEXT = (r: string) =>
  `sla_search_fold(${r}.code || ' ' || coalesce(${r}.applicant->>'fullName', '') || ' ' || coalesce(${r}.applicant->>'idNumber', '')
     || ' ' || regexp_replace(coalesce(${r}.applicant->>'phone', ''), '[^0-9+]', '', 'g'))`;

export class DossierSearchTable1766910000000 implements MigrationInterface {
  name = 'DossierSearchTable1766910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dossier_search (
        dossier_id uuid PRIMARY KEY REFERENCES dossiers (id) ON DELETE CASCADE,
        search_text text NOT NULL
      )`);
    await q.query(`INSERT INTO dossier_search (dossier_id, search_text) SELECT id, ${TEXT('d')} FROM dossiers d`);
    await q.query(`CREATE INDEX dossier_search_trgm_idx ON dossier_search USING gin (search_text gin_trgm_ops)`);
    await q.query(`
      CREATE FUNCTION dossier_search_inserted() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        INSERT INTO dossier_search (dossier_id, search_text) SELECT n.id, ${TEXT('n')} FROM new_rows n;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossiers_search_insert AFTER INSERT ON dossiers REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION dossier_search_inserted()`);
    await q.query(`
      CREATE FUNCTION dossier_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE dossier_search SET search_text = ${TEXT('NEW')} WHERE dossier_id = NEW.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossiers_search_update AFTER UPDATE OF code, applicant ON dossiers FOR EACH ROW
      WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.applicant IS DISTINCT FROM NEW.applicant)
      EXECUTE FUNCTION dossier_search_updated()`);
    await q.query(`ALTER TABLE dossiers DROP COLUMN search_text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE dossiers ADD COLUMN search_text text GENERATED ALWAYS AS (sla_search_fold(
         code || ' ' || coalesce(applicant->>'fullName', '') || ' ' || coalesce(applicant->>'idNumber', '')
         || ' ' || regexp_replace(coalesce(applicant->>'phone', ''), '[^0-9+]', '', 'g'))) STORED`,
    );
    await q.query(`CREATE INDEX dossiers_search_trgm_idx ON dossiers USING gin (search_text gin_trgm_ops)`);
    await q.query(`DROP TRIGGER dossiers_search_update ON dossiers`);
    await q.query(`DROP TRIGGER dossiers_search_insert ON dossiers`);
    await q.query(`DROP FUNCTION dossier_search_updated()`);
    await q.query(`DROP FUNCTION dossier_search_inserted()`);
    await q.query(`DROP TABLE dossier_search`);
  }
}
