import { MigrationInterface, QueryRunner } from 'typeorm';

// The metrics before and after this migration, and the helpers of migration 1764900000000 over a
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
];

const cols = (metrics: string[], f: (m: string) => string) => metrics.map(f).join(',\n        ');

/** Pivot of narrow contributions `c (unit_id, procedure_code, field_key, day, metric, n)` into summary rows. */
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

const METRICS_AFTER = [...METRICS_BEFORE, 'res_good_multi'];

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
  // Folds the deltas into report_daily (one caller at a time; concurrent writers keep appending).
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
  // Recomputes every summary from the dossiers (after a bulk load with triggers off, or a change
  // of lifecycle_policy_versions). Locks out writers of dossiers meanwhile so nothing is counted twice.
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
 * report_contributions as of migration 1765100000000 (the supplement-count rule of the policy
 * version in force when the dossier was received), plus `satisfaction` lines.
 */
const contributions = (satisfaction: string) => `
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
                 ->> report_late_after(d.received_at))::bigint / 1000.0) AS sl
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
${satisfaction}        UNION ALL SELECT report_day(m.sl), 'within_multi', 1
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
 * The index's satisfaction group judges "late" as the progress group does (DOMAIN.md, unit
 * performance index: more supplement requests than the policy allows count as late): a new
 * contribution res_good_multi counts the dossiers ended by a decision (resolved, rejected or
 * stopped; withdrawals are not in that indicator) on time or early but with too many supplement
 * requests, so the satisfaction indicator subtracts them with the late ones.
 */
export class SatisfactionLateRule1765100000001 implements MigrationInterface {
  name = 'SatisfactionLateRule1765100000001';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['report_daily', 'report_deltas']) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN res_good_multi integer NOT NULL DEFAULT 0`);
    }
    await summaryFunctions(q, METRICS_AFTER);
    await q.query(
      contributions(
        `        UNION ALL SELECT m.ed, 'res_good_multi', 1 WHERE m.res AND m.sl IS NOT NULL AND d.outcome <> 'late'\n`,
      ),
    );
    await q.query(`SELECT report_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(contributions(''));
    await summaryFunctions(q, METRICS_BEFORE);
    for (const table of ['report_daily', 'report_deltas']) {
      await q.query(`ALTER TABLE ${table} DROP COLUMN res_good_multi`);
    }
    await q.query(`SELECT report_rebuild()`);
  }
}
