import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuthUser } from 'src/auth/auth-user';
import { UnitScopeService } from 'src/auth/unit-scope.service';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { AuditService } from 'src/common/audit.service';
import { Clock } from 'src/common/clock';
import { DomainError } from 'src/common/domain-error';
import { localDate, toLocalIso } from 'src/common/time';
import { CRITERIA } from 'src/public/citizen-rules';
import { ClosedPeriodsRepository, ItemMeasureAt, PeriodRow } from 'src/reports/closed-periods.repository';
import type {
  AdjustmentsDto,
  ClosedPeriodDto,
  CorrectionsDto,
  CorrectionsQuery,
} from 'src/reports/dto/closed-periods.dto';
import type { IndexQuery, ProcessingQuery } from 'src/reports/dto/reports.dto';
import type { IndexReport, ProcessingReport } from 'src/reports/report.types';
import type { Period } from 'src/reports/periods';
import { GROUP_BYS } from 'src/reports/report.types';
import { ReportsRepository } from 'src/reports/reports.repository';
import { ReportsService } from 'src/reports/reports.service';

/** A stable serialisation (keys sorted at every level) so that the hash depends only on the content. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const processingKey = (scope: string, groupBy: string) => `processing|${scope}|${groupBy}`;
const indexKey = (scope: string) => `index|${scope}`;

/**
 * Closed periods (docs/domain.md "Closed periods"): closing freezes form 06a (every grouping) and
 * the index of a period, for the province and for every unit's subtree, as one snapshot with its
 * SHA-256; reports of a closed period answer from it. Writers of dossiers are held off while the
 * snapshot is taken (the same lock report_rebuild takes), so every later change of a figure is
 * caught by the adjustments trigger, and none is lost between the snapshot and the closing.
 */
