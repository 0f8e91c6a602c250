import { MigrationInterface, QueryRunner } from 'typeorm';

export class Sla1764600000000 implements MigrationInterface {
  name = 'Sla1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // The alert ledger: one row per dossier, kind, deadline and recipient. The unique key makes
    // rescans, retries, concurrent scans and restarts harmless (INSERT ... ON CONFLICT DO NOTHING).
    await q.query(`
      CREATE TABLE alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('due_soon', 'overdue', 'stalled', 'escalated', 'feedback_overdue')),
        dossier_id uuid NOT NULL REFERENCES dossiers(id),
        unit_id uuid NOT NULL REFERENCES units(id),
        recipient_user_id uuid REFERENCES users(id),
        deadline_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz,
        acknowledged_at timestamptz,
        acknowledged_by uuid REFERENCES users(id)
      )`);
    await q.query(`
      CREATE UNIQUE INDEX alerts_key_uidx ON alerts
        (dossier_id, kind, deadline_at, coalesce(recipient_user_id, '00000000-0000-0000-0000-000000000000'::uuid))`);
    await q.query(`CREATE INDEX alerts_open_idx ON alerts (dossier_id) WHERE closed_at IS NULL`);
    await q.query(`CREATE INDEX alerts_recipient_idx ON alerts (recipient_user_id, created_at DESC)`);
    await q.query(`CREATE INDEX alerts_unit_idx ON alerts (unit_id, created_at DESC)`);
    await q.query(`CREATE INDEX alerts_created_idx ON alerts (created_at DESC, id DESC)`);

    // Where the scan got to, per kind: the next scan looks at deadlines passed since then and at
    // dossiers changed since then (a resumed dossier may bring back a deadline already past).
    await q.query(`CREATE TABLE sla_scan_state (kind text PRIMARY KEY, scanned_until timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX dossiers_open_updated_idx ON dossiers (updated_at) WHERE ended_at IS NULL`);

    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url text NOT NULL,
        secret text NOT NULL,
        kinds text[] NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid REFERENCES users(id)
      )`);

    // The outbox: one row per alert, channel and target, written with the alert. Jobs send them;
    // a sweep re-enqueues those still pending, so losing Redis delays a delivery, never loses it.
    await q.query(`
      CREATE TABLE alert_deliveries (
        id bigserial PRIMARY KEY,
        alert_id uuid NOT NULL REFERENCES alerts(id),
        channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
        target text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        sent_at timestamptz,
        UNIQUE (alert_id, channel, target)
      )`);
    await q.query(
      `CREATE INDEX alert_deliveries_pending_idx ON alert_deliveries (created_at) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alert_deliveries`);
    await q.query(`DROP TABLE webhooks`);
    await q.query(`DROP INDEX dossiers_open_updated_idx`);
    await q.query(`DROP TABLE sla_scan_state`);
    await q.query(`DROP TABLE alerts`);
  }
}
