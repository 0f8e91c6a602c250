import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CalendarService } from 'src/calendar/calendar.service';
import { Clock } from 'src/common/clock';
import { DomainError } from 'src/common/domain-error';
import { ROOT_LOGGER } from 'src/common/logger';
import { toLocalIso } from 'src/common/time';
import { STATUS_LABEL } from 'src/dossiers/lifecycle';
import { ProcedureRulesService } from 'src/dossiers/procedure-rules.service';
import { feedbackDueAt, isWellFormedCode } from 'src/public/citizen-rules';
import { CITIZEN_MESSAGES as M } from 'src/public/citizens.messages';
import { CitizensRepository, PublicDossierRow } from 'src/public/citizens.repository';
import { lookupKeyMatches } from 'src/public/lookup-key';
import type {
  LodgedFeedbackDto,
  LodgeFeedbackDto,
  PublicDossierDto,
  RateDossierDto,
  RatingReceiptDto,
} from 'src/public/dto/public.dto';

/** The one answer for an unknown code, a malformed one and a wrong key. */
const dossierNotFound = () => new DomainError('NOT_FOUND', M.dossierNotFound);

/** Compared against when the code is unknown, so that path does the same work as a wrong key. */
const NO_HASH = '0'.repeat(64);

const iso = (ms: number | null) => (ms === null ? null : toLocalIso(new Date(ms)));

/**
 * The citizen's side (no sign-in): look a dossier up by its code; rate it and lodge feedback with
 * the lookup key printed on the receipt. Nothing here reads or returns personal data, and nothing
 * logged carries a key, a code typed by a client, or feedback content.
 */
@Injectable()
export class PublicService {
  constructor(
    private readonly repo: CitizensRepository,
    private readonly procedures: ProcedureRulesService,
    private readonly calendars: CalendarService,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async lookup(code: string): Promise<PublicDossierDto> {
    const row = isWellFormedCode(code) ? await this.repo.publicDossier(code) : null;
    if (!row) throw dossierNotFound();
    const s = row.state;
    const [procedure, rated, feedback, request] = await Promise.all([
      this.procedures.version(row.procedure_id, row.procedure_version),
      this.repo.isRated(row.id),
      this.repo.publicFeedback(row.id),
      s.status === 'awaiting_supplement' ? this.repo.lastEvent(row, 'request_supplement') : null,
    ]);
    const paused = s.endedAt === null && s.clock.pausedSince !== null;
    return {
      code: row.code,
      procedureName: procedure.name,
      status: s.status,
      statusLabel: STATUS_LABEL[s.status],
      receivedAt: toLocalIso(new Date(s.receivedAt)),
      dueAt: paused ? null : toLocalIso(new Date(s.clock.dueAt)),
      promisedAt: iso(s.promisedAt),
      endedAt: iso(s.endedAt),
      rated,
      feedback: feedback.map((f) => ({
        kind: f.kind,
        kindLabel: M.feedbackKinds[f.kind],
        lodgedAt: toLocalIso(f.lodged_at),
        dueAt: toLocalIso(f.due_at),
        answeredAt: toLocalIso(f.answered_at),
        answer: f.answer,
      })),
      // The papers asked for are about the dossier, not the person: the applicant needs them to
      // complete it (the reason and the list, nothing else of the officer's event).
      supplementRequest: request
        ? {
            requestedAt: toLocalIso(new Date(request.at)),
            reason: typeof request.payload.reason === 'string' ? request.payload.reason : '',
            items: Array.isArray(request.payload.items) ? request.payload.items.map(String) : [],
          }
        : null,
    };
  }

  /** Only with the key, only once the dossier has ended, once per dossier. */
  async rate(code: string, dto: RateDossierDto): Promise<RatingReceiptDto> {
    const row = await this.withKey(code, dto.lookupKey);
    if (row.state.endedAt === null) throw new DomainError('NOT_ENDED', M.notEnded);
    const ratedAt = this.clock.now();
    const rating = await this.repo.insertRating({
      dossierId: row.id,
      criteria: dto.criteria,
      verdict: dto.verdict,
      comment: dto.comment?.trim() || null,
      ratedAt,
    });
    if (!rating) throw new DomainError('ALREADY_RATED', M.alreadyRated);
    this.logger.info({ dossierId: row.id, ratingId: rating.id, verdict: dto.verdict }, 'dossier rated');
    return {
      code: row.code,
      ratedAt: toLocalIso(ratedAt),
      total: dto.criteria.reduce((a, b) => a + b, 0),
      verdict: dto.verdict,
    };
  }

  /** Assigned to the dossier's handling unit, due 15 working days after it is lodged. */
  async lodgeFeedback(code: string, dto: LodgeFeedbackDto): Promise<LodgedFeedbackDto> {
    const row = await this.withKey(code, dto.lookupKey);
    const lodgedAt = this.clock.now();
    const calendar = await this.calendars.current();
    let dueAt: Date;
    try {
      dueAt = feedbackDueAt(calendar, lodgedAt);
    } catch (err) {
      if (err instanceof RangeError) throw new DomainError('RULE_VIOLATION', M.outsideCalendar);
      throw err;
    }
    const id = await this.repo.insertFeedback({
      dossierId: row.id,
      unitId: row.handling_unit_id,
      kind: dto.kind,
      content: dto.content.trim(),
      lodgedAt,
      dueAt,
    });
    this.logger.info({ dossierId: row.id, feedbackId: id, kind: dto.kind }, 'feedback lodged');
    return { id, kind: dto.kind, lodgedAt: toLocalIso(lodgedAt), dueAt: toLocalIso(dueAt) };
  }

  /** The dossier when `key` is its lookup key; otherwise the same 404 as an unknown code. */
  private async withKey(code: string, key: string): Promise<PublicDossierRow> {
    const row = isWellFormedCode(code) ? await this.repo.publicDossier(code) : null;
    const matches = lookupKeyMatches(key, row?.lookup_key_hash ?? NO_HASH);
    if (!row || !matches) throw dossierNotFound();
    return row;
  }
}
