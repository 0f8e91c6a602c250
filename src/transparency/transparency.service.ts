import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type IORedis from 'ioredis';
import type { AuthUser } from 'src/auth/auth-user';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { Clock } from 'src/common/clock';
import { DomainError } from 'src/common/domain-error';
import { localDate, toLocalIso } from 'src/common/time';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { createRedis } from 'src/jobs/redis';
import { ClosedPeriodsService } from 'src/reports/closed-periods.service';
import { ReportsRepository } from 'src/reports/reports.repository';
import type {
  PublicBoardDto,
  PublicBoardQuery,
  PublicStatsDto,
  PublicStatsQuery,
  PublicStatsRowDto,
} from 'src/transparency/dto/transparency.dto';
import { maskName } from 'src/transparency/mask';
import { SharedCache } from 'src/transparency/shared-cache';
import { TransparencyRepository } from 'src/transparency/transparency.repository';

/** The reports are read with the whole province in view; what is published is aggregated anyway. */
const PUBLIC_READER: AuthUser = {
  id: '00000000-0000-0000-0000-000000000000',
  username: 'public',
  role: 'admin',
  unitId: null,
};
const READY_LIMIT = 40;
const rate = (good: number, all: number) => (all === 0 ? null : Math.round((good / all) * 10_000) / 10_000);

/**
 * Transparency (docs/domain.md "Transparency"): the lobby board and the public statistics, with no
 * personal data (applicants only as a masked name). Every answer goes through the shared cache:
 * computed once per TRANSPARENCY_CACHE_SECONDS per key, whatever the number of viewers and API
 * instances.
 */
