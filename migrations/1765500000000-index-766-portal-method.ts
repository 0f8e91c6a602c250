import { MigrationInterface, QueryRunner } from 'typeorm';

// The metrics before and after this migration, and the helpers of migration 1765100000001 over a
// given list (a migration keeps its own copies so that it never changes after it has run).
const METRICS_BEFORE = [
  'recv_online',
  'recv_direct',
  'open_n',
  'res_early',
  'res_on_time',
  'res_late',
  'wd_good',
  'wd_late',
  'overdue_n',
  'good_multi',
  'within_multi',
  'res_resolve',
  'res_eresult',
  'res_complaint',
  'recv_digitised',
  'recv_ecert',
  'recv_reused',
  'recv_pds',
  'recv_popdata',
  'recv_synced',
  'recv_fee',
  'recv_paid_online',
  'res_good_multi',
];
const NEW_METRICS = [
  'pi_good',
  'pi_open_late',
  'pi_res_late',
  'pi_res',
  'res_paper',
  'res_paper_efile',
  'recv_online_ok',
  'recv_digitised_ok',
  'recv_fee_waived',
];
const METRICS_AFTER = [...METRICS_BEFORE, ...NEW_METRICS];

const cols = (metrics: string[], f: (m: string) => string) => metrics.map(f).join(',\n        ');

const pivot = (metrics: string[], source: string) => `
      SELECT unit_id, procedure_code, field_key, day,
        ${cols(metrics, (m) => `coalesce(sum(n) FILTER (WHERE metric = '${m}'), 0)::int`)}
      FROM (
        SELECT unit_id, procedure_code, field_key, day, metric, sum(n)::int AS n
        FROM (${source}) c
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(n) <> 0
      ) s
      GROUP BY 1, 2, 3, 4`;

const contributionsOf = (table: string, sign: number) =>
  `SELECT r.handling_unit_id AS unit_id, r.procedure_code, c.field_key, c.day, c.metric, ${sign} * c.n AS n
   FROM ${table} r CROSS JOIN LATERAL report_contributions(r) c`;

/** The trigger, compaction and rebuild functions of migration 1764900000000 over a metric list. */
async function summaryFunctions(q: QueryRunner, metrics: string[]): Promise<void> {
  const insertDeltas = (source: string) =>
    `INSERT INTO report_deltas (unit_id, procedure_code, field_key, day, ${metrics.join(', ')}) ${pivot(metrics, source)}`;
  await q.query(`
      CREATE OR REPLACE FUNCTION report_dossiers_inserted() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        ${insertDeltas(contributionsOf('new_rows', 1))};
        RETURN NULL;
      END $$`);
  await q.query(`
      CREATE OR REPLACE FUNCTION report_dossiers_updated() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        ${insertDeltas(`${contributionsOf('old_rows', -1)} UNION ALL ${contributionsOf('new_rows', 1)}`)};
        RETURN NULL;
      END $$`);
  await q.query(`
      CREATE OR REPLACE FUNCTION report_dossiers_deleted() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        ${insertDeltas(contributionsOf('old_rows', -1))};
        RETURN NULL;
      END $$`);
  await q.query(`
      CREATE OR REPLACE FUNCTION report_compact() RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE moved integer;
      BEGIN
        IF NOT pg_try_advisory_xact_lock(hashtext('report_compact')) THEN RETURN 0; END IF;
        WITH gone AS (DELETE FROM report_deltas RETURNING *),
        agg AS (
          SELECT unit_id, procedure_code, field_key, day, ${cols(metrics, (m) => `sum(${m})::int AS ${m}`)}, count(*) AS rows_moved
          FROM gone GROUP BY 1, 2, 3, 4
        ),
        ins AS (
          INSERT INTO report_daily (unit_id, procedure_code, field_key, day, ${metrics.join(', ')})
          SELECT unit_id, procedure_code, field_key, day, ${metrics.join(', ')} FROM agg
          ON CONFLICT (unit_id, day, procedure_code, field_key) DO UPDATE SET
            ${cols(metrics, (m) => `${m} = report_daily.${m} + EXCLUDED.${m}`)}
        )
        SELECT coalesce(sum(rows_moved), 0)::int INTO moved FROM agg;
        RETURN moved;
      END $$`);
  await q.query(`
      CREATE OR REPLACE FUNCTION report_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE written bigint;
      BEGIN
        LOCK TABLE dossiers IN SHARE MODE;
        DELETE FROM report_deltas;
        DELETE FROM report_daily;
        INSERT INTO report_daily (unit_id, procedure_code, field_key, day, ${metrics.join(', ')})
        ${pivot(metrics, contributionsOf('dossiers', 1))};
        GET DIAGNOSTICS written = ROW_COUNT;
        RETURN written;
      END $$`);
}

