import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1764300000000 implements MigrationInterface {
  name = 'Foundation1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE units (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$'),
        name text NOT NULL,
        parent_id uuid REFERENCES units(id),
        head_user_id uuid,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX units_parent_idx ON units (parent_id)`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        full_name text NOT NULL,
        email text,
        role text NOT NULL CHECK (role IN ('admin','reform_board','unit_head','officer','counter_staff')),
        unit_id uuid REFERENCES units(id),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_unit_required CHECK (role IN ('admin','reform_board') OR unit_id IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX users_unit_idx ON users (unit_id)`);
    await q.query(`ALTER TABLE units ADD CONSTRAINT units_head_fk FOREIGN KEY (head_user_id) REFERENCES users(id)`);
    // Failed sign-ins per (username, client address) and per address, for brute-force throttling.
    await q.query(`
      CREATE TABLE login_throttle (
        key text PRIMARY KEY,
        failures integer NOT NULL,
        window_started_at timestamptz NOT NULL,
        locked_until timestamptz
      )`);
    // Sign-ins and administrative changes: who did what, when, from where. Append-only.
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_user_id uuid,
        action text NOT NULL,
        entity text,
        entity_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        request_id text,
        client_ip text
      )`);
    await q.query(`CREATE INDEX audit_log_at_idx ON audit_log (at)`);
    // Results of system.probe jobs: proof that the queue pipeline (API or tick -> Redis -> worker -> Postgres) works.
    await q.query(`
      CREATE TABLE job_probes (
        probe_id text PRIMARY KEY,
        job_id text NOT NULL,
        worker_pid integer NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE job_probes`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP TABLE login_throttle`);
    await q.query(`ALTER TABLE units DROP CONSTRAINT units_head_fk`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TABLE units`);
  }
}
