import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { alertOutboxCtes } from 'src/sla/alert-outbox';

export const SCAN_KINDS = ['due_soon', 'overdue', 'stalled', 'escalated', 'supplement_expired'] as const;
export type ScanKind = (typeof SCAN_KINDS)[number];

/**
 * Per kind: the projection column whose passing fires the alert, the deadline the alert is about
 * (its identity with the dossier and the recipient), an extra condition, the unit it concerns,
 * and who receives it (docs/domain.md "Alerts").
 */
const HEAD_OF = (unit: string) =>
  `LEFT JOIN units hu ON hu.id = ${unit} LEFT JOIN users h ON h.id = hu.head_user_id AND h.active`;

// Recipients are joins (hash-joinable at scale), not per-row subqueries; `rc.uid` is null when the
// unit has no active head (the alert then sits in the unit's inbox).
/** The kinds the scan finds from the dossiers' deadline columns (escalated: from the overdue alerts). */
export type DeadlineKind = Exclude<ScanKind, 'escalated'>;

// Every active member of the reform board (or the handling unit's inbox when there is none).
const BOARD = `CROSS JOIN LATERAL unnest((SELECT coalesce(array_agg(b.id), ARRAY[NULL::uuid]) FROM users b
        WHERE b.role = 'reform_board' AND b.active)) rc(uid)`;

const RULES: Record<
  DeadlineKind,
  { trigger: string; deadline: string; extra: string; unit: string; recipients: string }
> = {
  // Open and running with at most the due-soon window left, not yet past the deadline:
  // the handling unit's head and the current assignee.
  due_soon: {
    trigger: 'due_soon_at',
    deadline: 'd.overdue_at',
    extra: 'AND d.overdue_at > $2',
    unit: 'd.handling_unit_id',
    recipients: `${HEAD_OF('d.handling_unit_id')} LEFT JOIN users a ON a.id = d.current_assignee_id AND a.active
        CROSS JOIN LATERAL (SELECT h.id AS uid UNION SELECT a.id WHERE a.id IS NOT NULL) rc`,
  },
  overdue: {
    trigger: 'overdue_at',
    deadline: 'd.overdue_at',
    extra: '',
    unit: 'd.handling_unit_id',
    recipients: `${HEAD_OF('d.handling_unit_id')} CROSS JOIN LATERAL (SELECT h.id AS uid) rc`,
  },
  // The current step past its own due instant: the head of the step's unit.
  stalled: {
    trigger: 'step_due_at',
    deadline: 'd.step_due_at',
    extra: 'AND d.current_step_unit_id IS NOT NULL',
    unit: 'd.current_step_unit_id',
    recipients: `${HEAD_OF('d.current_step_unit_id')} CROSS JOIN LATERAL (SELECT h.id AS uid) rc`,
  },
  // Decree 118 Art. 19.5: a supplement request unanswered for its period: the receiving unit's
  // counter staff, who close the dossier (or the unit's inbox when it has none).
  supplement_expired: {
    trigger: 'supplement_expires_at',
    deadline: 'd.supplement_expires_at',
    extra: '',
    unit: 'd.receiving_unit_id',
    recipients: `CROSS JOIN LATERAL unnest((SELECT coalesce(array_agg(cs.id), ARRAY[NULL::uuid]) FROM users cs
        WHERE cs.unit_id = d.receiving_unit_id AND cs.role = 'counter_staff' AND cs.active)) rc(uid)`,
  },
};

/**
 * The closing SELECT of a batch statement over the CTEs `cand` (candidates, keyed by `k` and
 * `idColumn`), `ins` (alerts created), `em` and `wh` (their outbox rows): the counts, the keyset
 * position of the last candidate and the outbox ids.
 */
const batchSummary = (idColumn: string) =>
  `SELECT (SELECT count(*)::int FROM ins) AS created,
          (SELECT count(*)::int FROM cand) AS candidates,
          (SELECT k::text FROM cand ORDER BY k DESC, ${idColumn} DESC LIMIT 1) AS last_k,
          (SELECT ${idColumn} FROM cand ORDER BY k DESC, ${idColumn} DESC LIMIT 1) AS last_id,
          ARRAY(SELECT id::text FROM em UNION ALL SELECT id::text FROM wh) AS deliveries`;

export interface BatchResult {
  /** Candidate dossiers read in this batch. */
  scanned: number;
  created: number;
  byKind: Partial<Record<ScanKind, number>>;
  deliveryIds: string[];
  /** Keyset position for the next batch (null: done). */
  next: { at: string; id: string } | null;
}

@Injectable()
export class SlaScanRepository {
  constructor(private readonly dataSource: DataSource) {}

