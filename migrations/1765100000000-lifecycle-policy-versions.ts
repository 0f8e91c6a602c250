import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * report_contributions as of migration 1764900000000, with the supplement-count rule (how many
 * supplement requests a dossier may have before the index counts it late) given as an SQL
 * expression. Kept here verbatim so that this migration never changes after it has run.
 */
const contributions = (lateAfter: string) => `
      CREATE OR REPLACE FUNCTION report_contributions(d dossiers)
      RETURNS TABLE (field_key text, day date, metric text, n integer)
      LANGUAGE sql STABLE PARALLEL SAFE ROWS 6 AS $$
      WITH k AS (
        SELECT pv.field_key, pv.fee_bearing,
               report_day(d.received_at) AS rd,
               report_day(d.ended_at) AS ed,
               d.status IN ('resolved', 'returned', 'rejected', 'stopped') AS res,
               d.status = 'withdrawn' AS wd,
               CASE WHEN d.paused_since IS NOT NULL AND d.last_due_at >= d.paused_since THEN NULL
                    ELSE d.last_due_at END AS o,
               to_timestamp(((d.state -> 'supplementAts')
                 ->> ${lateAfter})::bigint / 1000.0) AS sl
        FROM procedure_versions pv
        WHERE pv.procedure_id = d.procedure_id AND pv.version = d.procedure_version
      ),
      m AS (
        SELECT k.*, CASE WHEN k.o IS NULL THEN d.ended_at ELSE least(k.o, d.ended_at) END AS within_end
        FROM k
      )
      SELECT m.field_key, x.day, x.metric, x.n FROM m CROSS JOIN LATERAL (
        SELECT m.rd, CASE WHEN d.channel = 'online' THEN 'recv_online' ELSE 'recv_direct' END, 1
        UNION ALL SELECT m.rd, 'open_n', 1
        UNION ALL SELECT m.ed, 'open_n', -1 WHERE m.ed IS NOT NULL
        UNION ALL SELECT m.ed, 'res_' || d.outcome, 1 WHERE m.res
        UNION ALL SELECT m.ed, CASE WHEN d.outcome = 'late' THEN 'wd_late' ELSE 'wd_good' END, 1 WHERE m.wd
        UNION ALL SELECT report_day(m.o), 'overdue_n', 1 WHERE m.o IS NOT NULL AND (d.ended_at IS NULL OR m.o < d.ended_at)
        UNION ALL SELECT m.ed, 'overdue_n', -1 WHERE m.o IS NOT NULL AND d.ended_at IS NOT NULL AND m.o < d.ended_at
        UNION ALL SELECT m.ed, 'good_multi', 1 WHERE m.ed IS NOT NULL AND m.sl IS NOT NULL AND d.outcome <> 'late'
        UNION ALL SELECT report_day(m.sl), 'within_multi', 1
          WHERE m.sl IS NOT NULL AND (m.within_end IS NULL OR m.sl < m.within_end)
        UNION ALL SELECT report_day(m.within_end), 'within_multi', -1
          WHERE m.sl IS NOT NULL AND m.within_end IS NOT NULL AND m.sl < m.within_end
        UNION ALL SELECT m.ed, 'res_resolve', 1 WHERE d.status IN ('resolved', 'returned')
        UNION ALL SELECT m.ed, 'res_eresult', 1
          WHERE d.status IN ('resolved', 'returned') AND (d.flags ->> 'electronicResult') = 'true'
        UNION ALL SELECT m.ed, 'res_complaint', 1 WHERE m.res AND d.complained
        UNION ALL SELECT m.rd, 'recv_digitised', 1 WHERE (d.flags ->> 'digitised') = 'true'
        UNION ALL SELECT m.rd, 'recv_ecert', 1 WHERE (d.flags ->> 'eCertifiedCopies') = 'true'
        UNION ALL SELECT m.rd, 'recv_reused', 1 WHERE (d.flags ->> 'reusedDigitisedData') = 'true'
        UNION ALL SELECT m.rd, 'recv_pds', 1 WHERE (d.flags ->> 'linkedToPersonalDataStore') = 'true'
        UNION ALL SELECT m.rd, 'recv_popdata', 1 WHERE (d.flags ->> 'usedPopulationData') = 'true'
        UNION ALL SELECT m.rd, 'recv_synced', 1 WHERE (d.flags ->> 'syncedToNationalPortal') = 'true'
        UNION ALL SELECT m.rd, 'recv_fee', 1 WHERE m.fee_bearing
        UNION ALL SELECT m.rd, 'recv_paid_online', 1 WHERE m.fee_bearing AND (d.flags ->> 'paidOnline') = 'true'
      ) x (day, metric, n)
      $$`;

/**
 * Lifecycle policies are versioned by effective instant (DOMAIN.md: "every lifecycle rule is a
 * versioned policy chosen by the dossier's reception instant"): the index's supplement-count rule
 * of a dossier is the one of the policy version in force when it was received, no longer one
 * setting for every dossier. The API keeps lifecycle_policy_versions in step with
 * config/sla-policy.json at start (a change rebuilds the summaries).
 */
export class LifecyclePolicyVersions1765100000000 implements MigrationInterface {
  name = 'LifecyclePolicyVersions1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE lifecycle_policy_versions (
        effective_from timestamptz PRIMARY KEY,
        late_after_supplement_requests integer NOT NULL CHECK (late_after_supplement_requests >= 0)
      )`);
    // Until the API syncs config/sla-policy.json: the single setting in force so far, for everyone.
    await q.query(`
      INSERT INTO lifecycle_policy_versions (effective_from, late_after_supplement_requests)
      SELECT '-infinity', late_after_supplement_requests FROM report_settings`);
    // The version in force at an instant: the latest effective then, else the first (as for
    // procedures: a dossier received before every version follows the first).
    await q.query(`
      CREATE FUNCTION report_late_after(t timestamptz) RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT coalesce(
          (SELECT late_after_supplement_requests FROM lifecycle_policy_versions
           WHERE effective_from <= t ORDER BY effective_from DESC LIMIT 1),
          (SELECT late_after_supplement_requests FROM lifecycle_policy_versions ORDER BY effective_from LIMIT 1),
          1)
      $$`);
    await q.query(contributions('report_late_after(d.received_at)'));
    await q.query(`DROP TABLE report_settings`);
    await q.query(`SELECT report_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE report_settings (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        late_after_supplement_requests integer NOT NULL DEFAULT 1 CHECK (late_after_supplement_requests >= 0)
      )`);
    await q.query(`
      INSERT INTO report_settings (late_after_supplement_requests)
      SELECT coalesce((SELECT late_after_supplement_requests FROM lifecycle_policy_versions
                       ORDER BY effective_from DESC LIMIT 1), 1)`);
    await q.query(contributions('(SELECT late_after_supplement_requests FROM report_settings)'));
    await q.query(`DROP FUNCTION report_late_after(timestamptz)`);
    await q.query(`DROP TABLE lifecycle_policy_versions`);
    await q.query(`SELECT report_rebuild()`);
  }
}
