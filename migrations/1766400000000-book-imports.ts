import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backfill from the tracking book's files (`npm run import -- FILE`): one checkpoint per file
 * (its SHA-256), source and column mapping, advanced after every batch written, so an interrupted
 * import resumes after the rows already done. The refused-rows CSV's length is kept beside it: a
 * resumed run cuts that file back to it before appending, so no refused row is written twice.
 */
export class BookImports1766400000000 implements MigrationInterface {
  name = 'BookImports1766400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE book_imports (
        file_hash text NOT NULL,
        source_id uuid NOT NULL REFERENCES integration_sources (id),
        mapping_hash text NOT NULL,
        file_name text NOT NULL,
        rows_done int NOT NULL DEFAULT 0,
        applied int NOT NULL DEFAULT 0,
        unchanged int NOT NULL DEFAULT 0,
        refused int NOT NULL DEFAULT 0,
        refused_bytes bigint NOT NULL DEFAULT 0,
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        PRIMARY KEY (file_hash, source_id, mapping_hash)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE book_imports`);
  }
}
