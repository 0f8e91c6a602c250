import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/auth/auth-user';
import { AuditService } from 'src/common/audit.service';
import { notFound } from 'src/common/domain-error';
import { decodeCursor, DEFAULT_LIMIT, Page, toPage } from 'src/common/pagination';
import { toLocalIso } from 'src/common/time';
import type {
  CreateWebhookDto,
  DeliveryDto,
  ListDeliveriesQuery,
  WebhookDto,
  WebhookWithStatsDto,
} from 'src/sla/webhooks/dto/webhook.dto';
import { WEBHOOK_MESSAGES as M } from 'src/sla/webhooks/webhooks.messages';
import { DeliveryRow, WebhookRow, WebhooksRepository } from 'src/sla/webhooks/webhooks.repository';

const isListCursor = (v: unknown): v is { c: string; i: string } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { c: unknown }).c === 'string' &&
  typeof (v as { i: unknown }).i === 'string';
const isIdCursor = (v: unknown): v is string => typeof v === 'string' && /^\d{1,18}$/.test(v);

/** Webhook subscriptions (admin). Alerts of the subscribed kinds are POSTed, signed, to each active one. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repo: WebhooksRepository,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateWebhookDto, actor: AuthUser): Promise<WebhookDto> {
    const row = await this.repo.create({ url: dto.url, secret: dto.secret, kinds: dto.kinds, createdBy: actor.id });
    // Neither the URL (it may carry a token) nor the secret goes into the audit trail.
    await this.audit.record({
      actorUserId: actor.id,
      action: 'webhook.create',
      entity: 'webhook',
      entityId: row.id,
      details: { kinds: row.kinds },
    });
    return toDto(row);
  }

  async list(limit = DEFAULT_LIMIT, cursor?: string): Promise<Page<WebhookWithStatsDto>> {
    const after = decodeCursor(cursor, isListCursor);
    const rows = await this.repo.list(limit, after && { createdAt: after.c, id: after.i });
    const stats = new Map((await this.repo.stats(rows.slice(0, limit).map((r) => r.id))).map((s) => [s.target, s]));
    return toPage(
      rows,
      limit,
      (r) => {
        const s = stats.get(r.id);
        return {
          ...toDto(r),
          deliveries: { pending: s?.pending ?? 0, sent: s?.sent ?? 0, failed: s?.failed ?? 0 },
          lastError: s?.last_error ?? null,
          lastErrorAt: toLocalIso(s?.last_error_at ?? null),
        };
      },
      (r) => ({ c: r.created_key, i: r.id }),
    );
  }

  /** Deactivates: alerts created from now on skip it and its pending deliveries are not sent. Repeating is a no-op. */
  async deactivate(id: string, actor: AuthUser): Promise<void> {
    if (!(await this.repo.deactivate(id))) throw notFound(M.notFound);
    await this.audit.record({ actorUserId: actor.id, action: 'webhook.deactivate', entity: 'webhook', entityId: id });
  }

  async deliveries(id: string, q: ListDeliveriesQuery): Promise<Page<DeliveryDto>> {
    if (!(await this.repo.findById(id))) throw notFound(M.notFound);
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(q.cursor, isIdCursor);
    const rows = await this.repo.deliveries(id, q.status, limit, after);
    return toPage(rows, limit, toDeliveryDto, (r) => r.id);
  }
}

function toDto(r: WebhookRow): WebhookDto {
  return { id: r.id, url: r.url, kinds: r.kinds, active: r.active, createdAt: toLocalIso(r.created_at) };
}

function toDeliveryDto(r: DeliveryRow): DeliveryDto {
  return {
    id: r.id,
    alertId: r.alert_id,
    kind: r.kind,
    dossierId: r.dossier_id,
    dossierCode: r.dossier_code,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: toLocalIso(r.created_at),
    lastAttemptAt: toLocalIso(r.last_attempt_at),
    sentAt: toLocalIso(r.sent_at),
  };
}