@Injectable()
export class ClosedPeriodsService {
  constructor(
    private readonly repo: ClosedPeriodsRepository,
    private readonly reports: ReportsService,
    private readonly scopes: UnitScopeService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  // ------------------------------------------------------------------------------------------
  // Reports that may be frozen

  async processing(q: ProcessingQuery, user: AuthUser): Promise<ProcessingReport> {
    const period = this.reports.period(q);
    const scope = await this.reports.scope(q.unitCode, user);
    const frozen = await this.frozen(period.from, period.to, q.version, processingKey(scope.code, q.groupBy ?? 'unit'));
    if (frozen) return frozen as ProcessingReport;
    const report = await this.reports.processing(q, user);
    const carried = await this.repo.carried(period.from, false, scope.id);
    return carried.length ? { ...report, carriedAdjustments: carried } : report;
  }

  async index(q: IndexQuery, user: AuthUser): Promise<IndexReport> {
    const period = this.reports.period({ period: q.period, cutoffDay: q.cutoffDay });
    const scope = await this.reports.scope(q.unitCode, user);
    const frozen = await this.frozen(period.from, period.to, q.version, indexKey(scope.code));
    if (frozen) return frozen as IndexReport;
    const report = await this.reports.index(q, user);
    await this.reconcile({ endingBefore: period.from });
    const carried = await this.repo.carried(period.from, true, scope.id);
    return carried.length ? { ...report, carriedAdjustments: carried } : report;
  }

  private async frozen(from: string, to: string, version: number | undefined, key: string): Promise<unknown> {
    const row = await this.repo.frozen(from, to, version, key);
    if (!row) {
      if (version !== undefined)
        throw new DomainError('NOT_FOUND', `Kỳ báo cáo này không có phiên bản số liệu đã chốt số ${version}.`);
      return null;
    }
    if (row.entry === null)
      throw new DomainError('NOT_FOUND', 'Đơn vị này chưa có trong số liệu đã chốt của kỳ báo cáo.');
    return {
      ...(row.entry as object),
      frozen: true,
      version: row.version,
      hash: row.hash,
      closedAt: toLocalIso(row.closed_at),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Closing, reopening, listing

  async close(label: string, user: AuthUser): Promise<ClosedPeriodDto> {
    const period = this.reports.period({ period: label });
    const now = this.clock.now();
    if (period.to >= localDate(now))
      throw new DomainError(
        'RULE_VIOLATION',
        `Kỳ báo cáo ${label} chưa kết thúc (đến hết ngày ${period.to}); chưa chốt được.`,
      );
    const units: { code: string }[] = await this.unitCodes();
    const row = await this.repo.transaction(async (m) => {
      // Writers of dossiers, feedback, ratings and the catalogue wait until the period is closed
      // (reads go on), so the snapshot and the feedback / catalogue baseline see the same state.
      await m.query(`LOCK TABLE dossiers, dossier_feedback, dossier_ratings, procedures IN SHARE MODE`);
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('report_period_close'))`);
      const versions = await this.repo.versions(label, m);
      if (versions.some((v) => v.status === 'closed'))
        throw new DomainError('ALREADY_CLOSED', `Kỳ báo cáo ${label} đã được chốt số liệu.`);
      const reports = this.boundTo(m);
      const snapshot: Record<string, unknown> = {};
      for (const unitCode of [undefined, ...units.map((u) => u.code)]) {
        for (const groupBy of GROUP_BYS) {
          const r = await reports.processing({ period: label, unitCode, groupBy }, user);
          snapshot[processingKey(r.unitCode, groupBy)] = r;
        }
        const ix = await reports.index({ period: label, unitCode }, user);
        snapshot[indexKey(ix.unitCode)] = ix;
      }
      const text = canonicalJson(snapshot);
      const hash = createHash('sha256').update(text).digest('hex');
      const version = (versions.at(-1)?.version ?? 0) + 1;
      await this.repo.insert(m, {
        period: label,
        version,
        from: period.from,
        to: period.to,
        hash,
        snapshot: text,
        by: user.id,
        at: now,
      });
      await this.repo.insertItemBaseline(m, label, version, this.itemMeasureAt(period, now));
      await this.audit.record(
        {
          actorUserId: user.id,
          action: 'report_period.close',
          entity: 'report_period',
          details: { period: label, version, hash },
        },
        m,
      );
      return (await this.repo.versions(label, m)).find((v) => v.version === version)!;
    });
    return toDto(row);
  }

  async reopen(label: string, reason: string, user: AuthUser): Promise<ClosedPeriodDto> {
    this.reports.period({ period: label });
    const now = this.clock.now();
    const row = await this.repo.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('report_period_close'))`);
      const version = await this.repo.reopen(m, label, user.id, now, reason.trim());
      if (version === null) throw new DomainError('NOT_CLOSED', `Kỳ báo cáo ${label} chưa được chốt số liệu.`);
      await this.audit.record(
        {
          actorUserId: user.id,
          action: 'report_period.reopen',
          entity: 'report_period',
          details: { period: label, version, reason: reason.trim() },
        },
        m,
      );
      return (await this.repo.versions(label, m)).find((v) => v.version === version)!;
    });
    return toDto(row);
  }

  async list(): Promise<{ items: ClosedPeriodDto[] }> {
    return { items: (await this.repo.list()).map(toDto) };
  }

  async adjustments(label: string): Promise<AdjustmentsDto> {
    this.reports.period({ period: label });
    await this.reconcile({ period: label });
    const rows = await this.repo.adjustments(label);
    return {
      period: label,
      items: rows.map((a) => ({
        version: a.version,
        dossierId: a.dossier_id,
        dossierCode: a.dossier_code,
        feedbackId: a.item_kind === 'feedback' ? a.item_id : null,
        procedureCode: a.procedure_code,
        figure: a.figure,
        part: a.part,
        delta: a.delta,
        cause: { action: a.cause_action, at: toLocalIso(a.cause_at), actorUserId: a.cause_actor },
        recordedAt: toLocalIso(a.recorded_at)!,
      })),
    };
  }

  /**
   * Brings the adjustments of the feedback and catalogue indicators of closed versions up to date
   * (they move with time as well as with writes, so they are measured when they are read).
   */
  private async reconcile(by: { period: string } | { endingBefore: string }): Promise<void> {
    const now = this.clock.now();
    for (const v of await this.repo.closedVersions(by))
      await this.repo.reconcileItems(
        v.period,
        v.version,
        this.itemMeasureAt({ label: v.period, from: v.from_date, to: v.to_date }, now),
      );
  }

  private itemMeasureAt(period: Period, now: Date): ItemMeasureAt {
    const b = this.reports.bounds(period);
    return { ...b, now, feedbackScore: CRITERIA.indexOf('feedback_handling') + 1 };
  }

  /** Every deadline correction (leaders' tools) made in the period, by the month of the correction. */
  async corrections(q: CorrectionsQuery, user: AuthUser): Promise<CorrectionsDto> {
    const period = this.reports.period({ period: q.period });
    const scope = await this.reports.scope(q.unitCode, user);
    const unitIds = scope.id === null ? null : await this.scopes.subtree(scope.id);
    const b = this.reports.bounds(period);
    const rows = await this.repo.corrections(b.fromAt, b.toAt, unitIds);
    return {
      period: q.period,
      from: period.from,
      to: period.to,
      unitCode: scope.code,
      items: rows.map((r) => ({
        dossierId: r.dossier_id,
        dossierCode: r.dossier_code,
        at: toLocalIso(r.at)!,
        dueAt: String(r.payload.dueAt),
        reason: String(r.payload.reason ?? ''),
        documentRef: String(r.payload.documentRef ?? ''),
        actorUserId: r.actor_user_id,
        actorUsername: r.username,
      })),
    };
  }

  private async unitCodes(): Promise<{ code: string }[]> {
    return this.boundTo(null).unitList();
  }

  /** The reports service reading through `m` (the closing transaction), everything else unchanged. */
  private boundTo(m: EntityManager | null): ReportsService & { unitList(): Promise<{ code: string }[]> } {
    const clone = Object.create(Object.getPrototypeOf(this.reports) as object) as ReportsService & {
      unitList(): Promise<{ code: string }[]>;
    };
    Object.assign(clone, this.reports);
    const repo = (this.reports as unknown as { repo: ReportsRepository }).repo;
    // One connection answers one query at a time: the reports' parallel reads are queued here.
    let chain: Promise<unknown> = Promise.resolve();
    const serial = m && {
      query: (sql: string, params?: unknown[]) => {
        const next = chain.then(() => m.query(sql, params));
        chain = next.catch(() => undefined);
        return next;
      },
    };
    // Every read of the reports (its replica-aware `reads` too, which would otherwise take another
    // connection from the primary's pool) and the unit lookups of their scope (findByCode/findById,
    // whose default manager is `dataSource.manager`) go through `m`. A read on another connection
    // while this one holds the SHARE lock could wait forever: the writers it holds back keep their
    // pooled connections, and once they fill the pool none is left for it.
    const bound = serial
      ? Object.assign(Object.create(ReportsRepository.prototype) as ReportsRepository, repo, {
          dataSource: serial,
          reads: { query: serial.query },
        })
      : repo;
    const unitsRepo = (this.reports as unknown as { units: UnitsRepository }).units;
    const units = serial
      ? Object.assign(Object.create(UnitsRepository.prototype) as UnitsRepository, unitsRepo, {
          dataSource: { manager: m },
        })
      : unitsRepo;
    Object.assign(clone, { repo: bound, units });
    clone.unitList = () =>
      (bound as unknown as { dataSource: EntityManager }).dataSource.query(
        `SELECT code FROM units ORDER BY code`,
      ) as Promise<{ code: string }[]>;
    return clone;
  }
}

function toDto(r: PeriodRow): ClosedPeriodDto {
  return {
    period: r.period,
    version: r.version,
    from: r.from_date,
    to: r.to_date,
    status: r.status,
    hash: r.hash,
    closedBy: r.closed_by,
    closedByUsername: r.closed_by_username,
    closedAt: toLocalIso(r.closed_at)!,
    reopenedBy: r.reopened_by,
    reopenedAt: toLocalIso(r.reopened_at),
    reopenReason: r.reopen_reason,
  };
}
