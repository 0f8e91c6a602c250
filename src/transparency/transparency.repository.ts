import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Reporting units under a scope unit: its children, each standing for its subtree, and the unit
 * itself for what it handles directly (null scope: the roots). The same grouping as the reports.
 */
const TREE = `
  tree(id, report_id) AS (
    SELECT u.id, u.id FROM units u
    WHERE (u.parent_id = $1::uuid) OR ($1::uuid IS NULL AND u.parent_id IS NULL)
    UNION ALL SELECT $1::uuid, $1::uuid WHERE $1::uuid IS NOT NULL
    UNION ALL SELECT c.id, t.report_id FROM units c JOIN tree t ON c.parent_id = t.id AND t.id IS DISTINCT FROM $1::uuid
  )`;

export interface BoardCounts {
  report_id: string;
  received: number;
  in_progress_within: number;
  in_progress_overdue: number;
  ready_for_collection: number;
  returned: number;
}

/** The live counts of the lobby board and the public statistics: plain SQL over indexed columns. */
@Injectable()
export class TransparencyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Per reporting unit: received and returned in [dayStart, now], and open / ready counts as of now. */
  async board(scopeId: string | null, dayStart: Date, now: Date): Promise<BoardCounts[]> {
    return this.dataSource.query(
      `WITH RECURSIVE ${TREE}
       SELECT t.report_id,
         count(*) FILTER (WHERE d.received_at >= $2 AND d.received_at <= $3)::int AS received,
         count(*) FILTER (WHERE d.ended_at IS NULL AND NOT (CASE WHEN d.paused_since IS NULL THEN d.last_due_at < $3 ELSE d.last_due_at < d.paused_since END))::int AS in_progress_within,
         count(*) FILTER (WHERE d.ended_at IS NULL AND (CASE WHEN d.paused_since IS NULL THEN d.last_due_at < $3 ELSE d.last_due_at < d.paused_since END))::int AS in_progress_overdue,
         count(*) FILTER (WHERE d.status = 'resolved')::int AS ready_for_collection,
         count(*) FILTER (WHERE d.returned_at >= $2 AND d.returned_at <= $3)::int AS returned
       FROM dossiers d JOIN tree t ON t.id = d.handling_unit_id
       WHERE d.ended_at IS NULL OR d.status = 'resolved' OR d.received_at >= $2 OR d.returned_at >= $2
       GROUP BY 1`,
      [scopeId, dayStart, now],
    );
  }

  /** Results waiting for collection (newest first), for the board's scrolling list. */
  async ready(
    scopeId: string | null,
    limit: number,
  ): Promise<{ code: string; procedure_code: string; procedure_name: string | null; full_name: string | null }[]> {
    return this.dataSource.query(
      `WITH RECURSIVE ${TREE}
       SELECT d.code, d.procedure_code, v.name AS procedure_name, d.applicant ->> 'fullName' AS full_name
       FROM dossiers d
       JOIN tree t ON t.id = d.handling_unit_id
       LEFT JOIN procedure_versions v ON v.procedure_id = d.procedure_id AND v.version = d.procedure_version
       WHERE d.status = 'resolved'
       ORDER BY d.ended_at DESC, d.code LIMIT $2`,
      [scopeId, limit],
    );
  }

  /** Open and overdue now, per reporting unit or per field. */
  async overdueNow(scopeId: string | null, now: Date, byField: boolean): Promise<{ key: string; n: number }[]> {
    return this.dataSource.query(
      `WITH RECURSIVE ${TREE}
       SELECT ${byField ? 'v.field_key' : 'ru.code'} AS key, count(*)::int AS n
       FROM dossiers d JOIN tree t ON t.id = d.handling_unit_id JOIN units ru ON ru.id = t.report_id
       JOIN procedure_versions v ON v.procedure_id = d.procedure_id AND v.version = d.procedure_version
       WHERE d.ended_at IS NULL
         AND (CASE WHEN d.paused_since IS NULL THEN d.last_due_at < $2 ELSE d.last_due_at < d.paused_since END)
       GROUP BY 1`,
      [scopeId, now],
    );
  }

  /** Ratings given in [fromAt, toAt): satisfied (very or plain) and all, per reporting unit or field. */
  async satisfaction(
    scopeId: string | null,
    fromAt: Date,
    toAt: Date,
    byField: boolean,
  ): Promise<{ key: string; satisfied: number; rated: number }[]> {
    return this.dataSource.query(
      `WITH RECURSIVE ${TREE}
       SELECT ${byField ? 'v.field_key' : 'ru.code'} AS key,
              count(*) FILTER (WHERE r.verdict <> 'dissatisfied')::int AS satisfied, count(*)::int AS rated
       FROM dossier_ratings r JOIN dossiers d ON d.id = r.dossier_id JOIN tree t ON t.id = d.handling_unit_id
       JOIN units ru ON ru.id = t.report_id
       JOIN procedure_versions v ON v.procedure_id = d.procedure_id AND v.version = d.procedure_version
       WHERE r.rated_at >= $2 AND r.rated_at < $3
       GROUP BY 1`,
      [scopeId, fromAt, toAt],
    );
  }

  async fieldKeys(): Promise<Map<string, string>> {
    const rows: { field_key: string; field: string }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (field_key) field_key, field FROM procedure_versions ORDER BY field_key, created_at DESC`,
    );
    return new Map(rows.map((r) => [r.field, r.field_key]));
  }
}
