import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Messages to citizens (SMS, Zalo ZNS, e-mail): the applicant's consent per dossier, one outbox row
 * per milestone occurrence and channel (unique: a milestone is messaged at most once per channel,
 * whatever retries, restarts or workers do), and the Zalo access/refresh token pair (Zalo rotates
 * the refresh token at every refresh: the newest one must survive restarts and be shared by workers).
 */
export class CitizenMessages1765700000000 implements MigrationInterface {
  name = 'CitizenMessages1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE message_consents (
        dossier_id uuid PRIMARY KEY REFERENCES dossiers(id) ON DELETE CASCADE,
        phone text,
        email text,
        sms boolean NOT NULL DEFAULT false,
        zalo boolean NOT NULL DEFAULT false,
        email_on boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE citizen_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Insertion order: the history lists a dossier's messages in it (instants may tie).
        serial bigint GENERATED ALWAYS AS IDENTITY,
        dossier_id uuid NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
        unit_id uuid NOT NULL REFERENCES units(id),
        milestone text NOT NULL,
        occurrence text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('sms', 'zalo', 'email')),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'delivered', 'failed', 'skipped')),
        to_address text NOT NULL,
        template_version text NOT NULL,
        params jsonb NOT NULL,
        fallback_of uuid REFERENCES citizen_messages(id),
        scheduled_for timestamptz,
        attempts int NOT NULL DEFAULT 0,
        claimed_until timestamptz,
        provider_message_id text,
        segments int,
        cost_vnd int,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        sent_at timestamptz,
        delivered_at timestamptz,
        CONSTRAINT citizen_messages_once UNIQUE (dossier_id, milestone, occurrence, channel)
      )`);
    await q.query(`CREATE INDEX citizen_messages_dossier ON citizen_messages (dossier_id, serial)`);
    await q.query(`CREATE INDEX citizen_messages_queued ON citizen_messages (created_at, id) WHERE status = 'queued'`);
    // The daily cap counts a number's messages sent (or being sent) since local midnight.
    await q.query(`CREATE INDEX citizen_messages_cap ON citizen_messages (to_address, sent_at)`);
    await q.query(
      `CREATE INDEX citizen_messages_provider_id ON citizen_messages (channel, provider_message_id) WHERE provider_message_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX citizen_messages_report ON citizen_messages (unit_id, created_at)`);
    await q.query(`
      CREATE TABLE zalo_tokens (
        id smallint PRIMARY KEY CHECK (id = 1),
        access_token text,
        refresh_token text NOT NULL,
        expires_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE zalo_tokens`);
    await q.query(`DROP TABLE citizen_messages`);
    await q.query(`DROP TABLE message_consents`);
  }
}
