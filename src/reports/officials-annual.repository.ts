import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The annual-evaluation figures of officials, beside the steps they handled (officials' annual record). */
export interface AnnualFigures {
  user_id: string;
  supplement_requests: number;
  supplement_breaches: number;
  rated_very_satisfied: number;
  rated_satisfied: number;
  rated_dissatisfied: number;
  conduct_feedback: number;
  conduct_feedback_upheld: number;
  extensions_caused: number;
}

/**
 * Per official, over [fromAt, toAt): supplement requests they made, and those that broke the
 * one-request rule (a dossier's second or later request); ratings given to dossiers of theirs
 * (dossiers where they completed a step); conduct feedback lodged on those dossiers, and how much of
 * it was upheld when answered; extensions issued on dossiers where they had completed a step late
 * before the extension (the lateness that caused it).
 */
@Injectable()
export class OfficialsAnnualRepository {
  constructor(private readonly dataSource: DataSource) {}

  async figures(userIds: string[], fromAt: Date, toAt: Date): Promise<Map<string, AnnualFigures>> {
    if (userIds.length === 0) return new Map();
    const rows: AnnualFigures[] = await this.dataSource.query(
      `WITH users_in AS (SELECT unnest($1::uuid[]) AS user_id),
       mine AS (SELECT DISTINCT sr.completed_by AS user_id, sr.dossier_id FROM step_results sr
                WHERE sr.completed_by = ANY($1::uuid[])),
       sup AS (
         SELECT e.actor_user_id AS user_id, count(*)::int AS n,
                count(*) FILTER (WHERE EXISTS (
                  SELECT 1 FROM dossier_events p WHERE p.dossier_id = e.dossier_id AND p.action = 'request_supplement' AND p.seq < e.seq
                ) OR EXISTS (
                  -- Decree 118/2025: a first request made after its window is a breach the fold recorded.
                  SELECT 1 FROM dossiers d, jsonb_array_elements(coalesce(d.state -> 'breaches', '[]'::jsonb)) b
                  WHERE d.id = e.dossier_id AND b ->> 'rule' = 'late_supplement_request'
                    AND (b ->> 'at')::numeric = round(extract(epoch FROM e.at) * 1000)
                ))::int AS breaches
         FROM dossier_events e
         WHERE e.action = 'request_supplement' AND e.actor_user_id = ANY($1::uuid[]) AND e.at >= $2 AND e.at < $3
         GROUP BY 1
       ),
       rat AS (
         SELECT m.user_id,
                count(*) FILTER (WHERE r.verdict = 'very_satisfied')::int AS vs,
                count(*) FILTER (WHERE r.verdict = 'satisfied')::int AS s,
                count(*) FILTER (WHERE r.verdict = 'dissatisfied')::int AS ds
         FROM mine m JOIN dossier_ratings r ON r.dossier_id = m.dossier_id
         WHERE r.rated_at >= $2 AND r.rated_at < $3 GROUP BY 1
       ),
       fb AS (
         SELECT m.user_id, count(*)::int AS n, count(*) FILTER (WHERE f.upheld IS TRUE)::int AS upheld
         FROM mine m JOIN dossier_feedback f ON f.dossier_id = m.dossier_id
         WHERE f.kind = 'conduct' AND f.lodged_at >= $2 AND f.lodged_at < $3 GROUP BY 1
       ),
       ext AS (
         SELECT sr.completed_by AS user_id, count(DISTINCT e.dossier_id || ':' || e.seq)::int AS n
         FROM dossier_events e JOIN step_results sr ON sr.dossier_id = e.dossier_id
         WHERE e.action = 'extend' AND e.at >= $2 AND e.at < $3
           AND sr.completed_by = ANY($1::uuid[]) AND sr.result = 'late' AND sr.completed_at <= e.at
         GROUP BY 1
       )
       SELECT u.user_id,
              coalesce(sup.n, 0) AS supplement_requests, coalesce(sup.breaches, 0) AS supplement_breaches,
              coalesce(rat.vs, 0) AS rated_very_satisfied, coalesce(rat.s, 0) AS rated_satisfied,
              coalesce(rat.ds, 0) AS rated_dissatisfied,
              coalesce(fb.n, 0) AS conduct_feedback, coalesce(fb.upheld, 0) AS conduct_feedback_upheld,
              coalesce(ext.n, 0) AS extensions_caused
       FROM users_in u
       LEFT JOIN sup ON sup.user_id = u.user_id LEFT JOIN rat ON rat.user_id = u.user_id
       LEFT JOIN fb ON fb.user_id = u.user_id LEFT JOIN ext ON ext.user_id = u.user_id`,
      [userIds, fromAt, toAt],
    );
    return new Map(rows.map((r) => [r.user_id, r]));
  }

  /** One official's steps completed in [fromAt, toAt), by result. */
  async steps(
    userId: string,
    fromAt: Date,
    toAt: Date,
  ): Promise<{ handled: number; early: number; on_time: number; late: number }> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS handled, count(*) FILTER (WHERE result = 'early')::int AS early,
              count(*) FILTER (WHERE result = 'on_time')::int AS on_time, count(*) FILTER (WHERE result = 'late')::int AS late
       FROM step_results WHERE completed_by = $1 AND completed_at >= $2 AND completed_at < $3`,
      [userId, fromAt, toAt],
    );
    return row;
  }
}
