import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The claim of many citizen messages in one round trip and one commit (a worker sending hundreds a
 * second claimed them one statement and one commit each). The same rules as claim_citizen_message
 * (migration 1765700000000), per message, in one transaction:
 * - the rows are locked first, in id order, and then the daily-cap locks of their numbers, in key
 *   order: two batches (or a batch and a single claim) never wait on each other in a cycle;
 * - messages are then decided one after the other in id order, so a number's second message in
 *   the batch counts the first one's claim against the daily cap.
 * Ids with no row answer `none`.
 */
export class ClaimCitizenMessagesBatch1766500000001 implements MigrationInterface {
  name = 'ClaimCitizenMessagesBatch1766500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION claim_citizen_messages(p_ids uuid[], p_lease_ms bigint, p_now timestamptz,
                                             p_day_start timestamptz, p_next_morning timestamptz, p_cap int)
      RETURNS TABLE (id uuid, kind text, wait_until timestamptz, message jsonb) LANGUAGE plpgsql AS $$
      DECLARE
        r record;
        k bigint;
        n int;
      BEGIN
        PERFORM 1 FROM citizen_messages cm WHERE cm.id = ANY(p_ids) ORDER BY cm.id FOR UPDATE OF cm;
        FOR k IN
          SELECT DISTINCT hashtextextended('message-cap:' || cm.to_address, 7)
            FROM citizen_messages cm
           WHERE cm.id = ANY(p_ids) AND cm.channel <> 'email' AND cm.status = 'queued'
           ORDER BY 1
        LOOP
          PERFORM pg_advisory_xact_lock(k);
        END LOOP;
        FOR r IN
          SELECT cm.*, (cm.claimed_until IS NOT NULL AND cm.claimed_until > now()) AS claimed,
                 coalesce(CASE WHEN cm.channel = 'email' THEN c.email_on
                               WHEN cm.channel = 'zalo' THEN c.zalo
                               WHEN cm.fallback_of IS NOT NULL THEN c.zalo OR c.sms
                               ELSE c.sms END, false) AS consented
            FROM citizen_messages cm LEFT JOIN message_consents c ON c.dossier_id = cm.dossier_id
           WHERE cm.id = ANY(p_ids)
           ORDER BY cm.id
        LOOP
          id := r.id;
          wait_until := NULL;
          message := NULL;
          IF r.status <> 'queued' OR r.claimed THEN
            kind := 'none';
          ELSIF NOT r.consented THEN
            UPDATE citizen_messages SET status = 'skipped', error = 'consent withdrawn', params = params - 'lookupKey'
             WHERE citizen_messages.id = r.id;
            kind := 'skipped';
          ELSIF r.scheduled_for IS NOT NULL AND r.scheduled_for > p_now THEN
            kind := 'wait';
            wait_until := r.scheduled_for;
          ELSE
            n := 0;
            IF r.channel <> 'email' THEN
              SELECT count(*) INTO n FROM citizen_messages x
               WHERE x.to_address = r.to_address AND x.channel <> 'email' AND x.id <> r.id
                 AND (x.sent_at >= p_day_start OR (x.status = 'queued' AND x.claimed_until > now()));
            END IF;
            IF n >= p_cap THEN
              UPDATE citizen_messages SET scheduled_for = p_next_morning, error = 'daily cap reached'
               WHERE citizen_messages.id = r.id;
              kind := 'wait';
              wait_until := p_next_morning;
            ELSE
              UPDATE citizen_messages SET claimed_until = now() + p_lease_ms * interval '1 millisecond'
               WHERE citizen_messages.id = r.id;
              kind := 'claimed';
              message := jsonb_build_object('id', r.id, 'dossier_id', r.dossier_id, 'unit_id', r.unit_id,
                'milestone', r.milestone, 'occurrence', r.occurrence, 'channel', r.channel,
                'to_address', r.to_address, 'params', r.params, 'attempts', r.attempts, 'fallback_of', r.fallback_of);
            END IF;
          END IF;
          RETURN NEXT;
        END LOOP;
        RETURN QUERY SELECT x.v, 'none'::text, NULL::timestamptz, NULL::jsonb
          FROM unnest(p_ids) AS x(v)
         WHERE NOT EXISTS (SELECT 1 FROM citizen_messages cm WHERE cm.id = x.v);
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION claim_citizen_messages(uuid[], bigint, timestamptz, timestamptz, timestamptz, int)`);
  }
}
