import { Injectable } from '@nestjs/common';
import type { AuthUser } from 'src/auth/auth-user';
import { UnitScopeService } from 'src/auth/unit-scope.service';
import { isRealDate } from 'src/calendar/calendar-rules';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { DomainError } from 'src/common/domain-error';
import { decodeCursor, DEFAULT_LIMIT, toPage } from 'src/common/pagination';
import { toLocalIso } from 'src/common/time';
import { summarizeRatings } from 'src/public/citizen-rules';
import { CITIZEN_MESSAGES as M } from 'src/public/citizens.messages';
import { CitizensRepository, RatingFilter, RatingRow } from 'src/public/citizens.repository';
import type { ListRatingsQuery, RatingDto, RatingsPageDto } from 'src/public/dto/staff.dto';

const DAY_MS = 86_400_000;

const isCursor = (v: unknown): v is { r: string; i: string } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { r: unknown }).r === 'string' &&
  typeof (v as { i: unknown }).i === 'string';

/** [from, to] local dates (both inclusive, either open) as instants [start of from, end of to). */
export function localPeriod(from: string | undefined, to: string | undefined): { from?: Date; to?: Date } {
  const invalid = (field: string, message: string) =>
    new DomainError('VALIDATION_FAILED', M.invalid, [{ field, message }]);
  if (from !== undefined && !isRealDate(from)) throw invalid('from', 'from must be a real date YYYY-MM-DD');
  if (to !== undefined && !isRealDate(to)) throw invalid('to', 'to must be a real date YYYY-MM-DD');
  if (from !== undefined && to !== undefined && from > to) throw invalid('to', 'to must not be before from');
  return {
    from: from === undefined ? undefined : new Date(`${from}T00:00:00+07:00`),
    to: to === undefined ? undefined : new Date(new Date(`${to}T00:00:00+07:00`).getTime() + DAY_MS),
  };
}

/**
 * Ratings for staff: a unit sees the ratings of dossiers it receives, handles or has a step of (a
 * head: of its subtree), the reform board and the admin all; with averages per criterion and
 * verdict counts over every matching rating.
 */
@Injectable()
export class RatingsService {
  constructor(
    private readonly repo: CitizensRepository,
    private readonly units: UnitsRepository,
    private readonly scope: UnitScopeService,
  ) {}

  async list(q: ListRatingsQuery, user: AuthUser): Promise<RatingsPageDto> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(q.cursor, isCursor);
    const period = localPeriod(q.from, q.to);
    let unitId: string | undefined;
    if (q.unitCode) {
      const unit = await this.units.findByCode(q.unitCode);
      // An unknown unit has no ratings (as GET /dossiers?unitCode= answers).
      if (!unit) return { ...summarizeRatings(EMPTY), items: [], nextCursor: null };
      unitId = unit.id;
    }
    const filter: RatingFilter = { visibleUnitIds: await this.scope.visibleUnitIds(user), unitId, ...period };
    const [totals, rows] = await Promise.all([
      this.repo.ratingTotals(filter),
      this.repo.listRatings(filter, after ? { ratedAt: after.r, id: after.i } : undefined, limit),
    ]);
    const page = toPage(rows, limit, toDto, (r) => ({ r: r.rated_at.toISOString(), i: r.id }));
    return { ...summarizeRatings(totals), ...page };
  }
}

const EMPTY = {
  count: 0,
  sums: [0, 0, 0, 0, 0, 0, 0, 0, 0],
  verdicts: { very_satisfied: 0, satisfied: 0, dissatisfied: 0 },
};

function toDto(r: RatingRow): RatingDto {
  return {
    id: r.id,
    dossierId: r.dossier_id,
    dossierCode: r.dossier_code,
    procedureCode: r.procedure_code,
    ratedAt: toLocalIso(r.rated_at),
    criteria: r.criteria,
    total: r.criteria.reduce((a, b) => a + b, 0),
    verdict: r.verdict,
    comment: r.comment,
  };
}
