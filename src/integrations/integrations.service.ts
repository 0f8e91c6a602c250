import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuthUser } from 'src/auth/auth-user';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { AuditService } from 'src/common/audit.service';
import { DomainError, notFound } from 'src/common/domain-error';
import { decodeCursor, DEFAULT_LIMIT, Page, toPage } from 'src/common/pagination';
import { toLocalIso } from 'src/common/time';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import type {
  CreateSourceDto,
  MismatchDto,
  RejectedDto,
  ReprocessResultDto,
  SourceDto,
  SourceWithKeyDto,
} from 'src/integrations/dto/integration.dto';
import { type DvcqgService, SERVICES } from 'src/integrations/dvcqg-format';
import { FeedService } from 'src/integrations/feed.service';
import { IntegrationsRepository, RejectedRow, SourceRow } from 'src/integrations/integrations.repository';

/** An API key: 32 random bytes, base64url, with a prefix that makes a leaked one easy to recognise. */
const KEY_PREFIX = 'slak_';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

const isStampCursor = (v: unknown): v is { r: string; i: string } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { r: unknown }).r === 'string' &&
  !Number.isNaN(Date.parse((v as { r: string }).r)) &&
  typeof (v as { i: unknown }).i === 'string' &&
  /^[0-9a-f-]{36}$/i.test((v as { i: string }).i);
const isCodeCursor = (v: unknown): v is { c: string } =>
  typeof v === 'object' && v !== null && typeof (v as { c: unknown }).c === 'string';

/** Reprocessed per statement batch (oldest first). */
const REPROCESS_BATCH = 200;

