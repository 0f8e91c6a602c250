import { MigrationInterface, QueryRunner } from 'typeorm';

// The metrics as of this migration (src/reports/reports.repository.ts reads them; a migration keeps
// its own list so that it never changes after it has run).
const METRICS = [
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

const cols = (f: (m: string) => string) => METRICS.map(f).join(',\n        ');

/** Pivot of narrow contributions `c (unit_id, procedure_code, field_key, day, metric, n)` into summary rows. */
const pivot = (source: string) => `
      SELECT unit_id, procedure_code, field_key, day,
        ${cols((m) => `coalesce(sum(n) FILTER (WHERE metric = '${m}'), 0)::int`)}
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

/**
 * Reports at provincial scale (issue: reports for the reform board). Every dossier contributes a
 * few dated counts (report_contributions); statement-level triggers on `dossiers` append the change
 * of contribution of every written row to report_deltas (insert only: no hot-row contention), a
 * worker job folds the deltas into report_daily, and reports read report_daily + report_deltas, so
 * they are exact at any moment and aggregate tens of thousands of summary rows instead of millions
 * of dossiers. report_rebuild() recomputes both from the dossiers (after bulk loads).
 */
export class Reports1764900000000 implements MigrationInterface {
  name = 'Reports1764900000000';

  async up(q: QueryRunner): Promise<void> {
    // Dossiers with a conduct complaint or a dissatisfied rating (satisfaction group of the index).
    await q.query(`ALTER TABLE dossiers ADD COLUMN complained boolean NOT NULL DEFAULT false`);
    await q.query(`
      UPDATE dossiers d SET complained = true
      WHERE EXISTS (SELECT 1 FROM dossier_feedback f WHERE f.dossier_id = d.id AND f.kind = 'conduct')
         OR EXISTS (SELECT 1 FROM dossier_ratings r WHERE r.dossier_id = d.id AND r.verdict = 'dissatisfied')`);
    // The fold now records the instants of supplement requests; fill them in for existing snapshots.
    await q.query(`
      UPDATE dossiers d SET state = jsonb_set(d.state, '{supplementAts}', coalesce((
        SELECT jsonb_agg((extract(epoch FROM e.at) * 1000)::bigint ORDER BY e.seq)
        FROM dossier_events e WHERE e.dossier_id = d.id AND e.action = 'request_supplement'), '[]'::jsonb))`);

    // The local (Asia/Ho_Chi_Minh, UTC+7 without daylight saving) date of an instant.
    await q.query(`
      CREATE FUNCTION report_day(t timestamptz) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT ((t AT TIME ZONE 'UTC') + interval '7 hours')::date $$`);

    // Settings the contributions depend on (kept in step with config/sla-policy.json by the API at
    // start; a change rebuilds the summaries).
    await q.query(`
      CREATE TABLE report_settings (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        late_after_supplement_requests integer NOT NULL DEFAULT 1 CHECK (late_after_supplement_requests >= 0)
      )`);
    await q.query(`INSERT INTO report_settings DEFAULT VALUES`);

    /*
     * What one dossier contributes (docs/domain.md "Periodic processing report", "Outcome", "Unit
     * performance index"). Days are local dates; a period [from, to] is judged at the end of `to`.
     * - received: recv_online / recv_direct (direct and postal) on the day received; open_n +1 then,
     *   -1 on the day it ended (ended = resolved, rejected, stopped or withdrawn; `returned` keeps
     *   the outcome of `resolved`).
     * - ended: res_early / res_on_time / res_late (resolved, rejected, stopped) or wd_good / wd_late
     *   (withdrawn), by the outcome rule, on the day it ended.
     * - overdue_n: an open dossier is overdue at T when its statutory due instant (pauses excluded)
     *   is before T; while paused, when it was already past due when paused. Overdue never ends
     *   before the dossier does (a clock past due is not moved by a pause), so it is one interval:
     *   +1 on the day of the due instant, -1 on the day it ended. A dossier paused before its due
     *   instant has no overdue interval until it resumes (its row is rewritten then).
     * - the index counts a dossier with more than N supplement requests as late (N in
     *   report_settings): good_multi = ended early or on time despite that; within_multi = open,
     *   within time, but past the (N+1)th request (+1 that day, -1 when it ends or turns overdue).
     * - res_resolve / res_eresult: ended by a result, and with an electronic result; res_complaint:
     *   ended (not withdrawn) with a conduct complaint or a dissatisfied rating.
     * - recv_*: received with the index flags (digitised, e-certified copies, reused data, personal
     *   data store, population data, synchronised), of a fee-bearing procedure, and paid online.
     */
    await q.query(`
      CREATE FUNCTION report_contributions(d dossiers)
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
                 ->> (SELECT late_after_supplement_requests FROM report_settings))::bigint / 1000.0) AS sl
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
      $$`);

    const table = (name: string) => `
      CREATE TABLE ${name} (
        unit_id uuid NOT NULL,
        procedure_code text NOT NULL,
        field_key text NOT NULL,
        day date NOT NULL,
        ${cols((m) => `${m} integer NOT NULL DEFAULT 0`)}
      )`;
    await q.query(table('report_daily'));
    await q.query(`ALTER TABLE report_daily ADD PRIMARY KEY (unit_id, day, procedure_code, field_key)`);
    await q.query(table('report_deltas'));
    await q.query(`ALTER TABLE report_deltas ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now()`);

    // The trigger functions run with JIT off: transition tables have no statistics, so the planner
    // may estimate a large cost and spend far longer compiling the plan than running it.
    const insertDeltas = (source: string) =>
      `INSERT INTO report_deltas (unit_id, procedure_code, field_key, day, ${METRICS.join(', ')}) ${pivot(source)}`;
    await q.query(`
      CREATE FUNCTION report_dossiers_inserted() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        ${insertDeltas(contributionsOf('new_rows', 1))};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION report_dossiers_updated() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        ${insertDeltas(`${contributionsOf('old_rows', -1)} UNION ALL ${contributionsOf('new_rows', 1)}`)};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION report_dossiers_deleted() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        ${insertDeltas(contributionsOf('old_rows', -1))};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossiers_report_insert AFTER INSERT ON dossiers REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION report_dossiers_inserted()`);
    await q.query(`
      CREATE TRIGGER dossiers_report_update AFTER UPDATE ON dossiers
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION report_dossiers_updated()`);
    await q.query(`
      CREATE TRIGGER dossiers_report_delete AFTER DELETE ON dossiers REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION report_dossiers_deleted()`);

    // TRUNCATE fires no row or statement DELETE triggers: the summaries are emptied with the dossiers.
    await q.query(`
      CREATE FUNCTION report_dossiers_truncated() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        DELETE FROM report_deltas;
        DELETE FROM report_daily;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossiers_report_truncate AFTER TRUNCATE ON dossiers
      FOR EACH STATEMENT EXECUTE FUNCTION report_dossiers_truncated()`);

    // Folds the deltas into report_daily (one caller at a time; concurrent writers keep appending).
    await q.query(`
      CREATE FUNCTION report_compact() RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE moved integer;
      BEGIN
        IF NOT pg_try_advisory_xact_lock(hashtext('report_compact')) THEN RETURN 0; END IF;
        WITH gone AS (DELETE FROM report_deltas RETURNING *),
        agg AS (
          SELECT unit_id, procedure_code, field_key, day, ${cols((m) => `sum(${m})::int AS ${m}`)}, count(*) AS rows_moved
          FROM gone GROUP BY 1, 2, 3, 4
        ),
        ins AS (
          INSERT INTO report_daily (unit_id, procedure_code, field_key, day, ${METRICS.join(', ')})
          SELECT unit_id, procedure_code, field_key, day, ${METRICS.join(', ')} FROM agg
          ON CONFLICT (unit_id, day, procedure_code, field_key) DO UPDATE SET
            ${cols((m) => `${m} = report_daily.${m} + EXCLUDED.${m}`)}
        )
        SELECT coalesce(sum(rows_moved), 0)::int INTO moved FROM agg;
        RETURN moved;
      END $$`);
    // Recomputes every summary from the dossiers (after a bulk load with triggers off, or a change
    // of report_settings). Locks out writers of dossiers meanwhile so nothing is counted twice.
    await q.query(`
      CREATE FUNCTION report_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE written bigint;
      BEGIN
        LOCK TABLE dossiers IN SHARE MODE;
        DELETE FROM report_deltas;
        DELETE FROM report_daily;
        INSERT INTO report_daily (unit_id, procedure_code, field_key, day, ${METRICS.join(', ')})
        ${pivot(contributionsOf('dossiers', 1))};
        GET DIAGNOSTICS written = ROW_COUNT;
        RETURN written;
      END $$`);

    // Steps completed, one row per hand-over, for the officials report (who completed the step,
    // when, and its result against its allotted hours), kept in step with the dossiers' snapshots.
    await q.query(`
      CREATE TABLE step_results (
        dossier_id uuid NOT NULL REFERENCES dossiers(id) ON DELETE CASCADE,
        step_no integer NOT NULL,
        step_index integer NOT NULL,
        unit_code text NOT NULL,
        completed_by uuid,
        completed_at timestamptz NOT NULL,
        result text NOT NULL CHECK (result IN ('early', 'on_time', 'late')),
        PRIMARY KEY (dossier_id, step_no)
      )`);
    await q.query(`CREATE INDEX step_results_completed_idx ON step_results (completed_at, completed_by)`);
    const upsertSteps = `
        INSERT INTO step_results (dossier_id, step_no, step_index, unit_code, completed_by, completed_at, result)
        SELECT n.id, e.no::int, (e.s ->> 'index')::int, e.s ->> 'toUnitCode', (e.s ->> 'completedBy')::uuid,
               to_timestamp((e.s ->> 'completedAt')::bigint / 1000.0), e.s ->> 'result'
        FROM new_rows n CROSS JOIN LATERAL jsonb_array_elements(n.state -> 'steps') WITH ORDINALITY e(s, no)
        WHERE e.s ->> 'completedAt' IS NOT NULL AND e.s ->> 'result' IS NOT NULL
        ON CONFLICT (dossier_id, step_no) DO UPDATE SET
          step_index = EXCLUDED.step_index, unit_code = EXCLUDED.unit_code, completed_by = EXCLUDED.completed_by,
          completed_at = EXCLUDED.completed_at, result = EXCLUDED.result
        WHERE (step_results.result, step_results.completed_at, step_results.completed_by)
          IS DISTINCT FROM (EXCLUDED.result, EXCLUDED.completed_at, EXCLUDED.completed_by)`;
    await q.query(`
      CREATE FUNCTION step_results_inserted() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN ${upsertSteps}; RETURN NULL; END $$`);
    // On update only rows whose steps changed are expanded (most actions leave completed steps alone).
    await q.query(`
      CREATE FUNCTION step_results_updated() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        ${upsertSteps.replace(
          'FROM new_rows n',
          `FROM (SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id
                 WHERE o.state -> 'steps' IS DISTINCT FROM n.state -> 'steps') n`,
        )};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossiers_steps_insert AFTER INSERT ON dossiers REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION step_results_inserted()`);
    await q.query(`
      CREATE TRIGGER dossiers_steps_update AFTER UPDATE ON dossiers
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION step_results_updated()`);
    await q.query(`
      INSERT INTO step_results (dossier_id, step_no, step_index, unit_code, completed_by, completed_at, result)
      SELECT n.id, e.no::int, (e.s ->> 'index')::int, e.s ->> 'toUnitCode', (e.s ->> 'completedBy')::uuid,
             to_timestamp((e.s ->> 'completedAt')::bigint / 1000.0), e.s ->> 'result'
      FROM dossiers n CROSS JOIN LATERAL jsonb_array_elements(n.state -> 'steps') WITH ORDINALITY e(s, no)
      WHERE e.s ->> 'completedAt' IS NOT NULL AND e.s ->> 'result' IS NOT NULL`);

    // Entered indicators of the index: the current value per (period, unit, indicator), and every
    // entry ever made (who, when, before, after) in the append-only history.
    await q.query(`
      CREATE TABLE index_inputs (
        period text NOT NULL,
        unit_id uuid NOT NULL REFERENCES units(id),
        indicator_key text NOT NULL,
        ratio numeric NOT NULL CHECK (ratio >= 0 AND ratio <= 1),
        entered_by uuid NOT NULL REFERENCES users(id),
        entered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (period, unit_id, indicator_key)
      )`);
    await q.query(`
      CREATE TABLE index_input_history (
        id bigserial PRIMARY KEY,
        period text NOT NULL,
        unit_id uuid NOT NULL REFERENCES units(id),
        indicator_key text NOT NULL,
        ratio_before numeric,
        ratio numeric NOT NULL,
        entered_by uuid NOT NULL REFERENCES users(id),
        entered_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX index_input_history_key_idx ON index_input_history (period, unit_id, indicator_key, id)`,
    );

    await q.query(`SELECT report_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE index_input_history`);
    await q.query(`DROP TABLE index_inputs`);
    await q.query(`DROP TRIGGER dossiers_steps_update ON dossiers`);
    await q.query(`DROP TRIGGER dossiers_steps_insert ON dossiers`);
    await q.query(`DROP FUNCTION step_results_updated()`);
    await q.query(`DROP FUNCTION step_results_inserted()`);
    await q.query(`DROP TABLE step_results`);
    await q.query(`DROP FUNCTION report_rebuild()`);
    await q.query(`DROP FUNCTION report_compact()`);
    await q.query(`DROP TRIGGER dossiers_report_truncate ON dossiers`);
    await q.query(`DROP FUNCTION report_dossiers_truncated()`);
    await q.query(`DROP TRIGGER dossiers_report_delete ON dossiers`);
    await q.query(`DROP TRIGGER dossiers_report_update ON dossiers`);
    await q.query(`DROP TRIGGER dossiers_report_insert ON dossiers`);
    await q.query(`DROP FUNCTION report_dossiers_deleted()`);
    await q.query(`DROP FUNCTION report_dossiers_updated()`);
    await q.query(`DROP FUNCTION report_dossiers_inserted()`);
    await q.query(`DROP TABLE report_deltas`);
    await q.query(`DROP TABLE report_daily`);
    await q.query(`DROP FUNCTION report_contributions(dossiers)`);
    await q.query(`DROP TABLE report_settings`);
    await q.query(`DROP FUNCTION report_day(timestamptz)`);
    await q.query(`ALTER TABLE dossiers DROP COLUMN complained`);
  }
}