  async watermark(kind: ScanKind): Promise<Date | null> {
    const rows: { scanned_until: Date }[] = await this.dataSource.query(
      `SELECT scanned_until FROM sla_scan_state WHERE kind = $1`,
      [kind],
    );
    return rows[0]?.scanned_until ?? null;
  }

  async setWatermark(kind: ScanKind, at: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO sla_scan_state (kind, scanned_until) VALUES ($1, $2)
       ON CONFLICT (kind) DO UPDATE SET scanned_until = GREATEST(sla_scan_state.scanned_until, EXCLUDED.scanned_until)`,
      [kind, at],
    );
  }

  /**
   * One batch of one kind, in one statement (so in one transaction): the candidate dossiers, their
   * alerts (ON CONFLICT DO NOTHING on the ledger's key), and the outbox rows of the alerts created.
   * `mode` 'deadline' walks dossiers whose trigger passed in (since, now]; 'changed' walks open
   * dossiers changed since `since` whose trigger is already past (a resumed dossier, a recomputed
   * deadline); 'full' walks every dossier whose trigger is past (first scan, no watermark).
   */
  async scanBatch(
    kind: DeadlineKind,
    mode: 'deadline' | 'changed' | 'full',
    now: Date,
    since: Date | null,
    after: { at: string; id: string } | null,
    limit: number,
    emailEnabled: boolean,
    escalateAt: Date,
  ): Promise<BatchResult> {
    const r = RULES[kind];
    const key = mode === 'changed' ? 'updated_at' : r.trigger;
    // An overdue alert carries when it escalates: `escalateAt`, the escalation delay after this
    // scan's instant (its created_at), computed by the caller with the working calendar.
    const params: unknown[] = [kind, now, limit, emailEnabled, kind === 'overdue' ? escalateAt : null];
    const where: string[] = [`c.${r.trigger} <= $2`];
    if (mode === 'deadline') {
      params.push(since);
      where.push(`c.${r.trigger} > $${params.length}`);
    }
    if (mode === 'changed') {
      params.push(since);
      where.push(`c.ended_at IS NULL AND c.updated_at > $${params.length}`);
    }
    if (after) {
      params.push(after.at, after.id);
      where.push(`(c.${key}, c.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const sql = `
      WITH cand AS (
        SELECT c.id, c.${key} AS k, c.handling_unit_id, c.current_step_unit_id, c.current_assignee_id,
               c.overdue_at, c.step_due_at, c.ended_at, c.receiving_unit_id, c.supplement_expires_at
        FROM dossiers c
        WHERE ${where.join(' AND ')}
        ORDER BY c.${key}, c.id
        LIMIT $3
      ),
      ins AS (
        INSERT INTO alerts (kind, dossier_id, unit_id, recipient_user_id, deadline_at, created_at, escalate_at)
        SELECT $1, d.id, ${r.unit}, rc.uid, ${r.deadline}, $2, $5::timestamptz
        FROM cand d ${r.recipients}
        WHERE d.ended_at IS NULL AND ${r.deadline} IS NOT NULL ${r.extra}
        ON CONFLICT DO NOTHING
        RETURNING id, kind, recipient_user_id, deadline_at
      ),
      ${alertOutboxCtes('ins', '$4::boolean')}
      ${batchSummary('id')}`;
    return this.runBatch(kind, sql, params, limit);
  }

  /**
   * The instants of open overdue alerts not yet escalated whose escalation instant is unknown (raised
   * before escalation was timed from the alert): one per distinct created_at, since the instant
   * depends on nothing else. As text: a timestamptz has microseconds, a JS Date only milliseconds.
   */
  async unscheduledEscalations(limit: number): Promise<{ text: string; at: Date }[]> {
    const rows: { text: string; at: Date }[] = await this.dataSource.query(
      `SELECT created_at::text AS text, created_at AS at FROM alerts
       WHERE kind = 'overdue' AND closed_at IS NULL AND escalated_at IS NULL AND escalate_at IS NULL
       GROUP BY created_at
       LIMIT $1`,
      [limit],
    );
    return rows;
  }

  /** Sets the escalation instant of those alerts (pairs of created_at and escalate_at); how many. */
  async scheduleEscalations(pairs: { createdAt: string; escalateAt: Date }[]): Promise<number> {
    const [, count]: [unknown[], number] = await this.dataSource.query(
      `UPDATE alerts a SET escalate_at = v.escalate_at
       FROM unnest($1::timestamptz[], $2::timestamptz[]) v(created_at, escalate_at)
       WHERE a.kind = 'overdue' AND a.closed_at IS NULL AND a.escalated_at IS NULL AND a.escalate_at IS NULL
         AND a.created_at = v.created_at`,
      [pairs.map((p) => p.createdAt), pairs.map((p) => p.escalateAt)],
    );
    return count;
  }

  /**
   * One batch of escalations, in one statement: open overdue alerts whose escalation instant has
   * come, of dossiers still open and still overdue on that deadline (docs/domain.md "Alerts": still
   * overdue 16 working hours after overdue fired), raise `escalated` to every active member of the
   * reform board, with its outbox rows, and are marked escalated. An alert whose dossier moved past
   * it is left to closeStale. Keyset by (escalate_at, id).
   */
  async escalateBatch(
    now: Date,
    after: { at: string; id: string } | null,
    limit: number,
    emailEnabled: boolean,
  ): Promise<BatchResult> {
    const params: unknown[] = [now, limit, emailEnabled];
    let keyset = '';
    if (after) {
      params.push(after.at, after.id);
      keyset = `AND (o.escalate_at, o.id) > ($4::timestamptz, $5::uuid)`;
    }
    const sql = `
      WITH cand AS (
        SELECT o.id AS alert_id, o.deadline_at AS alert_deadline, o.escalate_at AS k, d.id, d.handling_unit_id,
               d.overdue_at, (d.ended_at IS NULL AND d.overdue_at = o.deadline_at) AS due
        FROM alerts o JOIN dossiers d ON d.id = o.dossier_id
        WHERE o.kind = 'overdue' AND o.closed_at IS NULL AND o.escalated_at IS NULL AND o.escalate_at <= $1 ${keyset}
        ORDER BY o.escalate_at, o.id
        LIMIT $2
      ),
      late AS (SELECT DISTINCT id, handling_unit_id, overdue_at FROM cand WHERE due),
      ins AS (
        INSERT INTO alerts (kind, dossier_id, unit_id, recipient_user_id, deadline_at, created_at)
        SELECT 'escalated', d.id, d.handling_unit_id, rc.uid, d.overdue_at, $1
        FROM late d ${BOARD}
        ON CONFLICT DO NOTHING
        RETURNING id, kind, recipient_user_id, deadline_at
      ),
      done AS (
        UPDATE alerts o SET escalated_at = $1 FROM cand c
        WHERE c.due AND o.id = c.alert_id AND o.deadline_at = c.alert_deadline
      ),
      ${alertOutboxCtes('ins', '$3::boolean')}
      ${batchSummary('alert_id')}`;
    return this.runBatch('escalated', sql, params, limit);
  }

  /** Runs a batch statement ending with batchSummary(). */
  private async runBatch(kind: ScanKind, sql: string, params: unknown[], limit: number): Promise<BatchResult> {
    const [row]: {
      created: number;
      candidates: number;
      last_k: string | null;
      last_id: string | null;
      deliveries: string[];
    }[] = await this.dataSource.query(sql, params);
    // The keyset position travels as text: timestamptz has microseconds, a JS Date only milliseconds.
    return {
      scanned: row.candidates,
      created: row.created,
      byKind: { [kind]: row.created },
      deliveryIds: row.deliveries,
      next: row.candidates === limit && row.last_k && row.last_id ? { at: row.last_k, id: row.last_id } : null,
    };
  }

  /**
   * Closes open alerts the dossier has moved past: it ended; its deadline for that kind is no
   * longer the one the alert was about (a new step, an extension, a recomputation); a due-soon
   * alert once the deadline has passed (the overdue alert takes over).
   */
  async closeStale(now: Date, since: Date | null): Promise<number> {
    // Only dossiers changed since the last scan can have moved past an alert, and due-soon alerts
    // whose deadline has come; without a watermark (first scan) every open alert is checked.
    const scope = since ? `AND (d.updated_at > $2 OR (a.kind = 'due_soon' AND a.deadline_at <= $1))` : '';
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [, count]: [unknown[], number] = await this.dataSource.query(
      `UPDATE alerts a SET closed_at = $1
       FROM dossiers d
       WHERE a.dossier_id = d.id AND a.closed_at IS NULL AND a.kind NOT IN ('feedback_overdue', 'directive_comment') ${scope} AND (
         d.ended_at IS NOT NULL
         OR (d.paused_since IS NULL AND a.kind = 'due_soon' AND a.deadline_at IS DISTINCT FROM d.overdue_at)
         -- Paused too: a paused dossier keeps as overdue_at a deadline that was already past, so an
         -- alert about another deadline (corrected meanwhile) is stale.
         OR (a.kind IN ('overdue', 'escalated') AND a.deadline_at IS DISTINCT FROM d.overdue_at)
         OR (d.paused_since IS NULL AND a.kind = 'stalled' AND a.deadline_at IS DISTINCT FROM d.step_due_at)
         OR (a.kind = 'supplement_expired' AND a.deadline_at IS DISTINCT FROM d.supplement_expires_at)
         OR (a.kind = 'due_soon' AND d.overdue_at <= $1)
       )
       RETURNING a.id`,
      since ? [now, since] : [now],
    );
    return count;
  }
}
