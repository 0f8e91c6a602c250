import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuthUser } from 'src/auth/auth-user';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { Clock } from 'src/common/clock';
import { DomainError } from 'src/common/domain-error';
import { ROOT_LOGGER } from 'src/common/logger';
import { toLocalIso } from 'src/common/time';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { DossiersService } from 'src/dossiers/dossiers.service';
import type {
  CallbackAckDto,
  ChangeNotificationsDto,
  MessageDto,
  MessagesReportDto,
  MessagesReportQuery,
  MessagesReportRowDto,
  NotificationsDto,
} from 'src/messages/dto/messages.dto';
import { maskEmail, maskPhone } from 'src/messages/message-rules';
import { citizenMessagesTotal } from 'src/messages/messages.metrics';
import { MessagesRepository, type MessageRow } from 'src/messages/messages.repository';
import { smsCallbackToken } from 'src/messages/send-message.handler';
import { isWellFormedCode } from 'src/public/citizen-rules';
import { lookupKeyMatches } from 'src/public/lookup-key';
import { PeriodError, resolvePeriod } from 'src/reports/periods';
import { DataSource } from 'typeorm';

const NO_HASH = '0'.repeat(64);
const unauthorized = () => new DomainError('UNAUTHORIZED', 'Chữ ký của báo cáo gửi tin không hợp lệ.');

