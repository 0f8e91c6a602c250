import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/auth/auth-user';
import { UnitScopeService } from 'src/auth/unit-scope.service';
import { UsersRepository } from 'src/auth/users.repository';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { Clock } from 'src/common/clock';
import { DomainError } from 'src/common/domain-error';
import { toLocalIso } from 'src/common/time';
import type { OfficialSheetDto, OfficialsQuery, OfficialsReportDto } from 'src/reports/dto/reports.dto';
import { AnnualFigures, OfficialsAnnualRepository } from 'src/reports/officials-annual.repository';
import type { OfficialsReport } from 'src/reports/report.types';
import { ReportsService } from 'src/reports/reports.service';

const ZERO: Omit<AnnualFigures, 'user_id'> = {
  supplement_requests: 0,
  supplement_breaches: 0,
  rated_very_satisfied: 0,
  rated_satisfied: 0,
  rated_dissatisfied: 0,
  conduct_feedback: 0,
  conduct_feedback_upheld: 0,
  extensions_caused: 0,
};

function annual(f: Omit<AnnualFigures, 'user_id'>) {
  return {
    supplementRequests: f.supplement_requests,
    supplementBreaches: f.supplement_breaches,
    ratedVerySatisfied: f.rated_very_satisfied,
    ratedSatisfied: f.rated_satisfied,
    ratedDissatisfied: f.rated_dissatisfied,
    conductFeedback: f.conduct_feedback,
    conductFeedbackUpheld: f.conduct_feedback_upheld,
    extensionsCaused: f.extensions_caused,
  };
}

const rate = (good: number, all: number) => (all === 0 ? null : Math.round((good / all) * 10_000) / 10_000);

/**
 * The officials' annual record (docs/domain.md "The officials' annual record"): the officials
 * report with the evaluation's columns, and one official's sheet for a year, seen by the official,
 * the heads of their unit and its ancestors, and the board.
 */
@Injectable()
export class OfficialsAnnualService {
  constructor(
    private readonly reports: ReportsService,
    private readonly repo: OfficialsAnnualRepository,
    private readonly users: UsersRepository,
    private readonly units: UnitsRepository,
    private readonly scopes: UnitScopeService,
    private readonly clock: Clock,
  ) {}

  async officials(q: OfficialsQuery, user: AuthUser): Promise<OfficialsReport & OfficialsReportDto> {
    const { year, ...rest } = q;
    if (year !== undefined && (rest.period !== undefined || rest.from !== undefined || rest.to !== undefined))
      throw new DomainError('VALIDATION_FAILED', 'Kỳ báo cáo không hợp lệ.', [
        { field: 'year', message: 'give either year, period or from and to' },
      ]);
    const report = await this.reports.officials(year === undefined ? rest : { ...rest, period: String(year) }, user);
    const b = this.reports.bounds({ label: '', from: report.from, to: report.to });
    const figures = await this.repo.figures(
      report.rows.map((r) => r.userId),
      b.fromAt,
      b.toAt,
    );
    return { ...report, rows: report.rows.map((r) => ({ ...r, ...annual(figures.get(r.userId) ?? ZERO) })) };
  }

  async sheet(userId: string, year: number, viewer: AuthUser): Promise<OfficialSheetDto> {
    const official = await this.users.findById(userId);
    if (!official || !(await this.maySee(viewer, official.id, official.unitId)))
      throw new DomainError('NOT_FOUND', 'Không tìm thấy cán bộ.');
    const b = this.reports.bounds({ label: String(year), from: `${year}-01-01`, to: `${year}-12-31` });
    const [steps, figures, unit] = await Promise.all([
      this.repo.steps(official.id, b.fromAt, b.toAt),
      this.repo.figures([official.id], b.fromAt, b.toAt),
      official.unitId ? this.units.findById(official.unitId) : null,
    ]);
    return {
      year,
      userId: official.id,
      username: official.username,
      fullName: official.fullName,
      role: official.role,
      unitCode: unit?.code ?? '',
      unitName: unit?.name ?? '',
      stepsHandled: steps.handled,
      stepsEarly: steps.early,
      stepsOnTime: steps.on_time,
      stepsLate: steps.late,
      onTimeRate: rate(steps.early + steps.on_time, steps.handled),
      ...annual(figures.get(official.id) ?? ZERO),
      generatedAt: toLocalIso(this.clock.now()),
    };
  }

  /** The official themself, the board and the admin, or a head whose subtree holds the official's unit. */
  private async maySee(viewer: AuthUser, userId: string, unitId: string | null): Promise<boolean> {
    if (viewer.id === userId || viewer.role === 'admin' || viewer.role === 'reform_board') return true;
    if (viewer.role !== 'unit_head' || !unitId) return false;
    const visible = await this.scopes.visibleUnitIds(viewer);
    return visible !== null && visible.includes(unitId);
  }
}
