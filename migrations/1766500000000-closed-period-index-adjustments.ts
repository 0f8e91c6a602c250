import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Closed periods: the adjustments trigger of migration 1765800000000 also records what a later
 * change of a dossier would have done to the closed period's index (766) figures, per indicator
 * measured from dossiers, as `index:<indicatorKey>` with the part it changes (`numerator` or
 * `denominator`; null for a form-06a count). The indicators and their parts are those of
 * ReportsRepository.indexMeasures, read from the same report_contributions metrics:
 * - received in the period (recv_online + recv_direct) is the denominator of dossiers_synced,
 *   online_share, digitised, e_certified_copies, reused_data, personal_data_store, population_data;
 * - on_time (2.1): numerator pi_good + open at the end − pi_open_late at the end; denominator
 *   received + carried over;
 * - paid_online: recv_paid_online over recv_fee − recv_fee_waived; electronic_result:
 *   res_paper_efile over res_paper; dossier_satisfaction: pi_res − pi_res_late − res_complaint over
 *   pi_res; the others their recv_* count over received;
 * - online_share's numerator is the count of dossiers received online (recv_online_ok) before the
 *   portal multiplies it by the sync rate (which is adjusted as index:dossiers_synced).
 * Indicators read from the catalogue (procedures_complete, online_offered, online_used,
 * fee_procedures_paid_online) or from feedback (feedback_on_time, feedback_satisfaction) are not
 * dossier figures and are not adjusted here.
 */
export class ClosedPeriodIndexAdjustments1766500000000 implements MigrationInterface {
  name = 'ClosedPeriodIndexAdjustments1766500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE period_adjustments ADD COLUMN part text CHECK (part IN ('numerator', 'denominator'))`);
    await q.query(functions(FORM_06A + ',\n' + INDEX_766, true));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(functions(FORM_06A, false));
    await q.query(`DELETE FROM period_adjustments WHERE part IS NOT NULL`);
    await q.query(`ALTER TABLE period_adjustments DROP COLUMN part`);
  }
}

/** (metric, figure, part, sign, span) of form 06a, as migration 1765800000000 has them. */
const FORM_06A = `
          ('recv_online', 'receivedOnline', NULL, 1, 'in'), ('recv_direct', 'receivedDirect', NULL, 1, 'in'),
          ('open_n', 'carriedOver', NULL, 1, 'before'), ('res_early', 'resolvedEarly', NULL, 1, 'in'),
          ('res_on_time', 'resolvedOnTime', NULL, 1, 'in'), ('res_late', 'resolvedLate', NULL, 1, 'in'),
          ('wd_good', 'withdrawn', NULL, 1, 'in'), ('wd_late', 'withdrawn', NULL, 1, 'in'),
          ('open_n', 'inProgressWithin', NULL, 1, 'upto'), ('overdue_n', 'inProgressWithin', NULL, -1, 'upto'),
          ('overdue_n', 'inProgressOverdue', NULL, 1, 'upto')`;

const RECEIVED_DENOMINATORS = [
  'dossiers_synced',
  'online_share',
  'digitised',
  'e_certified_copies',
  'reused_data',
  'personal_data_store',
  'population_data',
  'on_time',
];

const line = (metric: string, figure: string, part: string, sign: number, span: string) =>
  `('${metric}', 'index:${figure}', '${part}', ${sign}, '${span}')`;

