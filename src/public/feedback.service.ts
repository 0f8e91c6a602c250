import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuthUser } from 'src/auth/auth-user';
import { UnitScopeService } from 'src/auth/unit-scope.service';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { Clock } from 'src/common/clock';
import { DomainError } from 'src/common/domain-error';
import { ROOT_LOGGER } from 'src/common/logger';
import { decodeCursor, DEFAULT_LIMIT, Page, toPage } from 'src/common/pagination';
import { toLocalIso } from 'src/common/time';
import { COMPLAINT_KINDS } from 'src/public/citizen-rules';
import { CITIZEN_MESSAGES as M } from 'src/public/citizens.messages';
import { CitizensRepository, FeedbackRow } from 'src/public/citizens.repository';
import type { FeedbackDto, ListFeedbackQuery } from 'src/public/dto/staff.dto';

const isCursor = (v: unknown): v is { l: string; i: string } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { l: unknown }).l === 'string' &&
  typeof (v as { i: unknown }).i === 'string';

const feedbackNotFound = () => new DomainError('NOT_FOUND', M.feedbackNotFound);

/**
 * Feedback for staff: seen like its dossier (a unit sees the feedback on dossiers it receives,
 * handles or has a step of; a head its subtree's; the board and the admin all), answered by the
 * unit it is assigned to (its head, a head above it, or one of its officers) or the admin.
 */
@Injectable()
export class FeedbackService {
  constructor(
    private readonly repo: CitizensRepository,
    private readonly units: UnitsRepository,
    private readonly scope: UnitScopeService,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async list(q: ListFeedbackQuery, user: AuthUser): Promise<Page<FeedbackDto>> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(q.cursor, isCursor);
    let unitId: string | undefined;
    if (q.unitCode) {
      const unit = await this.units.findByCode(q.unitCode);
      if (!unit) return { items: [], nextCursor: null };
      unitId = unit.id;
    }
    const rows = await this.repo.listFeedback({
      visibleUnitIds: await this.scope.visibleUnitIds(user),
      unitId,
      open: q.open,
      dossierId: q.dossierId,
      after: after ? { lodgedAt: after.l, id: after.i } : undefined,
      limit,
    });
    const now = this.clock.now();
    return toPage(
      rows,
      limit,
      (r) => toDto(r, now),
      (r) => ({ l: r.lodged_at.toISOString(), i: r.id }),
    );
  }

  async answer(id: string, answer: string, user: AuthUser, upheld: boolean | null = null): Promise<FeedbackDto> {
    const row = await this.visible(id, user);
    if (!(await this.mayAnswer(user, row.unit_id))) throw new DomainError('FORBIDDEN', M.answerForbidden);
    const now = this.clock.now();
    if (!(await this.repo.answer(id, answer.trim(), user.id, now, upheld))) {
      throw new DomainError('CONFLICT', M.alreadyAnswered);
    }
    this.logger.info({ feedbackId: id, dossierId: row.dossier_id }, 'feedback answered');
    return toDto((await this.repo.findFeedback(id))!, now);
  }

  /** The feedback if the user may see its dossier; otherwise 404, as for feedback that does not exist. */
  private async visible(id: string, user: AuthUser): Promise<FeedbackRow> {
    const row = await this.repo.findFeedback(id);
    if (!row) throw feedbackNotFound();
    const visible = await this.scope.visibleUnitIds(user);
    if (visible && !row.dossier_unit_ids.some((u) => visible.includes(u))) throw feedbackNotFound();
    return row;
  }

  private async mayAnswer(user: AuthUser, unitId: string): Promise<boolean> {
    switch (user.role) {
      case 'admin':
        return true;
      case 'unit_head':
        return ((await this.scope.visibleUnitIds(user)) ?? []).includes(unitId);
      case 'officer':
        return user.unitId === unitId;
      default:
        return false;
    }
  }
}

export function toDto(r: FeedbackRow, now: Date): FeedbackDto {
  return {
    id: r.id,
    dossierId: r.dossier_id,
    dossierCode: r.dossier_code,
    unitCode: r.unit_code,
    kind: r.kind,
    kindLabel: M.feedbackKinds[r.kind],
    complaint: COMPLAINT_KINDS.includes(r.kind),
    content: r.content,
    lodgedAt: toLocalIso(r.lodged_at),
    dueAt: toLocalIso(r.due_at),
    overdue: r.answered_at === null && r.due_at.getTime() < now.getTime(),
    answer: r.answer,
    upheld: r.upheld ?? null,
    answeredAt: toLocalIso(r.answered_at),
    answeredByUserId: r.answered_by,
    answeredOnTime: r.answered_at === null ? null : r.answered_at.getTime() <= r.due_at.getTime(),
  };
}
