import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/auth/auth-user';
import { UnitScopeService } from 'src/auth/unit-scope.service';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { Clock } from 'src/common/clock';
import { DomainError, notFound } from 'src/common/domain-error';
import { decodeCursor, DEFAULT_LIMIT, Page, toPage } from 'src/common/pagination';
import { toLocalIso } from 'src/common/time';
import { AlertRow, AlertsRepository } from 'src/sla/alerts.repository';
import type { AlertDto, ListAlertsQuery } from 'src/sla/dto/alert.dto';

const isCursor = (v: unknown): v is { c: string; i: string } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { c: unknown }).c === 'string' &&
  typeof (v as { i: unknown }).i === 'string';

/** The alert inbox: a user sees the alerts addressed to them and, as a unit head, those of the subtree. */
@Injectable()
export class AlertsService {
  constructor(
    private readonly repo: AlertsRepository,
    private readonly units: UnitsRepository,
    private readonly scope: UnitScopeService,
    private readonly clock: Clock,
  ) {}

  private async visibleUnits(user: AuthUser): Promise<string[] | null> {
    if (user.role === 'admin' || user.role === 'reform_board') return null;
    // Officers and counter staff see what is addressed to them; heads see their subtree's alerts.
    return user.role === 'unit_head' ? ((await this.scope.visibleUnitIds(user)) ?? []) : [];
  }

  async list(q: ListAlertsQuery, user: AuthUser): Promise<Page<AlertDto>> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(q.cursor, isCursor);
    let unitId: string | undefined;
    if (q.unitCode) {
      const unit = await this.units.findByCode(q.unitCode);
      if (!unit) return { items: [], nextCursor: null };
      unitId = unit.id;
    }
    const rows = await this.repo.list({
      visibleUnitIds: await this.visibleUnits(user),
      recipientUserId: user.id,
      kind: q.kind,
      unitId,
      open: q.open,
      dossierId: q.dossierId,
      after: after ? { createdAt: after.c, id: after.i } : undefined,
      limit,
    });
    return toPage(rows, limit, toDto, (r) => ({ c: r.created_at.toISOString(), i: r.id }));
  }

  async acknowledge(id: string, user: AuthUser): Promise<AlertDto> {
    const alert = await this.repo.findById(id);
    if (!alert) throw notFound('Cảnh báo');
    const visible = await this.visibleUnits(user);
    const mine = alert.recipient_user_id === user.id;
    if (!mine && visible !== null && (alert.unit_id === null || !visible.includes(alert.unit_id)))
      throw notFound('Cảnh báo');
    if (!mine && user.role === 'reform_board' && alert.kind !== 'escalated') {
      throw new DomainError('FORBIDDEN', 'Chỉ người nhận cảnh báo mới được xác nhận.');
    }
    await this.repo.acknowledge(id, user.id, this.clock.now());
    return toDto((await this.repo.findById(id))!);
  }
}

function toDto(r: AlertRow): AlertDto {
  return {
    id: r.id,
    kind: r.kind,
    dossierId: r.dossier_id,
    dossierCode: r.dossier_code,
    unitCode: r.unit_code,
    recipientUserId: r.recipient_user_id,
    deadlineAt: toLocalIso(r.deadline_at),
    createdAt: toLocalIso(r.created_at),
    closedAt: toLocalIso(r.closed_at),
    acknowledgedAt: toLocalIso(r.acknowledged_at),
  };
}