/**
 * report_contributions as of migration 1765100000001, plus `extra` lines, a given `synced` test
 * (it may read m.ps, the value of `syncedColumn`) and the statuses that end a dossier by a decision.
 */
const contributions = (extra: string, synced: string, res: string, syncedColumn = 'NULL::jsonb') => `
      CREATE OR REPLACE FUNCTION report_contributions(d dossiers)
      RETURNS TABLE (field_key text, day date, metric text, n integer)
      LANGUAGE sql STABLE PARALLEL SAFE ROWS 6 AS $$
      WITH k AS (
        SELECT pv.field_key, pv.fee_bearing, pv.paper_result_required,
               report_day(d.received_at) AS rd,
               report_day(d.ended_at) AS ed,
               d.status IN (${res}) AS res,
               d.status = 'withdrawn' AS wd,
               CASE WHEN d.paused_since IS NOT NULL AND d.last_due_at >= d.paused_since THEN NULL
                    ELSE d.last_due_at END AS o,
               to_timestamp(((d.state -> 'supplementAts')
                 ->> report_late_after(d.received_at))::bigint / 1000.0) AS sl,
               (d.status IN ('resolved', 'returned') AND (d.flags ->> 'electronicResult') = 'true'
                 AND coalesce(d.flags ->> 'resultFileUrl', '') <> '') AS efile,
               ${syncedColumn} AS ps
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
        UNION ALL SELECT m.ed, 'res_' || coalesce(d.outcome, 'on_time'), 1 WHERE m.res
        UNION ALL SELECT m.ed, CASE WHEN d.outcome = 'late' THEN 'wd_late' ELSE 'wd_good' END, 1 WHERE m.wd
        UNION ALL SELECT report_day(m.o), 'overdue_n', 1 WHERE m.o IS NOT NULL AND (d.ended_at IS NULL OR m.o < d.ended_at)
        UNION ALL SELECT m.ed, 'overdue_n', -1 WHERE m.o IS NOT NULL AND d.ended_at IS NOT NULL AND m.o < d.ended_at
        UNION ALL SELECT m.ed, 'good_multi', 1 WHERE m.ed IS NOT NULL AND m.sl IS NOT NULL AND d.outcome <> 'late'
        UNION ALL SELECT m.ed, 'res_good_multi', 1 WHERE m.res AND m.sl IS NOT NULL AND d.outcome <> 'late'
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
        UNION ALL SELECT m.rd, 'recv_synced', 1 WHERE ${synced}
        UNION ALL SELECT m.rd, 'recv_fee', 1 WHERE m.fee_bearing
        UNION ALL SELECT m.rd, 'recv_paid_online', 1 WHERE m.fee_bearing AND (d.flags ->> 'paidOnline') = 'true'
${extra}      ) x (day, metric, n)
      $$`;

/*
 * The 766 index as the national portal computes it (docs/index-766.md):
 * - pi_good: ended (resolved/returned, rejected, stopped, closed, withdrawn) and on time by the
 *   portal's 2.1 method (dossiers.portal_facts.endedLate, folded from the events by
 *   src/reports/portal-facts.ts), on the day it ended;
 * - pi_open_late: open and late by that method, judged at the end of a day: +1 on the day of each
 *   late interval's start, −1 on the day of its end (portal_facts.openLate);
 * - pi_res / pi_res_late: ended by a decision (resolved/returned, rejected, stopped, closed; not
 *   withdrawn), and of those the late ones by that method (5.4's population and late rate);
 *   dossiers written before this migration have no portal_facts until their next write or
 *   rebuild (POST /dossiers/{id}/... or a recompute): they fall back to the lifecycle's outcome;
 * - res_paper / res_paper_efile: resolved dossiers of procedures requiring a paper result, and
 *   those with an electronic result whose file link was recorded (4.1);
 * - recv_online_ok: received online, and for paper-result procedures with such an electronic
 *   result (3.3); recv_digitised_ok: digitised, and for paper-result procedures with such a
 *   result (4.2); recv_fee_waived: of a fee-bearing procedure, every payment request for 0 (3.6);
 * - recv_synced: synchronised to the national portal: dossiers.portal_synced_at set where that
 *   column exists (the portal exchange), the intake's declared flag otherwise (1.4).
 */
