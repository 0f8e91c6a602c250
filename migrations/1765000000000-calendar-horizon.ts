import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A calendar that never runs out (docs/domain.md, "The statutory holiday rules"):
 * - `calendar_years`: each year's plan, provisional (generated from the Labour Code's rules) or
 *   official (the Government's decision, with the document's number, or confirmed by the board);
 * - `calendar_days.origin`: who put a day there (the official file, the generator, an administrator),
 *   so corrections shipped with a release never overwrite what an administrator decided;
 * - `calendar_hours`: office hours as a schedule with effective dates (seasonal hours);
 * - system alerts (no dossier): the calendar horizon alert to admins and the reform board.
 */
export class CalendarHorizon1765000000000 implements MigrationInterface {
  name = 'CalendarHorizon1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE calendar_years (
        year smallint PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
        status text NOT NULL CHECK (status IN ('official', 'provisional')),
        source text,
        confirmed_by uuid REFERENCES users(id),
        confirmed_at timestamptz,
        generated_at timestamptz NOT NULL DEFAULT now(),
        generator_version integer,
        CHECK (status = 'provisional' OR confirmed_at IS NOT NULL)
      )`);
    await q.query(`
      ALTER TABLE calendar_days
        ADD COLUMN origin text NOT NULL DEFAULT 'admin' CHECK (origin IN ('official', 'generated', 'admin')),
        ADD COLUMN source text`);
    // Rows written by the seed have no author; rows an administrator wrote keep theirs.
    await q.query(`UPDATE calendar_days SET origin = CASE WHEN updated_by IS NULL THEN 'official' ELSE 'admin' END`);
    await q.query(`
      INSERT INTO calendar_years (year, status, source, confirmed_at)
      SELECT DISTINCT extract(year FROM date)::smallint, 'official', 'config/calendars/vn-public-holidays.json', now()
      FROM calendar_days WHERE origin = 'official'`);

    await q.query(`
      CREATE TABLE calendar_hours (
        effective_from date PRIMARY KEY,
        weekdays smallint[] NOT NULL CHECK (cardinality(weekdays) BETWEEN 1 AND 7),
        periods jsonb NOT NULL CHECK (jsonb_typeof(periods) = 'array' AND jsonb_array_length(periods) >= 1),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid REFERENCES users(id)
      )`);
    await q.query(`
      INSERT INTO calendar_hours (effective_from, weekdays, periods, updated_by)
      SELECT DATE '2000-01-01', weekdays, periods, updated_by FROM calendar_settings`);

    await q.query(`ALTER TABLE calendar_changes DROP CONSTRAINT calendar_changes_kind_check`);
    await q.query(`
      ALTER TABLE calendar_changes ADD CONSTRAINT calendar_changes_kind_check CHECK (kind IN
        ('seed', 'day_set', 'day_deleted', 'working_hours_set', 'official_applied', 'year_generated', 'year_confirmed'))`);

    // System alerts have no dossier and no unit; one per kind, deadline and recipient.
    await q.query(`ALTER TABLE alerts ALTER COLUMN dossier_id DROP NOT NULL, ALTER COLUMN unit_id DROP NOT NULL`);
    await q.query(`ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check`);
    await q.query(`
      ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN
        ('due_soon', 'overdue', 'stalled', 'escalated', 'feedback_overdue', 'calendar_horizon'))`);
    await q.query(
      `ALTER TABLE alerts ADD CONSTRAINT alerts_system_check CHECK ((dossier_id IS NULL) = (kind = 'calendar_horizon'))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX alerts_system_key_uidx ON alerts (kind, deadline_at, recipient_user_id) WHERE dossier_id IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM alerts WHERE dossier_id IS NULL`);
    await q.query(`DROP INDEX alerts_system_key_uidx`);
    await q.query(`ALTER TABLE alerts DROP CONSTRAINT alerts_system_check`);
    await q.query(`ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check`);
    await q.query(`
      ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN
        ('due_soon', 'overdue', 'stalled', 'escalated', 'feedback_overdue'))`);
    await q.query(`ALTER TABLE alerts ALTER COLUMN dossier_id SET NOT NULL, ALTER COLUMN unit_id SET NOT NULL`);
    await q.query(
      `DELETE FROM calendar_changes WHERE kind IN ('official_applied', 'year_generated', 'year_confirmed')`,
    );
    await q.query(`ALTER TABLE calendar_changes DROP CONSTRAINT calendar_changes_kind_check`);
    await q.query(`
      ALTER TABLE calendar_changes ADD CONSTRAINT calendar_changes_kind_check CHECK (kind IN
        ('seed', 'day_set', 'day_deleted', 'working_hours_set'))`);
    await q.query(`DROP TABLE calendar_hours`);
    await q.query(`DELETE FROM calendar_days WHERE origin = 'generated'`);
    await q.query(`ALTER TABLE calendar_days DROP COLUMN origin, DROP COLUMN source`);
    await q.query(`DROP TABLE calendar_years`);
  }
}
