import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * report_contributions as of migration 1765100000001, with the statuses that end a dossier "by a
 * decision" (form 06a's resolved columns) and the outcome they are counted under given as SQL.
 * Kept here verbatim so that this migration never changes after it has run.
 */
const contributions = (ended: string, outcome: string) => `
      CREATE OR REPLACE FUNCTION report_contributions(d dossiers)
      RETURNS TABLE (field_key text, day date, metric text, n integer)
      LANGUAGE sql STABLE PARALLEL SAFE ROWS 6 AS $$
      WITH k AS (
        SELECT pv.field_key, pv.fee_bearing,
               report_day(d.received_at) AS rd,
               report_day(d.ended_at) AS ed,
               d.status IN (${ended}) AS res,
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
        UNION ALL SELECT m.ed, 'res_' || ${outcome}, 1 WHERE m.res
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
        UNION ALL SELECT m.rd, 'recv_synced', 1 WHERE (d.flags ->> 'syncedToNationalPortal') = 'true'
        UNION ALL SELECT m.rd, 'recv_fee', 1 WHERE m.fee_bearing
        UNION ALL SELECT m.rd, 'recv_paid_online', 1 WHERE m.fee_bearing AND (d.flags ->> 'paidOnline') = 'true'
      ) x (day, metric, n)
      $$`;

const STATUSES_BEFORE = `'received','in_progress','awaiting_supplement','awaiting_payment','resolved','returned','rejected','stopped','withdrawn'`;
const KINDS_BEFORE = `'due_soon', 'overdue', 'stalled', 'escalated', 'feedback_overdue', 'calendar_horizon'`;

/**
 * Decree 118/2025/NĐ-CP for dossiers received since 01/07/2025 (docs/domain.md, "Decree 118/2025"):
 * - the ended status `closed` ("đóng hồ sơ", Art. 19.5) and the alert kind `supplement_expired`;
 * - `supplement_expires_at`, the instant an unanswered request may be closed (the SLA scan's column);
 * - form 06a counts `closed` with the stopped ones (ended by a decision) and, having no outcome,
 *   never late (counted on time, so that resolved = early + on time + late still holds);
 * - the audited re-judgement: `rejudgements` (one run per policy version, resumable: `cursor` is the
 *   last dossier id done) and `rejudgement_changes` (every dossier whose due instant or outcome the
 *   re-fold changed, before and after). This migration asks for the re-fold of every dossier
 *   received since 2025-07-01 under the nd118-2025 version; the worker runs it (the replay needs the
 *   calendar and the procedures, as after a calendar edit) and GET /reports/rejudgement reports it.
 */
export class Decree1182025_1765400000000 implements MigrationInterface {
  name = 'Decree1182025_1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dossiers DROP CONSTRAINT dossiers_status_check`);
    await q.query(
      `ALTER TABLE dossiers ADD CONSTRAINT dossiers_status_check CHECK (status IN (${STATUSES_BEFORE},'closed'))`,
    );
    await q.query(`ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check`);
    await q.query(
      `ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN (${KINDS_BEFORE}, 'supplement_expired'))`,
    );
    await q.query(`ALTER TABLE dossiers ADD COLUMN supplement_expires_at timestamptz`);
    await q.query(
      `CREATE INDEX dossiers_supplement_expires_at_idx ON dossiers (supplement_expires_at) WHERE supplement_expires_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE rejudgements (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        policy_version text NOT NULL,
        received_from timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done')),
        requested_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        ran_at timestamptz,
        cursor uuid,
        dossiers integer NOT NULL DEFAULT 0,
        due_changed integer NOT NULL DEFAULT 0,
        outcome_changed integer NOT NULL DEFAULT 0,
        skipped integer NOT NULL DEFAULT 0,
        UNIQUE (policy_version, received_from)
      )`);
    await q.query(`
      CREATE TABLE rejudgement_changes (
        rejudgement_id uuid NOT NULL REFERENCES rejudgements(id),
        dossier_id uuid NOT NULL REFERENCES dossiers(id),
        unit_id uuid NOT NULL REFERENCES units(id),
        old_due_at timestamptz NOT NULL,
        new_due_at timestamptz NOT NULL,
        old_outcome text,
        new_outcome text,
        old_status text NOT NULL,
        new_status text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (rejudgement_id, dossier_id)
      )`);
    await q.query(`CREATE INDEX rejudgement_changes_unit_idx ON rejudgement_changes (rejudgement_id, unit_id)`);
    await q.query(`
      INSERT INTO rejudgements (policy_version, received_from)
      VALUES ('nd118-2025', '2025-07-01T00:00:00+07:00')`);
    await q.query(
      contributions(`'resolved', 'returned', 'rejected', 'stopped', 'closed'`, `coalesce(d.outcome, 'on_time')`),
    );
    await q.query(`SELECT report_rebuild()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(contributions(`'resolved', 'returned', 'rejected', 'stopped'`, `d.outcome`));
    await q.query(`DROP TABLE rejudgement_changes`);
    await q.query(`DROP TABLE rejudgements`);
    await q.query(`ALTER TABLE dossiers DROP COLUMN supplement_expires_at`);
    await q.query(`DELETE FROM alerts WHERE kind = 'supplement_expired'`);
    await q.query(`ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check`);
    await q.query(`ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN (${KINDS_BEFORE}))`);
    // A closed dossier cannot be expressed before this migration: refuse rather than lose it.
    await q.query(`ALTER TABLE dossiers DROP CONSTRAINT dossiers_status_check`);
    await q.query(`ALTER TABLE dossiers ADD CONSTRAINT dossiers_status_check CHECK (status IN (${STATUSES_BEFORE}))`);
    await q.query(`SELECT report_rebuild()`);
  }
}
