import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A source's progress item is stored once per dossier, across months. Each event fed from a source
 * carries the item's identity in `external_id`; the unique index (dossier_id, external_id) is a
 * local key of each monthly partition (migration 1766300000000), so the same item arriving again
 * next month would not be caught by it. The feed recognises repeats itself (it reads the dossier's
 * known identities under the dossier's lock), and this trigger is the database's own guarantee
 * behind it, as `dossier_event_heads` is for the sequence (migration 1766840000000).
 *
 * After each INSERT statement on dossier_events, a new event whose external_id another event of the
 * same dossier already has (a different seq: in an earlier month, or in another month within the
 * same statement) fails the statement with unique_violation, constraint
 * `dossier_events_external_once`. Reads are bounded by the dossier's creation month (the same bound
 * as every reader of a dossier's events), so only its partitions are probed. The trigger is named to
 * fire after `dossier_events_sequence`, which has by then locked the dossier's head row: two
 * transactions writing events of one dossier are serialised there, and this check, a statement of
 * its own, sees what the first committed. Live actions, which carry no external_id, leave at the
 * first test.
 */
export class EventExternalOnce1766920000000 implements MigrationInterface {
  name = 'EventExternalOnce1766920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION dossier_events_unique_external() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      DECLARE
        bad record;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM new_events WHERE external_id IS NOT NULL) THEN
          RETURN NULL;
        END IF;
        SELECT n.dossier_id, n.external_id, n.seq INTO bad
        FROM new_events n JOIN dossiers d ON d.id = n.dossier_id
        WHERE n.external_id IS NOT NULL
          AND EXISTS (SELECT 1 FROM dossier_events e
                      WHERE e.dossier_id = n.dossier_id AND e.external_id = n.external_id AND e.seq <> n.seq
                        AND e.recorded_at >= partition_month(d.created_at))
        LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'dossier_events: external_id % of dossier % (seq %) is already stored',
            bad.external_id, bad.dossier_id, bad.seq
            USING ERRCODE = 'unique_violation', TABLE = 'dossier_events', CONSTRAINT = 'dossier_events_external_once';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossier_events_unique_external AFTER INSERT ON dossier_events
      REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION dossier_events_unique_external()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER dossier_events_unique_external ON dossier_events`);
    await q.query(`DROP FUNCTION dossier_events_unique_external()`);
  }
}
