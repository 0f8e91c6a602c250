import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { eventsSince } from 'src/dossiers/dossiers.repository';
import type { AlertKind } from 'src/sla/delivery/delivery.messages';

export type DeliveryChannel = 'email' | 'webhook';

export interface ClaimedDelivery {
  id: string;
  alert_id: string;
  channel: DeliveryChannel;
  target: string;
  attempts: number;
}

/** The alert with what the message names: dossier, procedure, current step, units, recipient. */
export interface AlertContext {
  id: string;
  kind: AlertKind;
  dossier_id: string;
  dossier_code: string;
  procedure_code: string;
  procedure_name: string | null;
  status: string;
  unit_code: string;
  unit_name: string;
  recipient_user_id: string | null;
  recipient_name: string | null;
  deadline_at: Date;
  created_at: Date;
  step_name: string | null;
  step_unit_code: string | null;
  step_unit_name: string | null;
  /** directive_comment: the comment's text and author (the comment event at the alert's instant). */
  comment_text: string | null;
  comment_author: string | null;
  comment_author_id: string | null;
}

export interface WebhookTarget {
  url: string;
  secret: string;
  active: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class DeliveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims a pending delivery for `leaseMs`, in one statement that commits at once: nobody else
   * claims it until the claim ends (recorded, or expired because its worker died mid-send). Two
   * workers claiming at once: the second waits for the first's row update, re-reads the row and
   * finds it claimed, and gets nothing. No lock or transaction is held during the send itself.
   */
  async claim(id: string, leaseMs: number): Promise<ClaimedDelivery | null> {
    const rows: [ClaimedDelivery[], number] | ClaimedDelivery[] = await this.dataSource.query(
      `UPDATE alert_deliveries SET claimed_until = now() + $2 * interval '1 millisecond'
       WHERE id = $1 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < now())
       RETURNING id::text AS id, alert_id, channel, target, attempts`,
      [id, leaseMs],
    );
    // An UPDATE ... RETURNING answers [rows, count] through TypeORM's postgres driver.
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as ClaimedDelivery[];
    return list[0] ?? null;
  }

  async alertContext(alertId: string): Promise<AlertContext | null> {
    const rows: AlertContext[] = await this.dataSource.query(
      `SELECT a.id, a.kind, a.dossier_id, d.code AS dossier_code, d.procedure_code, pv.name AS procedure_name,
              d.status, au.code AS unit_code, au.name AS unit_name, a.recipient_user_id, r.full_name AS recipient_name,
              a.deadline_at, a.created_at,
              d.state->'steps'->((d.state->>'currentStep')::int)->>'name' AS step_name,
              su.code AS step_unit_code, su.name AS step_unit_name,
              c.text AS comment_text, c.author AS comment_author, c.author_id AS comment_author_id
       FROM alerts a
       JOIN dossiers d ON d.id = a.dossier_id
       JOIN units au ON au.id = a.unit_id
       LEFT JOIN procedure_versions pv ON pv.procedure_id = d.procedure_id AND pv.version = d.procedure_version
       LEFT JOIN units su ON su.id = d.current_step_unit_id
       LEFT JOIN users r ON r.id = a.recipient_user_id
       LEFT JOIN LATERAL (
         SELECT e.payload ->> 'text' AS text, cu.full_name AS author, e.actor_user_id AS author_id
         FROM dossier_events e LEFT JOIN users cu ON cu.id = e.actor_user_id
         WHERE e.dossier_id = a.dossier_id AND e.action = 'comment' AND e.at = a.created_at
           AND ${eventsSince('d.created_at', 'e.')}
         ORDER BY e.seq DESC LIMIT 1
       ) c ON a.kind = 'directive_comment'
       WHERE a.id = $1`,
      [alertId],
    );
    return rows[0] ?? null;
  }

  async webhook(id: string): Promise<WebhookTarget | null> {
    if (!UUID.test(id)) return null;
    const rows: WebhookTarget[] = await this.dataSource.query(
      `SELECT url, secret, active FROM webhooks WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * Records an accepted send: one short statement of its own, run right after the receiver accepted,
   * so the window in which a crash can lose the record (and the message be sent again) is one round
   * trip. The caller retries it while the database is unreachable.
   */
  async markSent(id: string, attempts: number, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE alert_deliveries SET status = 'sent', attempts = $2, sent_at = $3, last_attempt_at = $3, claimed_until = NULL
       WHERE id = $1`,
      [id, attempts, at],
    );
  }

  /** Ends a claim whose send never started. */
  async release(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE alert_deliveries SET claimed_until = NULL WHERE id = $1`, [id]);
  }

  /** Records a failed try and ends the claim (a retry may claim it at once). */
  async markFailedAttempt(
    id: string,
    attempts: number,
    error: string,
    status: 'pending' | 'failed',
    at: Date,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE alert_deliveries SET status = $4, attempts = $2, last_error = $3, last_attempt_at = $5, claimed_until = NULL
       WHERE id = $1`,
      [id, attempts, error, status, at],
    );
  }

  /**
   * Deliveries still pending, created and last tried before `cutoff`, in (created_at, id) order
   * after `after`: the keyset follows the partial index on pending rows' created_at (the redundant
   * `created_at >=` lets the index start there; the rows of one scan batch share one created_at).
   * created_at travels as text: a JS Date would drop its microseconds and the keyset would stall.
   */
  async stalePending(
    cutoff: Date,
    after: { createdAt: string; id: string } | null,
    limit: number,
  ): Promise<{ id: string; created_at: string }[]> {
    const params: unknown[] = [cutoff, limit];
    let keyset = '';
    if (after) {
      params.push(after.createdAt, after.id);
      keyset = `AND created_at >= $3::timestamptz AND (created_at, id) > ($3::timestamptz, $4::bigint)`;
    }
    return this.dataSource.query(
      // ORDER BY names the table's columns: unqualified, it would sort by the text aliases.
      `SELECT ad.id::text AS id, ad.created_at::text AS created_at FROM alert_deliveries ad
       WHERE status = 'pending' AND created_at < $1 AND coalesce(last_attempt_at, created_at) < $1 ${keyset}
       ORDER BY ad.created_at, ad.id LIMIT $2`,
      params,
    );
  }
}
