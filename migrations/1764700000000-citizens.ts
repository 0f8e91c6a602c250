import { MigrationInterface, QueryRunner } from 'typeorm';

export class Citizens1764700000000 implements MigrationInterface {
  name = 'Citizens1764700000000';

  async up(q: QueryRunner): Promise<void> {
    // One rating per dossier (docs/domain.md "Citizen rating"): the unique key, not a read-then-write,
    // is what refuses a second rating, so two concurrent ratings yield exactly one row.
    // The nine criteria in docs/domain.md order, each 0..2 (NULL elements fail the containment check).
    await q.query(`
      CREATE TABLE dossier_ratings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        dossier_id uuid NOT NULL UNIQUE REFERENCES dossiers(id),
        criteria smallint[] NOT NULL
          CHECK (cardinality(criteria) = 9 AND criteria <@ ARRAY[0, 1, 2]::smallint[]),
        verdict text NOT NULL CHECK (verdict IN ('very_satisfied', 'satisfied', 'dissatisfied')),
        comment text,
        rated_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX dossier_ratings_rated_idx ON dossier_ratings (rated_at DESC, id DESC)`);

    // Feedback (phản ánh, kiến nghị) on a dossier: assigned to a unit (the dossier's handling unit
    // when lodged), with its own deadline computed once, at lodging, on the working-time calendar.
    await q.query(`
      CREATE TABLE dossier_feedback (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        dossier_id uuid NOT NULL REFERENCES dossiers(id),
        unit_id uuid NOT NULL REFERENCES units(id),
        kind text NOT NULL CHECK (kind IN ('regulation', 'conduct', 'other')),
        content text NOT NULL,
        lodged_at timestamptz NOT NULL,
        due_at timestamptz NOT NULL CHECK (due_at > lodged_at),
        answer text,
        answered_at timestamptz,
        answered_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((answer IS NULL) = (answered_at IS NULL))
      )`);
    await q.query(`CREATE INDEX dossier_feedback_dossier_idx ON dossier_feedback (dossier_id, lodged_at)`);
    await q.query(`CREATE INDEX dossier_feedback_unit_idx ON dossier_feedback (unit_id, lodged_at DESC, id DESC)`);
    await q.query(`CREATE INDEX dossier_feedback_lodged_idx ON dossier_feedback (lodged_at DESC, id DESC)`);
    // The overdue scan: open feedback by deadline.
    await q.query(`CREATE INDEX dossier_feedback_open_due_idx ON dossier_feedback (due_at) WHERE answered_at IS NULL`);
    // Closing feedback alerts once answered looks up the open ones by dossier and deadline.
    await q.query(
      `CREATE INDEX alerts_feedback_open_idx ON alerts (dossier_id, deadline_at) WHERE kind = 'feedback_overdue' AND closed_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX alerts_feedback_open_idx`);
    await q.query(`DROP TABLE dossier_feedback`);
    await q.query(`DROP TABLE dossier_ratings`);
  }
}
