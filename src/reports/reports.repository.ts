import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReadReplicas } from 'src/database/read-replicas';
import { CRITERIA } from 'src/public/citizen-rules';
import type { GroupBy } from 'src/reports/report.types';
import type { Fraction, Measure } from 'src/reports/index-model';

/** Reporting units: each maps the units of its subtree (`member`) to itself (`report`). */
export interface ReportingUnit {
  id: string;
  code: string;
  name: string;
}

/** Local dates [from, to] and the instants they span: [start of from, end of to). */
export interface PeriodBounds {
  from: string;
  to: string;
  fromAt: Date;
  toAt: Date;
}

export interface RawCounts {
  received_online: number;
  received_direct: number;
  carried_over: number;
  resolved_early: number;
  resolved_on_time: number;
  resolved_late: number;
  withdrawn: number;
  in_progress_total: number;
  in_progress_overdue: number;
}

export interface ProcessingGroupRow extends RawCounts {
  report_id: string;
  field_key: string | null;
  procedure_code: string | null;
}

/**
 * Scope of a report: the reporting units (the scope unit's children, each standing for its subtree,
 * and the scope unit itself for the dossiers it handles directly) as a VALUES list of the units the
 * query may read. `$1` holds the scope unit id (null: the whole province, reporting units = roots).
 */
const TREE = `
  tree(id, report_id) AS (
    SELECT u.id, u.id FROM units u
    WHERE (u.parent_id = $1::uuid) OR ($1::uuid IS NULL AND u.parent_id IS NULL)
    UNION ALL SELECT $1::uuid, $1::uuid WHERE $1::uuid IS NOT NULL
    UNION ALL SELECT c.id, t.report_id FROM units c JOIN tree t ON c.parent_id = t.id AND t.id IS DISTINCT FROM $1::uuid
  )`;

/** Summary rows up to the end of the period: compacted days plus the deltas not folded yet. */
const SUMMARY = (cols: string) => `
  s AS (
    SELECT unit_id, procedure_code, field_key, day, ${cols} FROM report_daily WHERE day <= $3::date
    UNION ALL
    SELECT unit_id, procedure_code, field_key, day, ${cols} FROM report_deltas WHERE day <= $3::date
  )`;

const COUNTS = `
  coalesce(sum(s.recv_online) FILTER (WHERE s.day >= $2::date), 0)::int AS received_online,
  coalesce(sum(s.recv_direct) FILTER (WHERE s.day >= $2::date), 0)::int AS received_direct,
  coalesce(sum(s.open_n) FILTER (WHERE s.day < $2::date), 0)::int AS carried_over,
  coalesce(sum(s.res_early) FILTER (WHERE s.day >= $2::date), 0)::int AS resolved_early,
  coalesce(sum(s.res_on_time) FILTER (WHERE s.day >= $2::date), 0)::int AS resolved_on_time,
  coalesce(sum(s.res_late) FILTER (WHERE s.day >= $2::date), 0)::int AS resolved_late,
  coalesce(sum(s.wd_good + s.wd_late) FILTER (WHERE s.day >= $2::date), 0)::int AS withdrawn,
  coalesce(sum(s.open_n), 0)::int AS in_progress_total,
  coalesce(sum(s.overdue_n), 0)::int AS in_progress_overdue`;

const COUNT_COLS = 'recv_online, recv_direct, open_n, res_early, res_on_time, res_late, wd_good, wd_late, overdue_n';

const INDEX_COLS = `${COUNT_COLS}, res_complaint, recv_ecert, recv_reused, recv_pds, recv_popdata, recv_synced, recv_fee,
  recv_paid_online, pi_good, pi_open_late, pi_res, pi_res_late, res_paper, res_paper_efile, recv_online_ok,
  recv_digitised_ok, recv_fee_waived`;

/** Per reporting unit: every fraction of the computed indicators. */
export type UnitMeasures = Record<Measure, Fraction>;

