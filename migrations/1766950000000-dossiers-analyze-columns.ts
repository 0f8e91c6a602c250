import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ANALYZE of `dossiers` no longer builds statistics for its five document columns: the applicant,
 * the folded state, the portal's facts, the flags (jsonb) and the summary (free text).
 *
 * Why: autovacuum analyses `dossiers` about once a minute under a province's live load (every
 * action rewrites a row, and 10% of the table changed is its trigger), and that ANALYZE was the
 * largest burst of CPU the soak saw: 0.76-0.82 s for 16,400 dossiers, on a 2-core machine that also
 * serves the requests (its slowest seconds coincide with it). Half of it went to sorting and
 * comparing those documents (applicant +150 ms, portal facts +130 ms, flags +85 ms measured one
 * column at a time), and no plan reads what it produces: no query compares these columns whole
 * (they are read with the row, or through expressions such as `flags ->> 'digitised'` inside
 * functions, whose estimates never came from column statistics), and the counter's search reads
 * `dossier_search`. With the target at 0, ANALYZE skips them; every other column keeps the default.
 */
const COLUMNS = ['applicant', 'state', 'portal_facts', 'flags', 'summary'];

export class DossiersAnalyzeColumns1766950000000 implements MigrationInterface {
  name = 'DossiersAnalyzeColumns1766950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dossiers ${COLUMNS.map((c) => `ALTER COLUMN ${c} SET STATISTICS 0`).join(', ')}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dossiers ${COLUMNS.map((c) => `ALTER COLUMN ${c} SET STATISTICS -1`).join(', ')}`);
  }
}