const PORTAL_LINES = `        UNION ALL SELECT m.ed, 'pi_good', 1
          WHERE m.ed IS NOT NULL AND (m.res OR m.wd)
            AND NOT coalesce((d.portal_facts ->> 'endedLate')::boolean, d.outcome = 'late')
        UNION ALL SELECT m.ed, 'pi_res', 1 WHERE m.res
        UNION ALL SELECT m.ed, 'pi_res_late', 1
          WHERE m.res AND coalesce((d.portal_facts ->> 'endedLate')::boolean, d.outcome = 'late')
        UNION ALL SELECT report_day(to_timestamp((i.v ->> 0)::bigint / 1000.0)), 'pi_open_late', 1
          FROM jsonb_array_elements(coalesce(d.portal_facts -> 'openLate', '[]'::jsonb)) i(v)
          WHERE d.portal_facts IS NOT NULL
        UNION ALL SELECT report_day(to_timestamp((i.v ->> 1)::bigint / 1000.0)), 'pi_open_late', -1
          FROM jsonb_array_elements(coalesce(d.portal_facts -> 'openLate', '[]'::jsonb)) i(v)
          WHERE d.portal_facts IS NOT NULL AND (i.v ->> 1) IS NOT NULL
        UNION ALL SELECT report_day(m.o), 'pi_open_late', 1
          WHERE d.portal_facts IS NULL AND m.o IS NOT NULL AND (d.ended_at IS NULL OR m.o < d.ended_at)
        UNION ALL SELECT m.ed, 'pi_open_late', -1
          WHERE d.portal_facts IS NULL AND m.o IS NOT NULL AND d.ended_at IS NOT NULL AND m.o < d.ended_at
        UNION ALL SELECT m.ed, 'res_paper', 1 WHERE d.status IN ('resolved', 'returned') AND m.paper_result_required
        UNION ALL SELECT m.ed, 'res_paper_efile', 1 WHERE m.efile AND m.paper_result_required
        UNION ALL SELECT m.rd, 'recv_online_ok', 1
          WHERE d.channel = 'online' AND (NOT m.paper_result_required OR m.efile)
        UNION ALL SELECT m.rd, 'recv_digitised_ok', 1
          WHERE (d.flags ->> 'digitised') = 'true' AND (NOT m.paper_result_required OR m.efile)
        UNION ALL SELECT m.rd, 'recv_fee_waived', 1
          WHERE m.fee_bearing AND (d.portal_facts ->> 'paymentRequests')::int > 0
            AND (d.portal_facts ->> 'nonZeroPayments')::int = 0
`;

// Synchronised: the portal exchange's column when the schema has it (read once through to_jsonb so
// that this function compiles with or without the column: SQL NULL when there is no such column,
// JSON null when the dossier has not reached the portal), the declared intake flag otherwise.
const SYNCED_COLUMN = `(to_jsonb(d) -> 'portal_synced_at')`;
const SYNCED = `CASE WHEN m.ps IS NULL THEN (d.flags ->> 'syncedToNationalPortal') = 'true'
                ELSE m.ps <> 'null'::jsonb END`;

export class Index766PortalMethod1765500000000 implements MigrationInterface {
  name = 'Index766PortalMethod1765500000000';

  async up(q: QueryRunner): Promise<void> {
    // The portal's view of each dossier (src/reports/portal-facts.ts), written with the projection.
    await q.query(`ALTER TABLE dossiers ADD COLUMN portal_facts jsonb`);
    // The statutory parts of a procedure (Decree 63/2010 Art. 8(2)) besides name, time limit and
    // agency: sequence of steps, method, dossier components, who may apply.
    await q.query(`ALTER TABLE procedure_versions ADD COLUMN statutory_parts jsonb NOT NULL DEFAULT '{}'::jsonb`);
    // 5.4 counts a dossier with any feedback (PAKN), not only conduct feedback.
    await q.query(`
      UPDATE dossiers d SET complained = true
      WHERE NOT d.complained AND EXISTS (SELECT 1 FROM dossier_feedback f WHERE f.dossier_id = d.id)`);
    for (const table of ['report_daily', 'report_deltas']) {
      for (const m of NEW_METRICS) await q.query(`ALTER TABLE ${table} ADD COLUMN ${m} integer NOT NULL DEFAULT 0`);
    }
    await summaryFunctions(q, METRICS_AFTER);
    await q.query(
      contributions(PORTAL_LINES, SYNCED, `'resolved', 'returned', 'rejected', 'stopped', 'closed'`, SYNCED_COLUMN),
    );
    await q.query(`SELECT report_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      contributions(
        '',
        `(d.flags ->> 'syncedToNationalPortal') = 'true'`,
        `'resolved', 'returned', 'rejected', 'stopped'`,
      ),
    );
    await summaryFunctions(q, METRICS_BEFORE);
    for (const table of ['report_daily', 'report_deltas']) {
      for (const m of NEW_METRICS) await q.query(`ALTER TABLE ${table} DROP COLUMN ${m}`);
    }
    await q.query(`ALTER TABLE procedure_versions DROP COLUMN statutory_parts`);
    await q.query(`ALTER TABLE dossiers DROP COLUMN portal_facts`);
    await q.query(`SELECT report_rebuild()`);
  }
}