@Injectable()
export class ReportsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reads: ReadReplicas,
  ) {}

  /** The reporting units under a scope unit (null: the roots), in code order. */
  async reportingUnits(scopeId: string | null): Promise<ReportingUnit[]> {
    return this.reads.query(
      `SELECT u.id, u.code, u.name FROM units u
       WHERE u.parent_id = $1::uuid OR ($1::uuid IS NULL AND u.parent_id IS NULL) OR u.id = $1::uuid
       ORDER BY (u.id = $1::uuid) DESC, u.code`,
      [scopeId],
    );
  }

  /** Form-06a counts per reporting unit, or per field / procedure over the whole scope. */
  async processing(scopeId: string | null, p: PeriodBounds, groupBy: GroupBy): Promise<ProcessingGroupRow[]> {
    const key =
      groupBy === 'unit'
        ? `t.report_id, NULL::text AS field_key, NULL::text AS procedure_code`
        : groupBy === 'field'
          ? `NULL::uuid AS report_id, s.field_key, NULL::text AS procedure_code`
          : `t.report_id, NULL::text AS field_key, s.procedure_code`;
    return this.reads.query(
      `WITH RECURSIVE ${TREE}, ${SUMMARY(COUNT_COLS)}
       SELECT ${key}, ${COUNTS}
       FROM s JOIN tree t ON t.id = s.unit_id
       GROUP BY 1, 2, 3`,
      [scopeId, p.from, p.to],
    );
  }

  /** Display names of fields (by key) and procedures (by code), from their latest versions. */
  async labels(): Promise<{ fields: Map<string, string>; procedures: Map<string, string> }> {
    const [fields, procedures]: [{ field_key: string; field: string }[], { code: string; name: string }[]] =
      await Promise.all([
        this.reads.query(
          `SELECT DISTINCT ON (field_key) field_key, field FROM procedure_versions ORDER BY field_key, created_at DESC`,
        ),
        this.reads.query(
          `SELECT p.code, v.name FROM procedures p
           JOIN procedure_versions v ON v.procedure_id = p.id AND v.version = p.current_version`,
        ),
      ]);
    return {
      fields: new Map(fields.map((f) => [f.field_key, f.field])),
      procedures: new Map(procedures.map((r) => [r.code, r.name])),
    };
  }

  /**
   * Every computed indicator's numerator and denominator, per reporting unit, as the national
   * portal computes them (docs/index-766.md; config/reports.json "method" says the same per indicator).
   */
  async indexMeasures(scopeId: string | null, p: PeriodBounds, now: Date): Promise<Map<string, UnitMeasures>> {
    const feedbackScore = CRITERIA.indexOf('feedback_handling') + 1;
    const judgedAt = new Date(Math.min(p.toAt.getTime(), now.getTime()));
    const [sums, procs, feedback]: [
      Record<string, number | string>[],
      Record<string, number | string>[],
      Record<string, number | string>[],
    ] = await Promise.all([
      this.reads.query(
        `WITH RECURSIVE ${TREE}, ${SUMMARY(INDEX_COLS)}
           SELECT t.report_id, ${COUNTS},
             ${[
               'pi_good',
               'pi_res',
               'pi_res_late',
               'res_complaint',
               'res_paper',
               'res_paper_efile',
               'recv_online_ok',
               'recv_digitised_ok',
               'recv_ecert',
               'recv_reused',
               'recv_pds',
               'recv_popdata',
               'recv_synced',
               'recv_fee',
               'recv_fee_waived',
               'recv_paid_online',
             ]
               .map((m) => `coalesce(sum(s.${m}) FILTER (WHERE s.day >= $2::date), 0)::int AS ${m}`)
               .join(',\n             ')},
             coalesce(sum(s.pi_open_late), 0)::int AS pi_open_late
           FROM s JOIN tree t ON t.id = s.unit_id
           GROUP BY 1`,
        [scopeId, p.from, p.to],
      ),
      // The catalogue: the procedures each unit handles (procedure_catalogue(): current version,
      // active, whether complete, online, fee-bearing; migration 1766800000000), and which of them
      // received online dossiers or online payments in the period.
      this.reads.query(
        `WITH RECURSIVE ${TREE},
           used AS (
             SELECT t.report_id, s.procedure_code,
                    sum(s.recv_online) AS online, sum(s.recv_paid_online) AS paid_online
             FROM (SELECT unit_id, procedure_code, recv_online, recv_paid_online FROM report_daily
                   WHERE day BETWEEN $2::date AND $3::date
                   UNION ALL
                   SELECT unit_id, procedure_code, recv_online, recv_paid_online FROM report_deltas
                   WHERE day BETWEEN $2::date AND $3::date) s
             JOIN tree t ON t.id = s.unit_id
             GROUP BY 1, 2
           ),
           cat AS (
             SELECT t.report_id, c.code, c.online, c.fee_bearing, c.complete
             FROM procedure_catalogue() c JOIN tree t ON t.id = c.unit_id
           )
           SELECT c.report_id,
                  count(*)::int AS procedures,
                  count(*) FILTER (WHERE c.complete)::int AS complete,
                  count(*) FILTER (WHERE c.online)::int AS online,
                  count(*) FILTER (WHERE c.online AND u.online > 0)::int AS online_used,
                  count(*) FILTER (WHERE c.fee_bearing)::int AS fee,
                  count(*) FILTER (WHERE c.fee_bearing AND u.paid_online > 0)::int AS fee_paid_online
           FROM cat c LEFT JOIN used u ON u.report_id = c.report_id AND u.procedure_code = c.code
           GROUP BY 1`,
        [scopeId, p.from, p.to],
      ),
      // Feedback (PAKN), 5.2 and 5.3, per feedback by feedback_index_items() (migration
      // 1766800000000, where the rules are written), judged at the end of the period, or now for
      // the current one.
      this.reads.query(
        `WITH RECURSIVE ${TREE}
         SELECT t.report_id, sum(f.handled)::int AS handled, sum(f.handled_good)::int AS handled_good,
                sum(f.received)::int AS received, sum(f.kept)::int AS kept
         FROM feedback_index_items($2, $3, $4, $5, $6) f JOIN tree t ON t.id = f.unit_id
         GROUP BY 1 HAVING sum(f.handled + f.received) > 0`,
        [scopeId, p.fromAt, p.toAt, judgedAt, now, feedbackScore],
      ),
    ]);
    const n = (v: number | string | undefined) => Number(v ?? 0);
    const byId = <T extends Record<string, number | string>>(rows: T[]) =>
      new Map(rows.map((r) => [String(r.report_id), r]));
    const [sumMap, procMap, fbMap] = [byId(sums), byId(procs), byId(feedback)];
    const ids = new Set([...sumMap.keys(), ...procMap.keys(), ...fbMap.keys()]);
    const out = new Map<string, UnitMeasures>();
    const fr = (numerator: number, denominator: number): Fraction => ({ numerator, denominator });
    for (const id of ids) {
      const s = sumMap.get(id) ?? {};
      const c = procMap.get(id) ?? {};
      const f = fbMap.get(id) ?? {};
      const received = n(s.received_online) + n(s.received_direct);
      const open = n(s.in_progress_total);
      // 2.1: ended in the period on time by the portal's method, plus open at its end and not late
      // by that method, over received in the period plus carried over.
      const progressGood = n(s.pi_good) + open - n(s.pi_open_late);
      // 3.3 multiplies the online share by the sync rate (1.4).
      const syncRate = received === 0 ? 0 : n(s.recv_synced) / received;
      out.set(id, {
        procedures_complete: fr(n(c.complete), n(c.procedures)),
        dossiers_synced: fr(n(s.recv_synced), received),
        progress: fr(Math.max(0, progressGood), received + n(s.carried_over)),
        online_offered: fr(n(c.online), n(c.procedures)),
        online_used: fr(n(c.online_used), n(c.online)),
        online_share: fr(Math.round(n(s.recv_online_ok) * syncRate * 1e4) / 1e4, received),
        paid_online: fr(n(s.recv_paid_online), n(s.recv_fee) - n(s.recv_fee_waived)),
        fee_procedures_paid_online: fr(n(c.fee_paid_online), n(c.fee)),
        electronic_result: fr(n(s.res_paper_efile), n(s.res_paper)),
        digitised: fr(n(s.recv_digitised_ok), received),
        e_certified_copies: fr(n(s.recv_ecert), received),
        reused_data: fr(n(s.recv_reused), received),
        personal_data_store: fr(n(s.recv_pds), received),
        population_data: fr(n(s.recv_popdata), received),
        feedback_on_time: fr(n(f.handled_good), n(f.handled)),
        feedback_satisfaction: fr(n(f.kept), n(f.received)),
        // 5.4: 100% − (late rate + rate of dossiers with a feedback or a dissatisfied rating), over
        // dossiers ended by a decision in the period, late by the portal's 2.1 method.
        dossier_satisfaction: fr(Math.max(0, n(s.pi_res) - n(s.pi_res_late) - n(s.res_complaint)), n(s.pi_res)),
      });
    }
    return out;
  }

  /** Steps completed in the period at units of the scope, per person who completed them. */
  officials(
    scopeId: string | null,
    p: PeriodBounds,
  ): Promise<
    {
      user_id: string;
      username: string;
      full_name: string;
      unit_code: string | null;
      unit_name: string | null;
      handled: number;
      early: number;
      on_time: number;
      late: number;
    }[]
  > {
    return this.reads.query(
      `WITH RECURSIVE sub(id) AS (
         SELECT id FROM units WHERE id = $1::uuid OR ($1::uuid IS NULL AND parent_id IS NULL)
         UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id
       ),
       codes AS (SELECT u.code FROM units u JOIN sub ON sub.id = u.id)
       SELECT us.id AS user_id, us.username, us.full_name, un.code AS unit_code, un.name AS unit_name,
              count(*)::int AS handled,
              count(*) FILTER (WHERE sr.result = 'early')::int AS early,
              count(*) FILTER (WHERE sr.result = 'on_time')::int AS on_time,
              count(*) FILTER (WHERE sr.result = 'late')::int AS late
       FROM step_results sr
       JOIN users us ON us.id = sr.completed_by
       LEFT JOIN units un ON un.id = us.unit_id
       WHERE sr.completed_at >= $2 AND sr.completed_at < $3 AND sr.unit_code IN (SELECT code FROM codes)
       GROUP BY us.id, un.code, un.name
       ORDER BY un.code NULLS FIRST, us.full_name, us.id`,
      [scopeId, p.fromAt, p.toAt],
    );
  }

  /** Entered indicator values for a period and units, with who entered them. */
  entered(
    period: string,
    unitIds: string[],
  ): Promise<{ unit_id: string; indicator_key: string; ratio: string; username: string; entered_at: Date }[]> {
    return this.reads.query(
      `SELECT i.unit_id, i.indicator_key, i.ratio::text AS ratio, u.username, i.entered_at
       FROM index_inputs i JOIN users u ON u.id = i.entered_by
       WHERE i.period = $1 AND i.unit_id = ANY($2::uuid[])`,
      [period, unitIds],
    );
  }

  /** Sets an entered indicator and appends the change to its history, in one transaction. */
  async enter(
    input: { period: string; unitId: string; indicatorKey: string; ratio: number },
    userId: string,
  ): Promise<{ before: number | null; enteredAt: Date }> {
    return this.dataSource.transaction(async (tx) => {
      const prev: { ratio: string }[] = await tx.query(
        `SELECT ratio::text AS ratio FROM index_inputs WHERE period = $1 AND unit_id = $2 AND indicator_key = $3 FOR UPDATE`,
        [input.period, input.unitId, input.indicatorKey],
      );
      const [row]: { entered_at: Date }[] = await tx.query(
        `INSERT INTO index_inputs (period, unit_id, indicator_key, ratio, entered_by, entered_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (period, unit_id, indicator_key)
         DO UPDATE SET ratio = EXCLUDED.ratio, entered_by = EXCLUDED.entered_by, entered_at = EXCLUDED.entered_at
         RETURNING entered_at`,
        [input.period, input.unitId, input.indicatorKey, input.ratio, userId],
      );
      const before = prev[0] ? Number(prev[0].ratio) : null;
      await tx.query(
        `INSERT INTO index_input_history (period, unit_id, indicator_key, ratio_before, ratio, entered_by, entered_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [input.period, input.unitId, input.indicatorKey, before, input.ratio, userId, row.entered_at],
      );
      return { before, enteredAt: row.entered_at };
    });
  }

  /** Folds pending deltas into the daily summaries; returns how many delta rows were moved. */
  async compact(): Promise<number> {
    const [row]: { report_compact: number }[] = await this.dataSource.query(`SELECT report_compact()`);
    return row.report_compact;
  }

  /**
   * Keeps lifecycle_policy_versions (the supplement-count rule of each policy version, by effective
   * instant) in step with config/sla-policy.json; a change rebuilds the summaries.
   */
  async syncPolicyVersions(
    versions: { effectiveFrom: number; lateAfterSupplementRequests: number }[],
  ): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query(`LOCK TABLE lifecycle_policy_versions IN EXCLUSIVE MODE`);
      const cur: { from: string; n: number }[] = await tx.query(
        `SELECT (extract(epoch FROM effective_from) * 1000)::text AS from, late_after_supplement_requests AS n
         FROM lifecycle_policy_versions ORDER BY effective_from`,
      );
      const same =
        cur.length === versions.length &&
        cur.every(
          (r, i) => Number(r.from) === versions[i].effectiveFrom && r.n === versions[i].lateAfterSupplementRequests,
        );
      if (same) return false;
      await tx.query(`DELETE FROM lifecycle_policy_versions`);
      await tx.query(
        `INSERT INTO lifecycle_policy_versions (effective_from, late_after_supplement_requests)
         SELECT to_timestamp(f / 1000.0), n FROM unnest($1::bigint[], $2::int[]) AS v(f, n)`,
        [versions.map((v) => v.effectiveFrom), versions.map((v) => v.lateAfterSupplementRequests)],
      );
      await tx.query(`SELECT report_rebuild()`);
      return true;
    });
  }
}