/** The index's indicators measured from dossiers (ReportsRepository.indexMeasures). */
const INDEX_766 = [
  ...RECEIVED_DENOMINATORS.flatMap((f) => [
    line('recv_online', f, 'denominator', 1, 'in'),
    line('recv_direct', f, 'denominator', 1, 'in'),
  ]),
  line('open_n', 'on_time', 'denominator', 1, 'before'),
  line('pi_good', 'on_time', 'numerator', 1, 'in'),
  line('open_n', 'on_time', 'numerator', 1, 'upto'),
  line('pi_open_late', 'on_time', 'numerator', -1, 'upto'),
  line('recv_synced', 'dossiers_synced', 'numerator', 1, 'in'),
  line('recv_online_ok', 'online_share', 'numerator', 1, 'in'),
  line('recv_paid_online', 'paid_online', 'numerator', 1, 'in'),
  line('recv_fee', 'paid_online', 'denominator', 1, 'in'),
  line('recv_fee_waived', 'paid_online', 'denominator', -1, 'in'),
  line('res_paper_efile', 'electronic_result', 'numerator', 1, 'in'),
  line('res_paper', 'electronic_result', 'denominator', 1, 'in'),
  line('recv_digitised_ok', 'digitised', 'numerator', 1, 'in'),
  line('recv_ecert', 'e_certified_copies', 'numerator', 1, 'in'),
  line('recv_reused', 'reused_data', 'numerator', 1, 'in'),
  line('recv_pds', 'personal_data_store', 'numerator', 1, 'in'),
  line('recv_popdata', 'population_data', 'numerator', 1, 'in'),
  line('pi_res', 'dossier_satisfaction', 'numerator', 1, 'in'),
  line('pi_res_late', 'dossier_satisfaction', 'numerator', -1, 'in'),
  line('res_complaint', 'dossier_satisfaction', 'numerator', -1, 'in'),
  line('pi_res', 'dossier_satisfaction', 'denominator', 1, 'in'),
]
  .map((l) => `          ${l}`)
  .join(',\n');

/**
 * The two trigger functions of migration 1765800000000 with a given mapping of metrics to figures
 * (and, after this migration, the `part` column written).
 */
function functions(values: string, withPart: boolean): string {
  const adjust = (rows: string) => `
      INSERT INTO period_adjustments (period, version, dossier_id, dossier_code, unit_id, figure, ${withPart ? 'part, ' : ''}delta, cause_action, cause_at, cause_actor)
      SELECT x.period, x.version, x.id, x.code, x.handling_unit_id, x.figure, ${withPart ? 'x.part, ' : ''}x.delta,
             coalesce(nullif(current_setting('sla.change_cause', true), ''), ev.action, 'unknown'), ev.at, ev.actor_user_id
      FROM (
        SELECT p.period, p.version, c.id, c.code, c.handling_unit_id, m.figure, m.part, sum(c.sign * m.sign * c.n)::int AS delta
        FROM (${rows}) c
        JOIN (VALUES ${values}
        ) m (metric, figure, part, sign, span) ON m.metric = c.metric
        JOIN report_periods p ON p.status = 'closed' AND (
             (m.span = 'in' AND c.day BETWEEN p.from_date AND p.to_date)
          OR (m.span = 'before' AND c.day < p.from_date)
          OR (m.span = 'upto' AND c.day <= p.to_date))
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        HAVING sum(c.sign * m.sign * c.n) <> 0
      ) x
      LEFT JOIN LATERAL (
        SELECT e.action, e.at, e.actor_user_id FROM dossier_events e WHERE e.dossier_id = x.id ORDER BY e.seq DESC LIMIT 1
      ) ev ON true`;
  const rowsOf = (table: string, sign: number) =>
    `SELECT ${sign} AS sign, t.id, t.code, t.handling_unit_id, k.day, k.metric, k.n
       FROM ${table} t CROSS JOIN LATERAL report_contributions(t) k`;
  return `
      CREATE OR REPLACE FUNCTION period_adjustments_updated() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM report_periods WHERE status = 'closed') THEN RETURN NULL; END IF;
        ${adjust(`${rowsOf('old_rows', -1)} UNION ALL ${rowsOf('new_rows', 1)}`)};
        RETURN NULL;
      END $$;
      CREATE OR REPLACE FUNCTION period_adjustments_inserted() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM report_periods WHERE status = 'closed') THEN RETURN NULL; END IF;
        ${adjust(rowsOf('new_rows', 1))};
        RETURN NULL;
      END $$`;
}
