import { MigrationInterface, QueryRunner } from 'typeorm';

export class Dossiers1764500000000 implements MigrationInterface {
  name = 'Dossiers1764500000000';

  async up(q: QueryRunner): Promise<void> {
    // The projection of each dossier's events, for queries. `state` is the fold's snapshot, so a
    // live action applies one event instead of replaying the history; a rebuild replays it all.
    await q.query(`
      CREATE TABLE dossiers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE,
        procedure_id uuid NOT NULL REFERENCES procedures(id),
        procedure_version integer NOT NULL,
        procedure_code text NOT NULL,
        receiving_unit_id uuid NOT NULL REFERENCES units(id),
        handling_unit_id uuid NOT NULL REFERENCES units(id),
        current_step_unit_id uuid REFERENCES units(id),
        current_assignee_id uuid,
        unit_ids uuid[] NOT NULL,
        channel text NOT NULL CHECK (channel IN ('direct', 'online', 'postal')),
        status text NOT NULL CHECK (status IN ('received','in_progress','awaiting_supplement','awaiting_payment','resolved','returned','rejected','stopped','withdrawn')),
        version integer NOT NULL CHECK (version >= 1),
        received_at timestamptz NOT NULL,
        clock_start timestamptz NOT NULL,
        last_due_at timestamptz NOT NULL,
        paused_since timestamptz,
        due_at timestamptz,
        promised_at timestamptz,
        due_soon_at timestamptz,
        overdue_at timestamptz,
        escalate_at timestamptz,
        step_due_at timestamptz,
        ended_at timestamptz,
        returned_at timestamptz,
        outcome text CHECK (outcome IN ('early', 'on_time', 'late')),
        supplement_count integer NOT NULL DEFAULT 0,
        extension_count integer NOT NULL DEFAULT 0,
        applicant jsonb NOT NULL,
        summary text,
        flags jsonb NOT NULL DEFAULT '{}'::jsonb,
        lookup_key_hash text NOT NULL,
        state jsonb NOT NULL,
        calendar_version integer NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The SLA scan's hot paths: open, running dossiers by each precomputed deadline.
    for (const col of ['due_soon_at', 'overdue_at', 'escalate_at', 'step_due_at']) {
      await q.query(`CREATE INDEX dossiers_${col}_idx ON dossiers (${col}) WHERE ${col} IS NOT NULL`);
    }
    await q.query(`CREATE INDEX dossiers_unit_ids_idx ON dossiers USING gin (unit_ids)`);
    await q.query(`CREATE INDEX dossiers_received_idx ON dossiers (received_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX dossiers_open_status_idx ON dossiers (status, received_at DESC) WHERE ended_at IS NULL`,
    );
    await q.query(`CREATE INDEX dossiers_procedure_idx ON dossiers (procedure_code, received_at DESC)`);
    await q.query(`CREATE INDEX dossiers_receiving_unit_idx ON dossiers (receiving_unit_id, received_at DESC)`);
    await q.query(`CREATE INDEX dossiers_handling_unit_idx ON dossiers (handling_unit_id, received_at DESC)`);
    await q.query(`CREATE INDEX dossiers_calendar_version_idx ON dossiers (calendar_version) WHERE ended_at IS NULL`);

    // Append-only event log: every action, who, when, before/after status, payload.
    await q.query(`
      CREATE TABLE dossier_events (
        dossier_id uuid NOT NULL REFERENCES dossiers(id),
        seq integer NOT NULL CHECK (seq >= 1),
        action text NOT NULL,
        at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        actor_user_id uuid,
        from_status text,
        to_status text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}'::jsonb,
        external_id text,
        PRIMARY KEY (dossier_id, seq)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX dossier_events_external_uidx ON dossier_events (dossier_id, external_id) WHERE external_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX dossier_events_actor_idx ON dossier_events (actor_user_id, at) WHERE actor_user_id IS NOT NULL`,
    );
    await q.query(`
      CREATE FUNCTION dossier_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'dossier_events is append-only (% refused)', TG_OP;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossier_events_no_change BEFORE UPDATE OR DELETE ON dossier_events
      FOR EACH ROW EXECUTE FUNCTION dossier_events_append_only()`);

    // Per receiving unit and local day: the last number handed out. The row lock taken by the
    // upsert serialises concurrent intakes of one unit and day; a rolled-back intake gives its
    // number back, a committed one never reuses it.
    await q.query(`
      CREATE TABLE dossier_code_sequences (
        unit_id uuid NOT NULL REFERENCES units(id),
        day date NOT NULL,
        last integer NOT NULL,
        PRIMARY KEY (unit_id, day)
      )`);

    // Idempotency-Key: the first response to a (user, key), replayed for repeats.
    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id uuid NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status_code integer NOT NULL,
        response jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE dossier_code_sequences`);
    await q.query(`DROP TRIGGER dossier_events_no_change ON dossier_events`);
    await q.query(`DROP FUNCTION dossier_events_append_only()`);
    await q.query(`DROP TABLE dossier_events`);
    await q.query(`DROP TABLE dossiers`);
  }
}