function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Messages read by staff, the citizen's consent, the board's report, and providers' delivery reports. */
@Injectable()
export class MessagesService {
  constructor(
    private readonly repo: MessagesRepository,
    private readonly dossiers: DossiersService,
    private readonly units: UnitsRepository,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async forDossier(id: string, user: AuthUser): Promise<{ items: MessageDto[] }> {
    await this.dossiers.visibleRow(id, user);
    return { items: (await this.repo.forDossier(id)).map(toDto) };
  }

  /** The citizen, with the lookup key, turns channels on or off (off skips what is still queued). */
  async changeConsent(code: string, dto: ChangeNotificationsDto): Promise<NotificationsDto> {
    const rows: { id: string; code: string; lookup_key_hash: string }[] = isWellFormedCode(code)
      ? await this.dataSource.query(`SELECT id, code, lookup_key_hash FROM dossiers WHERE code = $1`, [code])
      : [];
    const row = rows[0];
    const matches = lookupKeyMatches(dto.lookupKey, row?.lookup_key_hash ?? NO_HASH);
    if (!row || !matches) throw new DomainError('NOT_FOUND', 'Không tìm thấy hồ sơ với mã và mã tra cứu đã nhập.');
    const current = await this.repo.consent(row.id);
    const turningOn = (dto.sms && !current?.sms) || (dto.zalo && !current?.zalo) || (dto.email && !current?.email_on);
    if (turningOn) {
      if ((dto.sms || dto.zalo) && !current?.phone)
        throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
          { field: dto.sms ? 'sms' : 'zalo', message: 'no Vietnamese mobile number was given at intake' },
        ]);
      if (dto.email && !current?.email)
        throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
          { field: 'email', message: 'no e-mail address was given at intake' },
        ]);
    }
    const after = await this.repo.updateConsent(row.id, { sms: dto.sms, zalo: dto.zalo, email: dto.email });
    this.logger.info(
      { dossierId: row.id, sms: after?.sms, zalo: after?.zalo, email: after?.email_on },
      'message consent changed',
    );
    return { code: row.code, sms: !!after?.sms, zalo: !!after?.zalo, email: !!after?.email_on };
  }

  async report(q: MessagesReportQuery): Promise<MessagesReportDto> {
    let period;
    try {
      period = resolvePeriod(q, 1);
    } catch (e) {
      if (e instanceof PeriodError)
        throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [{ field: e.field, message: e.message }]);
      throw e;
    }
    let unitIds: string[] | null = null;
    if (q.unitCode) {
      const unit = await this.units.findByCode(q.unitCode);
      if (!unit)
        throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
          { field: 'unitCode', message: 'unknown unit' },
        ]);
      unitIds = [unit.id];
    }
    const from = new Date(`${period.from}T00:00:00+07:00`);
    const to = new Date(new Date(`${period.to}T00:00:00+07:00`).getTime() + 86_400_000);
    const rows: MessagesReportRowDto[] = (await this.repo.report(from, to, unitIds)).map((r) => ({
      unitCode: r.unit_code,
      unitName: r.unit_name,
      channel: r.channel,
      sent: r.sent,
      delivered: r.delivered,
      failed: r.failed,
      fallback: r.fallback,
      segments: r.segments,
      costVnd: r.cost_vnd,
    }));
    const total: MessagesReportRowDto = {
      unitCode: '*',
      unitName: 'Tổng cộng',
      channel: '*',
      sent: 0,
      delivered: 0,
      failed: 0,
      fallback: 0,
      segments: 0,
      costVnd: 0,
    };
    for (const r of rows) {
      for (const k of ['sent', 'delivered', 'failed', 'fallback', 'segments', 'costVnd'] as const) total[k] += r[k];
    }
    return { period: period.label, from: period.from, to: period.to, rows, total };
  }

  /**
   * A provider's delivery report. Zalo (`zalo`): the OA webhook event `user_received_message`,
   * signed in `X-ZEvent-Signature: mac=<sha256 hex of app_id + raw body + timestamp + secret key>`.
   * The SMS gateway (`sms`, eSMS.vn): eSMS does not sign its callback, so the CallbackUrl we give it
   * per message carries `token=<HMAC-SHA256 of our message id (its RequestId) with SMS_SECRET_KEY>`;
   * SendStatus 5 is delivered, 4 refused. A report that does not verify is 401.
   */
  async callback(
    provider: string,
    input: {
      headers: Record<string, unknown>;
      query: Record<string, unknown>;
      body: unknown;
      rawBody: Buffer | undefined;
    },
  ): Promise<CallbackAckDto> {
    if (provider === 'zalo') return this.zaloCallback(input);
    if (provider === 'sms') return this.smsCallback(input);
    throw new DomainError('NOT_FOUND', 'Nhà cung cấp không tồn tại.');
  }

  /**
   * A delivery report by GET: eSMS.vn's (`sms`) documented way. eSMS appends its fields to our
   * CallbackUrl, which already has a query string (`id`, `token`); whether it joins them with `&` or
   * with a second `?`, every `?` after the first is read as `&`. Other providers report by POST.
   */
  async callbackGet(provider: string, url: string): Promise<CallbackAckDto> {
    if (provider !== 'sms') throw new DomainError('NOT_FOUND', 'Nhà cung cấp không tồn tại.');
    const at = url.indexOf('?');
    const query = new URLSearchParams(at < 0 ? '' : url.slice(at + 1).replace(/\?/g, '&'));
    const fields: Record<string, string> = {};
    for (const [k, v] of query) if (!(k in fields)) fields[k] = v;
    return this.smsCallback({ query: fields, body: undefined });
  }

  private async zaloCallback(input: {
    headers: Record<string, unknown>;
    body: unknown;
    rawBody: Buffer | undefined;
  }): Promise<CallbackAckDto> {
    const { ZALO_APP_ID: appId, ZALO_SECRET_KEY: secret } = this.config;
    const header = input.headers['x-zevent-signature'];
    if (!appId || !secret || typeof header !== 'string' || !input.rawBody) throw unauthorized();
    const body = (input.body ?? {}) as Record<string, unknown>;
    const raw = input.rawBody.toString('utf8');
    const expected = createHash('sha256')
      .update(`${appId}${raw}${String(body.timestamp ?? '')}${secret}`)
      .digest('hex');
    const given = header.replace(/^mac=/, '').trim().toLowerCase();
    if (!safeEqualHex(given, expected)) throw unauthorized();
    if (body.event_name !== 'user_received_message') return { received: true, updated: 0 };
    const message = (body.message ?? {}) as Record<string, unknown>;
    const trackingId = typeof message.tracking_id === 'string' ? message.tracking_id : undefined;
    const msgId = typeof message.msg_id === 'string' ? message.msg_id : undefined;
    const deliveredAt = Number(message.delivery_time);
    const at = Number.isFinite(deliveredAt) && deliveredAt > 0 ? new Date(deliveredAt) : this.clock.now();
    const match =
      trackingId && /^[0-9a-f-]{36}$/i.test(trackingId)
        ? { id: trackingId }
        : msgId
          ? { providerMessageId: msgId }
          : null;
    if (!match) return { received: true, updated: 0 };
    const units = await this.repo.recordReport('zalo', match, { delivered: true, at });
    for (const unit of units) citizenMessagesTotal.inc({ unit, channel: 'zalo', result: 'delivered' });
    return { received: true, updated: units.length };
  }

  private async smsCallback(input: { query: Record<string, unknown>; body: unknown }): Promise<CallbackAckDto> {
    const secret = this.config.SMS_SECRET_KEY;
    const fields = {
      ...(typeof input.body === 'object' && input.body ? (input.body as Record<string, unknown>) : {}),
      ...input.query,
    };
    const token = typeof fields.token === 'string' ? fields.token : '';
    // Our message id: `id` of the CallbackUrl (signed by its token), else eSMS's RequestId (ours too;
    // eSMS's own samples show it empty, so the URL carries the id itself).
    const requestId =
      typeof fields.id === 'string' && fields.id
        ? fields.id
        : typeof fields.RequestId === 'string'
          ? fields.RequestId
          : '';
    if (!secret || !token || !/^[0-9a-f-]{36}$/i.test(requestId)) throw unauthorized();
    if (!safeEqualHex(token.toLowerCase(), smsCallbackToken(secret, requestId))) throw unauthorized();
    const status = String(fields.SendStatus ?? '');
    let units: string[] = [];
    if (status === '5')
      units = await this.repo.recordReport('sms', { id: requestId }, { delivered: true, at: this.clock.now() });
    else if (status === '4')
      units = await this.repo.recordReport(
        'sms',
        { id: requestId },
        { delivered: false, error: 'eSMS SendStatus 4: refused' },
      );
    for (const unit of units)
      citizenMessagesTotal.inc({ unit, channel: 'sms', result: status === '5' ? 'delivered' : 'failed' });
    const updated = units.length;
    return { received: true, updated };
  }
}

function toDto(r: MessageRow): MessageDto {
  return {
    id: r.id,
    milestone: r.milestone,
    channel: r.channel,
    status: r.status,
    to: r.channel === 'email' ? maskEmail(r.to_address) : maskPhone(r.to_address),
    segments: r.segments,
    costVnd: r.cost_vnd,
    createdAt: toLocalIso(r.created_at),
    scheduledFor: toLocalIso(r.scheduled_for),
    sentAt: toLocalIso(r.sent_at),
    deliveredAt: toLocalIso(r.delivered_at),
    error: r.error,
    attempts: r.attempts,
    fallbackOf: r.fallback_of,
    templateVersion: r.template_version,
  };
}
