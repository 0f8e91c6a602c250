import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The working-time calendar (current working hours and exceptions, one version counter, an
 * append-only change log) and the catalogue of procedures, versioned by effective date.
 * The calendar rows are seeded by the application on first start (CalendarService), not here:
 * the seed comes from config/calendars/vn-public-holidays.json.
 */
export class CatalogueCalendar1764400000000 implements MigrationInterface {
  name = 'CatalogueCalendar1764400000000';

  async up(q: QueryRunner): Promise<void> {
    // One row: the calendar's version (bumped in the transaction of every edit) and its working hours.
    await q.query(`
      CREATE TABLE calendar_settings (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        version integer NOT NULL CHECK (version >= 1),
        utc_offset_minutes integer NOT NULL DEFAULT 420,
        weekdays smallint[] NOT NULL CHECK (cardinality(weekdays) BETWEEN 1 AND 7),
        periods jsonb NOT NULL CHECK (jsonb_typeof(periods) = 'array' AND jsonb_array_length(periods) >= 1),
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid REFERENCES users(id)
      )`);
    // Days that differ from the weekly pattern: holidays and make-up working days.
    await q.query(`
      CREATE TABLE calendar_days (
        date date PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('holiday', 'working')),
        name text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid REFERENCES users(id)
      )`);
    // Every edit, append-only: the version it produced, who, when, what, before and after.
    await q.query(`
      CREATE TABLE calendar_changes (
        version integer PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_user_id uuid REFERENCES users(id),
        kind text NOT NULL CHECK (kind IN ('seed', 'day_set', 'day_deleted', 'working_hours_set')),
        date date,
        before jsonb,
        after jsonb
      )`);

    // Unit codes are unique whatever their case (H15.50 and h15.50 would be the same agency).
    await q.query(`CREATE UNIQUE INDEX units_code_lower_uidx ON units (lower(code))`);

    // A procedure's identity; its rules live in immutable versions.
    await q.query(`
      CREATE TABLE procedures (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$'),
        current_version integer NOT NULL CHECK (current_version >= 1),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX procedures_code_lower_uidx ON procedures (lower(code))`);
    // A dossier is judged by the rules in force when it was received: versions are never updated.
    await q.query(`
      CREATE TABLE procedure_versions (
        procedure_id uuid NOT NULL REFERENCES procedures(id),
        version integer NOT NULL CHECK (version >= 1),
        effective_from timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid REFERENCES users(id),
        name text NOT NULL,
        field text NOT NULL,
        unit_id uuid NOT NULL REFERENCES units(id),
        time_limit_amount integer NOT NULL CHECK (time_limit_amount BETWEEN 1 AND 3650),
        time_limit_unit text NOT NULL CHECK (time_limit_unit IN ('working_days', 'working_hours', 'calendar_days')),
        intake_cutoff text CHECK (intake_cutoff ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
        steps jsonb NOT NULL CHECK (jsonb_typeof(steps) = 'array' AND jsonb_array_length(steps) >= 1),
        online_level text NOT NULL CHECK (online_level IN ('none', 'partial', 'full')),
        fee_bearing boolean NOT NULL,
        paper_result_required boolean NOT NULL,
        -- Lower-case, diacritic-free forms for search and filters (computed by the application,
        -- so no unaccent extension and no dependence on the database's collation).
        search_text text NOT NULL,
        field_key text NOT NULL,
        PRIMARY KEY (procedure_id, version)
      )`);
    await q.query(`CREATE INDEX procedure_versions_unit_idx ON procedure_versions (unit_id)`);
    await q.query(`CREATE INDEX procedure_versions_effective_idx ON procedure_versions (procedure_id, effective_from)`);
    // "Is this unit used by a procedure step?" (unit deletion): jsonb containment on steps.
    await q.query(`CREATE INDEX procedure_versions_steps_idx ON procedure_versions USING gin (steps jsonb_path_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE procedure_versions`);
    await q.query(`DROP TABLE procedures`);
    await q.query(`DROP INDEX units_code_lower_uidx`);
    await q.query(`DROP TABLE calendar_changes`);
    await q.query(`DROP TABLE calendar_days`);
    await q.query(`DROP TABLE calendar_settings`);
  }
}
