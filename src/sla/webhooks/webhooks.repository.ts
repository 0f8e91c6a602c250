import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface WebhookRow {
  id: string;
  url: string;
  kinds: string[];
  active: boolean;
  created_at: Date;
}

export interface WebhookStatsRow {
  target: string;
  pending: number;
  sent: number;
  failed: number;
  last_error: string | null;
  last_error_at: Date | null;
}

export interface DeliveryRow {
  id: string;
  alert_id: string;
  kind: string;
  dossier_id: string;
  dossier_code: string;
  status: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  last_attempt_at: Date | null;
  sent_at: Date | null;
}

/** An error that still stands: a sent delivery keeps the error of its last failed try, but it was resolved. */
const UNRESOLVED = `last_error IS NOT NULL AND status <> 'sent'`;

/** The secret is written here and read only by delivery (to sign); no query of this file returns it. */
const COLUMNS = 'id, url, kinds, active, created_at';

@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(w: { url: string; secret: string; kinds: string[]; createdBy: string }): Promise<WebhookRow> {
    const rows: WebhookRow[] = await this.dataSource.query(
      `INSERT INTO webhooks (url, secret, kinds, created_by) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [w.url, w.secret, w.kinds, w.createdBy],
    );
    return rows[0];
  }

  async findById(id: string): Promise<WebhookRow | null> {
    const rows: WebhookRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM webhooks WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Newest first; `created_key` is created_at as text, exact to the microsecond, for the cursor. */
  list(limit: number, after?: { createdAt: string; id: string }): Promise<(WebhookRow & { created_key: string })[]> {
    const params: unknown[] = [limit + 1];
    let where = '';
    if (after) {
      params.push(after.createdAt, after.id);
      where = `WHERE (created_at, id) < ($2::timestamptz, $3::uuid)`;
    }
    return this.dataSource.query(
      `SELECT ${COLUMNS}, created_at::text AS created_key FROM webhooks ${where} ORDER BY created_at DESC, id DESC LIMIT $1`,
      params,
    );
  }

  /** Deliveries per status and the latest error of a delivery not sent (pending retry or failed), per webhook. */
  stats(ids: string[]): Promise<WebhookStatsRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.dataSource.query(
      `SELECT target,
              count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'sent')::int AS sent,
              count(*) FILTER (WHERE status = 'failed')::int AS failed,
              (array_agg(last_error ORDER BY last_attempt_at DESC NULLS LAST) FILTER (WHERE ${UNRESOLVED}))[1] AS last_error,
              max(last_attempt_at) FILTER (WHERE ${UNRESOLVED}) AS last_error_at
       FROM alert_deliveries
       WHERE channel = 'webhook' AND target = ANY($1::text[])
       GROUP BY target`,
      [ids],
    );
  }

  /** Marks it inactive; returns false when there is no such webhook. */
  async deactivate(id: string): Promise<boolean> {
    // TypeORM answers an UPDATE with [rows, rowCount].
    const [, count]: [unknown[], number] = await this.dataSource.query(
      `UPDATE webhooks SET active = false WHERE id = $1`,
      [id],
    );
    return count > 0;
  }

  /** A webhook's deliveries, newest first (id order). */
  deliveries(webhookId: string, status: string | undefined, limit: number, afterId?: string): Promise<DeliveryRow[]> {
    const params: unknown[] = [webhookId, limit + 1];
    const where = [`ad.channel = 'webhook'`, `ad.target = $1`];
    if (status) {
      params.push(status);
      where.push(`ad.status = $${params.length}`);
    }
    if (afterId) {
      params.push(afterId);
      where.push(`ad.id < $${params.length}::bigint`);
    }
    return this.dataSource.query(
      `SELECT ad.id::text AS id, ad.alert_id, a.kind, a.dossier_id, d.code AS dossier_code, ad.status, ad.attempts,
              ad.last_error, ad.created_at, ad.last_attempt_at, ad.sent_at
       FROM alert_deliveries ad JOIN alerts a ON a.id = ad.alert_id JOIN dossiers d ON d.id = a.dossier_id
       WHERE ${where.join(' AND ')}
       ORDER BY ad.id DESC LIMIT $2`,
      params,
    );
  }
}