@Injectable()
export class TransparencyService implements BeforeApplicationShutdown {
  private readonly redis: IORedis;
  readonly cache: SharedCache;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly repo: TransparencyRepository,
    private readonly reportsRepo: ReportsRepository,
    private readonly closed: ClosedPeriodsService,
    private readonly units: UnitsRepository,
    private readonly clock: Clock,
  ) {
    this.redis = createRedis(config, 'producer');
    // Under the deployment's own prefix: two deployments (or test suites) sharing a Redis must not
    // serve each other's figures.
    this.cache = new SharedCache(this.redis, {
      intervalMs: config.TRANSPARENCY_CACHE_SECONDS * 1000,
      prefix: `${config.QUEUE_PREFIX}:transparency`,
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.redis.disconnect();
  }

  private async scope(unitCode: string | undefined): Promise<{ id: string | null; code: string; name: string }> {
    if (unitCode !== undefined) {
      const unit = await this.units.findByCode(unitCode);
      if (!unit || !unit.active) throw new DomainError('NOT_FOUND', `Không tìm thấy đơn vị ${unitCode}.`);
      return { id: unit.id, code: unit.code, name: unit.name };
    }
    const roots = await this.reportsRepo.reportingUnits(null);
    if (roots.length === 1) return { id: roots[0].id, code: roots[0].code, name: roots[0].name };
    return { id: null, code: 'ALL', name: 'Toàn tỉnh' };
  }

  stats(q: PublicStatsQuery): Promise<PublicStatsDto> {
    const now = this.clock.now();
    const period = q.period ?? localDate(now).slice(0, 7);
    const groupBy = q.groupBy ?? 'unit';
    const key = `stats:${period}:${q.unitCode ?? ''}:${groupBy}`;
    return this.cache.get(key, now.getTime(), () => this.computeStats(period, q.unitCode, groupBy, now));
  }

  board(q: PublicBoardQuery): Promise<PublicBoardDto> {
    const now = this.clock.now();
    return this.cache.get(`board:${q.unitCode ?? ''}`, now.getTime(), () => this.computeBoard(q.unitCode, now));
  }

  private async computeStats(
    period: string,
    unitCode: string | undefined,
    groupBy: 'unit' | 'field',
    now: Date,
  ): Promise<PublicStatsDto> {
    const scope = await this.scope(unitCode);
    const report = await this.closed.processing({ period, unitCode, groupBy }, PUBLIC_READER);
    const fromAt = new Date(`${report.from}T00:00:00+07:00`);
    const toAt = new Date(new Date(`${report.to}T00:00:00+07:00`).getTime() + 86_400_000);
    const byField = groupBy === 'field';
    const [overdue, satisfaction, index, fieldKeys] = await Promise.all([
      this.repo.overdueNow(scope.id, now, byField),
      this.repo.satisfaction(scope.id, fromAt, toAt, byField),
      byField ? null : this.closed.index({ period, unitCode }, PUBLIC_READER),
      byField ? this.repo.fieldKeys() : null,
    ]);
    const overdueBy = new Map(overdue.map((o) => [o.key, o.n]));
    const satisfiedBy = new Map(satisfaction.map((s) => [s.key, s]));
    const rankBy = new Map((index?.units ?? []).map((u) => [u.unitCode, u.rank]));
    const rows: PublicStatsRowDto[] = report.rows.map((r) => {
      const key = byField ? (fieldKeys!.get(r.field ?? '') ?? '') : r.unitCode;
      const s = satisfiedBy.get(key);
      return {
        unitCode: r.unitCode,
        unitName: r.unitName,
        ...(byField ? { field: r.field } : {}),
        received: r.receivedOnline + r.receivedDirect,
        resolved: r.resolvedTotal,
        resolvedEarly: r.resolvedEarly,
        resolvedOnTime: r.resolvedOnTime,
        resolvedLate: r.resolvedLate,
        overdueNow: overdueBy.get(key) ?? 0,
        onTimeRate: rate(r.resolvedEarly + r.resolvedOnTime, r.resolvedTotal),
        satisfaction: s ? rate(s.satisfied, s.rated) : null,
        indexRank: byField ? null : (rankBy.get(r.unitCode) ?? null),
      };
    });
    return {
      period,
      from: report.from,
      to: report.to,
      groupBy,
      unitCode: scope.code,
      unitName: scope.name,
      computedAt: toLocalIso(now),
      frozen: report.frozen === true,
      rows,
    };
  }

  private async computeBoard(unitCode: string | undefined, now: Date): Promise<PublicBoardDto> {
    const scope = await this.scope(unitCode);
    const today = localDate(now);
    const dayStart = new Date(`${today}T00:00:00+07:00`);
    const [units, counts, ready, month] = await Promise.all([
      this.reportsRepo.reportingUnits(scope.id),
      this.repo.board(scope.id, dayStart, now),
      this.repo.ready(scope.id, READY_LIMIT),
      this.closed.processing({ from: `${today.slice(0, 7)}-01`, to: today, unitCode }, PUBLIC_READER),
    ]);
    const byId = new Map(counts.map((c) => [c.report_id, c]));
    // The scope unit's own row only when it handles dossiers itself (or stands alone).
    const shown = units.filter((u) => u.id !== scope.id || units.length === 1 || byId.has(u.id));
    const t = month.total;
    return {
      computedAt: toLocalIso(now),
      unitCode: scope.code,
      unitName: scope.name,
      today: shown.map((u) => {
        const c = byId.get(u.id);
        return {
          unitCode: u.code,
          unitName: u.name,
          received: c?.received ?? 0,
          inProgressWithin: c?.in_progress_within ?? 0,
          inProgressOverdue: c?.in_progress_overdue ?? 0,
          readyForCollection: c?.ready_for_collection ?? 0,
          returned: c?.returned ?? 0,
        };
      }),
      monthOnTimeRate: rate(t.resolvedEarly + t.resolvedOnTime, t.resolvedTotal),
      ready: ready.map((r) => ({
        code: r.code,
        procedureName: r.procedure_name ?? r.procedure_code,
        applicantMasked: maskName(r.full_name ?? ''),
      })),
    };
  }
}
