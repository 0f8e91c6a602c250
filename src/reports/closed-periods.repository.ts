import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { CarriedAdjustment } from 'src/reports/report.types';

export interface PeriodRow {
  period: string;
  version: number;
  from_date: string;
  to_date: string;
  status: 'closed' | 'reopened';
  hash: string;
  closed_by: string;
  closed_by_username: string | null;
  closed_at: Date;
  reopened_by: string | null;
  reopened_at: Date | null;
  reopen_reason: string | null;
}

export interface AdjustmentRow {
  period: string;
  version: number;
  dossier_id: string;
  dossier_code: string;
  figure: string;
  part: 'numerator' | 'denominator' | null;
  delta: number;
  cause_action: string;
  cause_at: Date | null;
  cause_actor: string | null;
  recorded_at: Date;
}

const COLS = `p.period, p.version, p.from_date::text AS from_date, p.to_date::text AS to_date, p.status, p.hash,
  p.closed_by, u.username AS closed_by_username, p.closed_at, p.reopened_by, p.reopened_at, p.reopen_reason`;

/** Closed reporting periods, their snapshots and adjustments (migration 1765800000000). */
@Injectable()
export class ClosedPeriodsRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async list(): Promise<PeriodRow[]> {
    return this.dataSource.query(
      `SELECT ${COLS} FROM report_periods p LEFT JOIN users u ON u.id = p.closed_by ORDER BY p.from_date DESC, p.period, p.version`,
    );
  }

  async versions(period: string, m: EntityManager = this.dataSource.manager): Promise<PeriodRow[]> {
    return m.query(
      `SELECT ${COLS} FROM report_periods p LEFT JOIN users u ON u.id = p.closed_by WHERE p.period = $1 ORDER BY p.version`,
      [period],
    );
  }

  /**
   * The closed period whose bounds are exactly [from, to] (the version in force, or the one asked
   * for, closed or reopened), with its snapshot entry for `key`.
   */
  async frozen(
    from: string,
    to: string,
    version: number | undefined,
    key: string,
  ): Promise<(PeriodRow & { entry: unknown; has_period: boolean }) | null> {
    const rows = await this.dataSource.query(
      `SELECT ${COLS}, p.snapshot -> $4 AS entry, true AS has_period
       FROM report_periods p LEFT JOIN users u ON u.id = p.closed_by
       WHERE p.from_date = $1::date AND p.to_date = $2::date
         AND (CASE WHEN $3::int IS NULL THEN p.status = 'closed' ELSE p.version = $3::int END)
       ORDER BY p.version DESC LIMIT 1`,
      [from, to, version ?? null, key],
    );
    return rows[0] ?? null;
  }

  async insert(
    m: EntityManager,
    r: {
      period: string;
      version: number;
      from: string;
      to: string;
      hash: string;
      snapshot: string;
      by: string;
      at: Date;
    },
  ): Promise<void> {
    await m.query(
      `INSERT INTO report_periods (period, version, from_date, to_date, status, hash, snapshot, closed_by, closed_at)
       VALUES ($1, $2, $3::date, $4::date, 'closed', $5, $6::jsonb, $7, $8)`,
      [r.period, r.version, r.from, r.to, r.hash, r.snapshot, r.by, r.at],
    );
  }

  async reopen(m: EntityManager, period: string, by: string, at: Date, reason: string): Promise<number | null> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [rows]: [{ version: number }[], number] = await m.query(
      `UPDATE report_periods SET status = 'reopened', reopened_by = $2, reopened_at = $3, reopen_reason = $4
       WHERE period = $1 AND status = 'closed' RETURNING version`,
      [period, by, at, reason],
    );
    return rows[0]?.version ?? null;
  }

  async adjustments(period: string): Promise<AdjustmentRow[]> {
    return this.dataSource.query(
      `SELECT period, version, dossier_id, dossier_code, figure, part, delta, cause_action, cause_at, cause_actor, recorded_at
       FROM period_adjustments WHERE period = $1 ORDER BY id`,
      [period],
    );
  }

  /**
   * Adjustments of the closed periods that end the day before `from`: the note of the next report,
   * of form 06a (`index` false) or of the index (`index:` figures, with their part).
   */
  async carried(from: string, index = false): Promise<CarriedAdjustment[]> {
    const rows: (CarriedAdjustment & { part: 'numerator' | 'denominator' | null })[] = await this.dataSource.query(
      `SELECT a.period, a.version, a.figure, a.part, sum(a.delta)::int AS delta, count(DISTINCT a.dossier_id)::int AS dossiers
       FROM period_adjustments a
       JOIN report_periods p ON p.period = a.period AND p.version = a.version AND p.status = 'closed'
       WHERE p.to_date = $1::date - 1 AND (a.figure LIKE 'index:%') = $2
       GROUP BY 1, 2, 3, 4 HAVING sum(a.delta) <> 0 ORDER BY 1, 3, 4 DESC`,
      [from, index],
    );
    return rows.map(({ part, ...r }) => (part ? { ...r, part } : r));
  }

  /** Deadline corrections (leaders' tools) made in [fromAt, toAt), on dossiers of `unitIds` (null: all). */
  async corrections(
    fromAt: Date,
    toAt: Date,
    unitIds: string[] | null,
  ): Promise<
    {
      dossier_id: string;
      dossier_code: string;
      at: Date;
      actor_user_id: string | null;
      username: string | null;
      payload: Record<string, unknown>;
    }[]
  > {
    return this.dataSource.query(
      `SELECT e.dossier_id, d.code AS dossier_code, e.at, e.actor_user_id, u.username, e.payload
       FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id LEFT JOIN users u ON u.id = e.actor_user_id
       WHERE e.action = 'correct_deadline' AND e.at >= $1 AND e.at < $2
         AND ($3::uuid[] IS NULL OR d.unit_ids && $3::uuid[])
       ORDER BY e.at, d.code`,
      [fromAt, toAt, unitIds],
    );
  }
}
