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
    // The claim of a message before it is sent, in one round trip (a worker sends hundreds a second):
    // lock the row; skip it if the citizen withdrew consent; wait if it is scheduled later (quiet
    // hours); count the number's messages of the day under a lock per number (the daily cap), and
    // move it to the next morning when the cap is reached; else claim it for the lease.
    await q.query(`
      CREATE FUNCTION claim_citizen_message(p_id uuid, p_lease_ms bigint, p_now timestamptz,
                                            p_day_start timestamptz, p_next_morning timestamptz, p_cap int)
      RETURNS TABLE (kind text, wait_until timestamptz, message jsonb) LANGUAGE plpgsql AS $$
      DECLARE
        r record;
        n int;
      BEGIN
        SELECT cm.*, (cm.claimed_until IS NOT NULL AND cm.claimed_until > now()) AS claimed,
               coalesce(CASE WHEN cm.channel = 'email' THEN c.email_on
                             WHEN cm.channel = 'zalo' THEN c.zalo
                             WHEN cm.fallback_of IS NOT NULL THEN c.zalo OR c.sms
                             ELSE c.sms END, false) AS consented
          INTO r
          FROM citizen_messages cm LEFT JOIN message_consents c ON c.dossier_id = cm.dossier_id
         WHERE cm.id = p_id FOR UPDATE OF cm;
        IF NOT FOUND OR r.status <> 'queued' OR r.claimed THEN
          RETURN QUERY SELECT 'none'::text, NULL::timestamptz, NULL::jsonb;
          RETURN;
        END IF;
        IF NOT r.consented THEN
          UPDATE citizen_messages SET status = 'skipped', error = 'consent withdrawn', params = params - 'lookupKey'
           WHERE id = p_id;
          RETURN QUERY SELECT 'skipped'::text, NULL::timestamptz, NULL::jsonb;
          RETURN;
        END IF;
        IF r.scheduled_for IS NOT NULL AND r.scheduled_for > p_now THEN
          RETURN QUERY SELECT 'wait'::text, r.scheduled_for, NULL::jsonb;
          RETURN;
        END IF;
        IF r.channel <> 'email' THEN
          PERFORM pg_advisory_xact_lock(hashtextextended('message-cap:' || r.to_address, 7));
          SELECT count(*) INTO n FROM citizen_messages
           WHERE to_address = r.to_address AND channel <> 'email' AND id <> p_id
             AND (sent_at >= p_day_start OR (status = 'queued' AND claimed_until > now()));
          IF n >= p_cap THEN
            UPDATE citizen_messages SET scheduled_for = p_next_morning, error = 'daily cap reached' WHERE id = p_id;
            RETURN QUERY SELECT 'wait'::text, p_next_morning, NULL::jsonb;
            RETURN;
          END IF;
        END IF;
        UPDATE citizen_messages SET claimed_until = now() + p_lease_ms * interval '1 millisecond' WHERE id = p_id;
        RETURN QUERY SELECT 'claimed'::text, NULL::timestamptz,
          jsonb_build_object('id', r.id, 'dossier_id', r.dossier_id, 'unit_id', r.unit_id, 'milestone', r.milestone,
                             'occurrence', r.occurrence, 'channel', r.channel, 'to_address', r.to_address,
                             'params', r.params, 'attempts', r.attempts, 'fallback_of', r.fallback_of);
      END $$`);
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
    await q.query(`DROP FUNCTION claim_citizen_message(uuid, bigint, timestamptz, timestamptz, timestamptz, int)`);
    await q.query(`DROP TABLE citizen_messages`);
    await q.query(`DROP TABLE message_consents`);
  }
}
