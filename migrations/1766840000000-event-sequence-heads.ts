import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What monthly partitioning (1766300000000) took from the event log, given back by the database:
 *
 * 1. One sequence per dossier across months. A partitioned table's unique key must contain the
 *    partition column, so (dossier_id, seq) was unique only within a month. Now every statement that
 *    inserts events advances dossier_event_heads (one narrow row per dossier: its last seq): a
 *    dossier's new seqs must be distinct and continue its last one without a gap (the first batch
 *    starts at 1). The advance is an UPDATE guarded by the old value, so of two transactions writing
 *    the same seq the second waits for the first's row lock and then finds the head moved: it fails
 *    with unique_violation (or a serialization failure under REPEATABLE READ), whatever months the
 *    two rows would go to. A statement-level trigger with a transition table: a bulk import pays one
 *    statement per INSERT, not one per row (the portal outbox trigger shares the same table).
 *    The narrow table, not a column of dossiers: a second update of the wide, much-indexed dossiers
 *    row per event would cost far more than a HOT update of a 2-column row.
 *
 * 2. A lower bound of a dossier's events' recorded_at, for partition pruning: every event's
 *    recorded_at is at or after the start of the local month of its dossier's created_at. Both are
 *    the writing transaction's now(): an intake writes the dossier and its first event in one
 *    statement; an import (a backfill of last year) writes the dossier row and its history now too
 *    (recorded_at is never given by the code; `at` carries the historical instant). Only a
 *    transaction that began before the dossier was created, or a clock stepped back, could write an
 *    earlier recorded_at; the same trigger refuses such a row (check_violation) when it would fall in
 *    an earlier month, so the bound is enforced, not assumed. created_at may move earlier, never
 *    later (a trigger on dossiers). Readers of one dossier's events add
 *    `recorded_at >= partition_month(<created_at>)` with created_at as a parameter, so the planner
 *    keeps only the partitions from that month on.
 *
 * Existing rows: the heads are each dossier's highest seq; a dossier whose events (written before
 * this rule) start in a month before its created_at gets created_at = its first recorded_at.
 */
export class EventSequenceHeads1766840000000 implements MigrationInterface {
  name = 'EventSequenceHeads1766840000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dossier_event_heads (
        dossier_id uuid PRIMARY KEY REFERENCES dossiers(id) ON DELETE CASCADE,
        last_seq integer NOT NULL CHECK (last_seq >= 1)
      )`);
    await q.query(`
      WITH s AS (
        SELECT dossier_id, max(seq) AS last_seq, min(recorded_at) AS first_recorded
        FROM dossier_events GROUP BY dossier_id
      ), h AS (
        INSERT INTO dossier_event_heads (dossier_id, last_seq) SELECT dossier_id, last_seq FROM s
      )
      UPDATE dossiers d SET created_at = s.first_recorded FROM s
      WHERE s.dossier_id = d.id AND s.first_recorded < partition_month(d.created_at)`);

    await q.query(`
      CREATE FUNCTION dossier_events_sequence() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      DECLARE
        bad record;
      BEGIN
        WITH s AS (
          SELECT n.dossier_id, min(n.seq) AS lo, max(n.seq) AS hi, count(*) AS c, count(DISTINCT n.seq) AS dc,
                 min(n.recorded_at) AS first_recorded
          FROM new_events n GROUP BY n.dossier_id
        ), up AS (
          UPDATE dossier_event_heads h SET last_seq = s.hi FROM s
          WHERE h.dossier_id = s.dossier_id AND h.last_seq = s.lo - 1 AND s.dc = s.c AND s.hi - s.lo + 1 = s.c
          RETURNING h.dossier_id
        ), ins AS (
          INSERT INTO dossier_event_heads (dossier_id, last_seq)
          SELECT s.dossier_id, s.hi FROM s WHERE s.lo = 1 AND s.dc = s.c AND s.hi = s.c
          ON CONFLICT (dossier_id) DO NOTHING
          RETURNING dossier_id
        )
        SELECT s.dossier_id, s.lo, s.hi, s.c, s.first_recorded, d.created_at,
               s.dossier_id IN (SELECT dossier_id FROM up UNION ALL SELECT dossier_id FROM ins) AS advanced
        INTO bad
        FROM s LEFT JOIN dossiers d ON d.id = s.dossier_id
        WHERE s.dossier_id NOT IN (SELECT dossier_id FROM up UNION ALL SELECT dossier_id FROM ins)
           OR s.first_recorded < partition_month(d.created_at)
        LIMIT 1;
        IF NOT FOUND THEN
          RETURN NULL;
        END IF;
        IF NOT bad.advanced THEN
          RAISE EXCEPTION 'dossier_events: seq % to % (% rows) of dossier % does not continue its last seq %',
            bad.lo, bad.hi, bad.c, bad.dossier_id,
            coalesce((SELECT h.last_seq::text FROM dossier_event_heads h WHERE h.dossier_id = bad.dossier_id), 'none')
            USING ERRCODE = 'unique_violation', TABLE = 'dossier_events', CONSTRAINT = 'dossier_events_seq_next';
        END IF;
        RAISE EXCEPTION 'dossier_events: recorded_at % of dossier % is before the month of its created_at %',
          bad.first_recorded, bad.dossier_id, bad.created_at
          USING ERRCODE = 'check_violation', TABLE = 'dossier_events', CONSTRAINT = 'dossier_events_recorded_bound';
      END $$`);
    await q.query(`
      CREATE TRIGGER dossier_events_sequence AFTER INSERT ON dossier_events
      REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION dossier_events_sequence()`);

    await q.query(`
      CREATE FUNCTION dossiers_created_at_earlier_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.created_at > OLD.created_at THEN
          RAISE EXCEPTION 'dossiers.created_at of % may only move earlier: it bounds its events'' recorded_at', OLD.id
            USING ERRCODE = 'check_violation', TABLE = 'dossiers', CONSTRAINT = 'dossiers_created_at_earlier_only';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossiers_created_at_earlier_only BEFORE UPDATE OF created_at ON dossiers
      FOR EACH ROW EXECUTE FUNCTION dossiers_created_at_earlier_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER dossiers_created_at_earlier_only ON dossiers`);
    await q.query(`DROP FUNCTION dossiers_created_at_earlier_only()`);
    await q.query(`DROP TRIGGER dossier_events_sequence ON dossier_events`);
    await q.query(`DROP FUNCTION dossier_events_sequence()`);
    await q.query(`DROP TABLE dossier_event_heads`);
  }
}
