import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/auth/auth-user';
import { UnitScopeService } from 'src/auth/unit-scope.service';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { AuditService } from 'src/common/audit.service';
import { Clock } from 'src/common/clock';
import { DomainError } from 'src/common/domain-error';
import { toLocalIso } from 'src/common/time';
import {
  indicator,
  loadReportsConfig,
  rankUnits,
  ReportsConfig,
  resolveFollows,
  roundPoints,
} from 'src/reports/index-model';
import { Period, PeriodError, resolvePeriod } from 'src/reports/periods';
import type {
  Counts06a,
  IndexReport,
  OfficialsReport,
  ProcessingReport,
  ProcessingRow,
} from 'src/reports/report.types';
import type {
  IndexInputDto,
  IndexInputResultDto,
  IndexQuery,
  OfficialsQuery,
  ProcessingQuery,
} from 'src/reports/dto/reports.dto';
import { PeriodBounds, RawCounts, ReportsRepository } from 'src/reports/reports.repository';

const DAY_MS = 86_400_000;

interface Scope {
  id: string | null;
  code: string;
  name: string;
}

/** The counts of one row: the summed metrics plus the totals docs/domain.md derives from them. */
export function counts06a(r: RawCounts): Counts06a {
  const resolvedTotal = r.resolved_early + r.resolved_on_time + r.resolved_late;
  return {
    receivedTotal: r.received_online + r.received_direct + r.carried_over,
    receivedOnline: r.received_online,
    receivedDirect: r.received_direct,
    carriedOver: r.carried_over,
    resolvedTotal,
    resolvedEarly: r.resolved_early,
    resolvedOnTime: r.resolved_on_time,
    resolvedLate: r.resolved_late,
    withdrawn: r.withdrawn,
    inProgressTotal: r.in_progress_total,
    inProgressWithin: r.in_progress_total - r.in_progress_overdue,
    inProgressOverdue: r.in_progress_overdue,
  };
}

function sumCounts(rows: Counts06a[]): Counts06a {
  const t = counts06a({
    received_online: 0,
    received_direct: 0,
    carried_over: 0,
    resolved_early: 0,
    resolved_on_time: 0,
    resolved_late: 0,
    withdrawn: 0,
    in_progress_total: 0,
    in_progress_overdue: 0,
  });
  for (const r of rows) for (const k of Object.keys(t) as (keyof Counts06a)[]) t[k] += r[k];
  return t;
}

const isEmpty = (c: Counts06a) => c.receivedTotal === 0 && c.inProgressTotal === 0 && c.resolvedTotal === 0;

/**
 * The reform board's reports (docs/http-api.md "Reports"): form 06a, the performance index and the
 * officials' step record, over a unit subtree and a period. Everything is aggregated in SQL from
 * the summary tables (reports.repository); nothing loads dossiers into Node.
 */
@Injectable()
export class ReportsService {
  private readonly config: ReportsConfig = loadReportsConfig();

