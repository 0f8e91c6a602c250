import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface AlertRow {
  id: string;
  kind: string;
  /** Null for system alerts (calendar_horizon). */
  dossier_id: string | null;
  dossier_code: string | null;
  unit_id: string | null;
  unit_code: string | null;
  recipient_user_id: string | null;
  deadline_at: Date;
  created_at: Date;
  closed_at: Date | null;
  acknowledged_at: Date | null;
}

export interface AlertFilter {
  /** Null: everything (admin, reform board). */
  visibleUnitIds: string[] | null;
  /** Alerts addressed to this user are visible too. */
  recipientUserId: string;
  kind?: string;
  unitId?: string;
  open?: boolean;
  dossierId?: string;
  after?: { createdAt: string; id: string };
  limit: number;
}

const SELECT = `SELECT a.id, a.kind, a.dossier_id, d.code AS dossier_code, a.unit_id, u.code AS unit_code, a.recipient_user_id,
  a.deadline_at, a.created_at, a.closed_at, a.acknowledged_at
  FROM alerts a LEFT JOIN dossiers d ON d.id = a.dossier_id LEFT JOIN units u ON u.id = a.unit_id`;

@Injectable()
export class AlertsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(f: AlertFilter): Promise<AlertRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.visibleUnitIds)
      where.push(`(a.unit_id = ANY(${p(f.visibleUnitIds)}::uuid[]) OR a.recipient_user_id = ${p(f.recipientUserId)})`);
    if (f.kind) where.push(`a.kind = ${p(f.kind)}`);
    if (f.unitId) where.push(`a.unit_id = ${p(f.unitId)}`);
    if (f.open !== undefined) where.push(f.open ? 'a.closed_at IS NULL' : 'a.closed_at IS NOT NULL');
    if (f.dossierId) where.push(`a.dossier_id = ${p(f.dossierId)}`);
    if (f.after) where.push(`(a.created_at, a.id) < (${p(f.after.createdAt)}::timestamptz, ${p(f.after.id)}::uuid)`);
    return this.dataSource.query(
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.created_at DESC, a.id DESC LIMIT ${p(f.limit + 1)}`,
      params,
    );
  }

  async findById(id: string): Promise<AlertRow | null> {
    const rows: AlertRow[] = await this.dataSource.query(`${SELECT} WHERE a.id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** The first acknowledgement counts; repeating it changes nothing. */
  async acknowledge(id: string, userId: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE alerts SET acknowledged_at = $2, acknowledged_by = $3 WHERE id = $1 AND acknowledged_at IS NULL`,
      [id, at, userId],
    );
  }
}