/** Source systems (keys), the rejected-records list and the NgayHenTra mismatch list. */
@Injectable()
export class IntegrationsService {
  constructor(
    private readonly repo: IntegrationsRepository,
    private readonly units: UnitsRepository,
    private readonly feed: FeedService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // ---- sources ------------------------------------------------------------------------------

  async createSource(dto: CreateSourceDto, actor: AuthUser): Promise<SourceWithKeyDto> {
    const codes = [...new Set(dto.unitCodes)];
    const units = await this.units.findByCodes(codes);
    const missing = codes.filter((c) => !units.some((u) => u.code === c));
    if (missing.length)
      throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
        { field: 'unitCodes', message: `unknown unit codes: ${missing.join(', ')}` },
      ]);
    const map = dto.procedureMap ?? {};
    const bad = Object.entries(map).find(
      ([k, v]) => typeof v !== 'string' || !k || k.length > 100 || !v || v.length > 60,
    );
    if (bad || Object.keys(map).length > 5000)
      throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
        { field: 'procedureMap', message: 'procedureMap maps codes (1-100 characters) to our procedure codes (1-60)' },
      ]);
    const apiKey = KEY_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.repo.createSource({
      id: randomUUID(),
      name: dto.name,
      unitIds: units.map((u) => u.id),
      procedureMap: map,
      syncsToPortal: dto.syncsToPortal ?? true,
      keyHash: hashApiKey(apiKey),
    });
    await this.audit.record({ actorUserId: actor.id, action: 'integrations.source.create', details: { id: row.id } });
    return { ...(await this.toDto(row)), apiKey };
  }

  async listSources(limit = DEFAULT_LIMIT, cursor?: string): Promise<Page<SourceDto>> {
    const after = decodeCursor(cursor, isStampCursor);
    const rows = await this.repo.listSources(limit, after ? { c: after.r, i: after.i } : undefined);
    const codes = await this.units.codesById(rows.flatMap((r) => r.unit_ids));
    return toPage(
      rows,
      limit,
      (r) => this.toDtoWith(r, codes),
      (r) => ({ r: r.created_at.toISOString(), i: r.id }),
    );
  }

  async rotateKey(id: string, actor: AuthUser): Promise<SourceWithKeyDto> {
    const apiKey = KEY_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.repo.rotateKey(id, hashApiKey(apiKey));
    if (!row) throw notFound('Hệ thống nguồn');
    await this.audit.record({ actorUserId: actor.id, action: 'integrations.source.rotate-key', details: { id } });
    return { ...(await this.toDto(row)), apiKey };
  }

  async revoke(id: string, actor: AuthUser): Promise<void> {
    if (!(await this.repo.revoke(id))) throw notFound('Hệ thống nguồn');
    await this.audit.record({ actorUserId: actor.id, action: 'integrations.source.revoke', details: { id } });
  }

  /** The source an X-Api-Key belongs to (null: unknown or revoked). */
  authenticate(key: string): Promise<SourceRow | null> {
    return this.repo.sourceByKeyHash(hashApiKey(key));
  }

  private async toDto(r: SourceRow): Promise<SourceDto> {
    return this.toDtoWith(r, await this.units.codesById(r.unit_ids));
  }

  private toDtoWith(r: SourceRow, codes: Map<string, string>): SourceDto {
    return {
      id: r.id,
      name: r.name,
      unitCodes: r.unit_ids.map((u) => codes.get(u) ?? u),
      procedureMap: r.procedure_map,
      syncsToPortal: r.syncs_to_portal,
      createdAt: toLocalIso(r.created_at),
      keyRotatedAt: toLocalIso(r.key_rotated_at),
      revokedAt: toLocalIso(r.revoked_at),
    };
  }

  // ---- rejected -----------------------------------------------------------------------------

  async listRejected(q: { limit?: number; cursor?: string; sourceId?: string }): Promise<Page<RejectedDto>> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(q.cursor, isStampCursor);
    const rows = await this.repo.listRejected(limit, q.sourceId, after);
    return toPage(
      rows,
      limit,
      (r) => ({
        id: r.id,
        sourceId: r.source_id,
        receivedAt: toLocalIso(r.received_at),
        reason: r.reason,
        service: r.service,
        record: r.record_redacted,
      }),
      (r) => ({ r: r.received_at.toISOString(), i: r.id }),
    );
  }

  async reprocessOne(id: string, actor: AuthUser): Promise<ReprocessResultDto> {
    const row = await this.repo.rejectedById(id);
    if (!row) throw notFound('Bản ghi bị giữ lại');
    const result = { reprocessed: 0, stillRejected: 0 };
    await this.reprocess(row, result);
    await this.audit.record({
      actorUserId: actor.id,
      action: 'integrations.rejected.reprocess',
      details: { id, ...result },
    });
    return result;
  }

  async reprocessAll(sourceId: string | undefined, actor: AuthUser): Promise<ReprocessResultDto> {
    const result = { reprocessed: 0, stillRejected: 0 };
    // Records before progress items: an item kept because its dossier's record was kept needs it first.
    for (const service of SERVICES) {
      let after: { r: Date; i: string } | null = null;
      for (;;) {
        const rows = await this.repo.rejectedBatch(
          service,
          sourceId,
          after?.r ?? null,
          after?.i ?? null,
          REPROCESS_BATCH,
        );
        for (const row of rows) await this.reprocess(row, result);
        if (rows.length < REPROCESS_BATCH) break;
        const last = rows[rows.length - 1];
        after = { r: last.received_at, i: last.id };
      }
    }
    await this.audit.record({
      actorUserId: actor.id,
      action: 'integrations.rejected.reprocess',
      details: { sourceId: sourceId ?? null, ...result },
    });
    return result;
  }

  /** Re-applies a kept record through the same mapping; it leaves the list unless it is still unmappable. */
  private async reprocess(row: RejectedRow, result: ReprocessResultDto): Promise<void> {
    const source = await this.repo.sourceById(row.source_id);
    const record = this.feed.sealer.open(row.record_sealed);
    const outcome = source
      ? await this.feed.reapply(source, row.service as DvcqgService, row.unit_hint, row.is_updating, record)
      : { error: 'hệ thống nguồn không còn' };
    if (typeof outcome === 'object') {
      await this.repo.updateRejectedReason(row.id, outcome.error);
      result.stillRejected++;
    } else {
      await this.repo.deleteRejected(row.id);
      result.reprocessed++;
    }
  }

  // ---- mismatches ---------------------------------------------------------------------------

  async mismatches(q: { limit?: number; cursor?: string; sourceId?: string }): Promise<Page<MismatchDto>> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(q.cursor, isCodeCursor);
    const rows = await this.repo.mismatches(this.config.INTEGRATION_MISMATCH_MINUTES, limit, q.sourceId, after?.c);
    return toPage(
      rows,
      limit,
      (r) => ({
        dossierId: r.id,
        code: r.code,
        sourceId: r.source_id,
        theirs: toLocalIso(r.source_due_at),
        ours: toLocalIso(r.last_due_at),
        differenceMinutes: Math.round((r.source_due_at.getTime() - r.last_due_at.getTime()) / 60_000),
      }),
      (r) => ({ c: r.code }),
    );
  }
}