  constructor(
    private readonly repo: ReportsRepository,
    private readonly units: UnitsRepository,
    private readonly scopes: UnitScopeService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  period(q: { period?: string; from?: string; to?: string; cutoffDay?: number }): Period {
    try {
      return resolvePeriod(q, q.cutoffDay ?? this.config.periodCutoffDay);
    } catch (e) {
      if (e instanceof PeriodError)
        throw new DomainError('VALIDATION_FAILED', 'Kỳ báo cáo không hợp lệ.', [
          { field: e.field, message: e.message },
        ]);
      throw e;
    }
  }

  bounds(p: Period): PeriodBounds {
    const fromAt = new Date(`${p.from}T00:00:00+07:00`);
    const toAt = new Date(new Date(`${p.to}T00:00:00+07:00`).getTime() + DAY_MS);
    return { from: p.from, to: p.to, fromAt, toAt };
  }

  /**
   * The unit whose subtree a report covers: the one asked for (404 when unknown or outside the
   * caller's scope, so existence is not revealed), else a unit head's own unit, else the province
   * (the single root; several roots are reported side by side).
   */
  async scope(unitCode: string | undefined, user: AuthUser): Promise<Scope> {
    const visible = await this.scopes.visibleUnitIds(user);
    if (unitCode !== undefined) {
      const unit = await this.units.findByCode(unitCode);
      if (!unit || (visible !== null && !visible.includes(unit.id)))
        throw new DomainError('NOT_FOUND', `Không tìm thấy đơn vị ${unitCode}.`);
      return { id: unit.id, code: unit.code, name: unit.name };
    }
    if (visible !== null) {
      const unit = user.unitId ? await this.units.findById(user.unitId) : null;
      if (!unit) throw new DomainError('NOT_FOUND', 'Tài khoản chưa thuộc đơn vị nào.');
      return { id: unit.id, code: unit.code, name: unit.name };
    }
    const roots = await this.repo.reportingUnits(null);
    if (roots.length === 1) return { id: roots[0].id, code: roots[0].code, name: roots[0].name };
    return { id: null, code: 'ALL', name: 'Toàn tỉnh' };
  }

  async processing(q: ProcessingQuery, user: AuthUser): Promise<ProcessingReport> {
    const period = this.period(q);
    const scope = await this.scope(q.unitCode, user);
    const groupBy = q.groupBy ?? 'unit';
    const [raw, units, labels] = await Promise.all([
      this.repo.processing(scope.id, this.bounds(period), groupBy),
      this.repo.reportingUnits(scope.id),
      groupBy === 'unit' ? null : this.repo.labels(),
    ]);
    const unitById = new Map(units.map((u) => [u.id, u]));
    let rows: ProcessingRow[];
    if (groupBy === 'unit') {
      const byId = new Map(raw.map((r) => [r.report_id, counts06a(r)]));
      // Every reporting unit has a row (zeros included) so a unit without dossiers is visible;
      // the scope unit's own row only when it handles dossiers itself (or has no children).
      rows = units
        .filter((u) => u.id !== scope.id || units.length === 1 || (byId.has(u.id) && !isEmpty(byId.get(u.id)!)))
        .map((u) => ({ unitCode: u.code, unitName: u.name, ...(byId.get(u.id) ?? sumCounts([])) }));
    } else if (groupBy === 'field') {
      rows = raw
        .map((r) => ({
          unitCode: scope.code,
          unitName: scope.name,
          field: labels!.fields.get(r.field_key!) ?? r.field_key!,
          ...counts06a(r),
        }))
        .filter((r) => !isEmpty(r))
        .sort((a, b) => a.field.localeCompare(b.field, 'vi'));
    } else {
      rows = raw
        .map((r) => {
          const u = unitById.get(r.report_id);
          return {
            unitCode: u?.code ?? scope.code,
            unitName: u?.name ?? scope.name,
            procedureCode: r.procedure_code!,
            procedureName: labels!.procedures.get(r.procedure_code!) ?? r.procedure_code!,
            ...counts06a(r),
          };
        })
        .filter((r) => !isEmpty(r))
        .sort((a, b) => a.unitCode.localeCompare(b.unitCode) || a.procedureCode.localeCompare(b.procedureCode));
    }
    return {
      from: period.from,
      to: period.to,
      groupBy,
      unitCode: scope.code,
      unitName: scope.name,
      generatedAt: toLocalIso(this.clock.now()),
      rows,
      total: sumCounts(rows),
    };
  }

  async index(q: IndexQuery, user: AuthUser): Promise<IndexReport> {
    const period = this.period({ period: q.period, cutoffDay: q.cutoffDay });
    const scope = await this.scope(q.unitCode, user);
    const units = await this.repo.reportingUnits(scope.id);
    const [measures, entered] = await Promise.all([
      this.repo.indexMeasures(scope.id, this.bounds(period), this.clock.now()),
      this.repo.entered(
        q.period,
        units.map((u) => u.id),
      ),
    ]);
    const enteredMap = new Map(
      entered.map((e) => [
        `${e.unit_id}/${e.indicator_key}`,
        { ratio: Number(e.ratio), enteredBy: e.username, enteredAt: toLocalIso(e.entered_at) },
      ]),
    );
    // The scope unit is ranked beside its children only when it handles procedures itself.
    const ranked = units.filter((u) => u.id !== scope.id || units.length === 1 || measures.has(u.id));
    const scored = ranked.map((u) => {
      const m = measures.get(u.id);
      const models = this.config.groups.flatMap((g) => g.indicators);
      const all = resolveFollows(
        models,
        models.map((i) =>
          indicator(i, m && i.measure ? m[i.measure] : null, enteredMap.get(`${u.id}/${i.key}`) ?? null),
        ),
      );
      const groups = this.config.groups.map((g) => {
        const indicators = g.indicators.map((i) => all.find((x) => x.key === i.key)!);
        return {
          key: g.key,
          label: g.label,
          max: g.max,
          points: roundPoints(indicators.reduce((s, i) => s + i.points, 0)),
          indicators,
        };
      });
      return {
        unitCode: u.code,
        unitName: u.name,
        total: roundPoints(groups.reduce((s, g) => s + g.points, 0)),
        groups,
      };
    });
    return {
      period: q.period,
      from: period.from,
      to: period.to,
      unitCode: scope.code,
      unitName: scope.name,
      generatedAt: toLocalIso(this.clock.now()),
      units: rankUnits(scored, this.config.bands),
    };
  }

  async officials(q: OfficialsQuery, user: AuthUser): Promise<OfficialsReport> {
    const period = this.period(q);
    const scope = await this.scope(q.unitCode, user);
    const raw = await this.repo.officials(scope.id, this.bounds(period));
    const rate = (good: number, all: number) => (all === 0 ? null : Math.round((good / all) * 10_000) / 10_000);
    const rows = raw.map((r) => ({
      userId: r.user_id,
      username: r.username,
      fullName: r.full_name,
      unitCode: r.unit_code ?? '',
      unitName: r.unit_name ?? '',
      stepsHandled: r.handled,
      stepsEarly: r.early,
      stepsOnTime: r.on_time,
      stepsLate: r.late,
      onTimeRate: rate(r.early + r.on_time, r.handled),
    }));
    const sum = (k: 'stepsHandled' | 'stepsEarly' | 'stepsOnTime' | 'stepsLate') => rows.reduce((s, r) => s + r[k], 0);
    const total = {
      stepsHandled: sum('stepsHandled'),
      stepsEarly: sum('stepsEarly'),
      stepsOnTime: sum('stepsOnTime'),
      stepsLate: sum('stepsLate'),
      onTimeRate: rate(sum('stepsEarly') + sum('stepsOnTime'), sum('stepsHandled')),
    };
    return {
      from: period.from,
      to: period.to,
      unitCode: scope.code,
      unitName: scope.name,
      generatedAt: toLocalIso(this.clock.now()),
      rows,
      total,
    };
  }

  /** An entered indicator (reform board): kept with who and when, its history appended, audited. */
  async enterInput(dto: IndexInputDto, user: AuthUser): Promise<IndexInputResultDto> {
    this.period({ period: dto.period });
    const model = this.config.groups.flatMap((g) => g.indicators).find((i) => i.key === dto.indicatorKey);
    if (!model || model.source !== 'entered') {
      const keys = this.config.groups.flatMap((g) => g.indicators).filter((i) => i.source === 'entered');
      throw new DomainError('VALIDATION_FAILED', 'Chỉ số không nhập tay được.', [
        { field: 'indicatorKey', message: `must be one of ${keys.map((k) => k.key).join(', ')}` },
      ]);
    }
    const unit = await this.units.findByCode(dto.unitCode);
    if (!unit)
      throw new DomainError('VALIDATION_FAILED', 'Đơn vị không tồn tại.', [
        { field: 'unitCode', message: 'no such unit' },
      ]);
    const { before, enteredAt } = await this.repo.enter(
      { period: dto.period, unitId: unit.id, indicatorKey: dto.indicatorKey, ratio: dto.ratio },
      user.id,
    );
    await this.audit.record({
      actorUserId: user.id,
      action: 'index_input.set',
      entity: 'index_input',
      entityId: unit.id,
      details: { period: dto.period, unitCode: unit.code, indicatorKey: dto.indicatorKey, before, after: dto.ratio },
    });
    return {
      period: dto.period,
      unitCode: unit.code,
      indicatorKey: dto.indicatorKey,
      ratio: dto.ratio,
      previousRatio: before,
      enteredBy: user.username,
      enteredAt: toLocalIso(enteredAt),
    };
  }
}
