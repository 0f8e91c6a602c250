import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { AuthUser } from 'src/auth/auth-user';
import { UnitScopeService } from 'src/auth/unit-scope.service';
import { UsersRepository } from 'src/auth/users.repository';
import { CalendarService } from 'src/calendar/calendar.service';
import type { WorkingCalendar } from 'src/calendar/working-time';
import { CatalogueCache } from 'src/catalogue/catalogue-cache.service';
import { Clock } from 'src/common/clock';
import { DomainError, notFound } from 'src/common/domain-error';
import { ROOT_LOGGER } from 'src/common/logger';
import { searchTerms } from 'src/common/search-fold';
import { decodeCursor, DEFAULT_LIMIT, Page, toPage } from 'src/common/pagination';
import { localDate, parseInstant, toLocalIso } from 'src/common/time';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { LifecyclePolicyVersion, lifecyclePolicyAt, loadSlaPolicy } from 'src/config/sla-policy';
import { mayAct } from 'src/dossiers/dossier-permissions';
import { liveFigures, overdueMsAt, projectState, Thresholds } from 'src/dossiers/dossier-projection';
import { flagsAfter, portalFactsAfter } from 'src/dossiers/index-facts';
import {
  DossierRow,
  DossiersRepository,
  EventRow,
  ListedDossierRow,
  NewDossier,
  UrgencyKey,
  urgencyKey,
} from 'src/dossiers/dossiers.repository';
import type {
  ControlSlipRowDto,
  DossierDto,
  DossierEventDto,
  IntakeDto,
  ListDossiersQuery,
} from 'src/dossiers/dto/dossier.dto';
import {
  ACTIONS,
  ALLOWED_FROM,
  applyEvent,
  Channel,
  DossierEvent,
  DossierState,
  FoldContext,
  LifecycleError,
  LifecyclePolicy,
  LiveAction,
  PORTAL_CODE,
  replay,
  STATUS_LABEL,
} from 'src/dossiers/lifecycle';
import { ProcedureRulesService, ProcedureView } from 'src/dossiers/procedure-rules.service';
import { MessagesOutbox } from 'src/messages/messages-outbox.service';
import { MILESTONE_OF_ACTION } from 'src/messages/milestones';
import { DELIVERY_ENQUEUER, type DeliveryEnqueuer } from 'src/sla/delivery-port';

const HOUR_MS = 3_600_000;
/** Lookup keys: 12 characters without look-alikes (0/O, 1/I/L), about 60 bits. */
const KEY_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export function hashLookupKey(key: string): string {
  return createHash('sha256').update(key.trim().toUpperCase()).digest('hex');
}

function newLookupKey(): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
  return s;
}

/**
 * The identifier a dossier code starts with: the unit's portal identifier where it has one and the
 * policy version in force says so (Decree 118 Art. 28), else the unit's code.
 */
export function codeIdentifier(unit: { code: string; portalCode?: string | null }, receivedAt: number): string {
  return lifecyclePolicyAt(loadSlaPolicy(), receivedAt).codeUsesPortalCode && unit.portalCode
    ? unit.portalCode
    : unit.code;
}

/** {unit code}-{yyMMdd}-{NNNN}: the local reception date and the unit's daily sequence number. */
export function dossierCode(unitCode: string, receivedAt: Date, n: number): string {
  const day = localDate(receivedAt).replace(/-/g, '').slice(2);
  return `${unitCode}-${day}-${String(n).padStart(4, '0')}`;
}

export interface Result<T> {
  status: number;
  body: T;
}

const isCursor = (v: unknown): v is { r: string; i: string } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { r: unknown }).r === 'string' &&
  typeof (v as { i: unknown }).i === 'string';

const isUrgencyCursor = (v: unknown): v is UrgencyKey =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as UrgencyKey).waiting === 'boolean' &&
  typeof (v as UrgencyKey).dueAt === 'string' &&
  !Number.isNaN(Date.parse((v as UrgencyKey).dueAt)) &&
  typeof (v as UrgencyKey).id === 'string' &&
  /^[0-9a-f-]{36}$/i.test((v as UrgencyKey).id);

/** The console queue's options of list() (not API filters). */
export interface DossierListOptions {
  currentStepUnitId?: string;
  currentAssigneeId?: string;
  order?: 'received' | 'urgency';
  /** What a clerk typed: part of a code, a name (diacritics optional), an id number or a phone. */
  search?: string;
  /** The counter's own work for the user's units (see ListFilter.counterOf). */
  counterWork?: boolean;
}

const PG_UNIQUE = '23505';

@Injectable()
export class DossiersService {
  private readonly policy = loadSlaPolicy();
  /** The lifecycle policy version in force when a dossier was received (config/sla-policy.json). */
  private readonly foldPolicies = new Map(this.policy.lifecycle.map((v) => [v, toFoldPolicy(v)]));
  readonly foldPolicy = (receivedAt: number): LifecyclePolicy =>
    this.foldPolicies.get(lifecyclePolicyAt(this.policy, receivedAt))!;
  readonly thresholds: Thresholds = {
    dueSoonWindowMs: this.policy.dueSoonWorkingHours * HOUR_MS,
  };

  constructor(
    private readonly repo: DossiersRepository,
    private readonly calendars: CalendarService,
    private readonly procedures: ProcedureRulesService,
    private readonly catalogue: CatalogueCache,
    private readonly users: UsersRepository,
    private readonly scope: UnitScopeService,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly messages: MessagesOutbox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(DELIVERY_ENQUEUER) private readonly delivery?: DeliveryEnqueuer,
  ) {}

  // ------------------------------------------------------------------------------------------
  // Intake

  async intake(dto: IntakeDto, user: AuthUser, idempotencyKey?: string): Promise<Result<DossierDto>> {
    const unit = await this.catalogue.unitByCode(dto.receivingUnitCode);
    if (!unit || !unit.active)
      throw invalid('receivingUnitCode', `unit ${dto.receivingUnitCode} does not exist or is inactive`);
    const scope = await this.actingScope(user);
    if (!mayAct(user, 'intake', { receivingUnitId: unit.id, currentStepUnitId: null, atCounterStep: true }, scope)) {
      throw new DomainError('FORBIDDEN', 'Bạn chỉ được tiếp nhận hồ sơ cho đơn vị của mình.');
    }
    const now = this.clock.now();
    const procedure = await this.procedures.versionAt(dto.procedureCode, now);
    if (!procedure || !procedure.active)
      throw invalid('procedureCode', `procedure ${dto.procedureCode} does not exist or is inactive`);
    // Everything read outside the transaction first: a transaction must never wait for a second
    // pooled connection (20 concurrent requests would otherwise exhaust the pool and deadlock).
    const { calendar, version: calendarVersion } = await this.calendars.currentVersioned();
    const phone = this.messages.checkConsent(dto.notify, dto.applicant);
    const consent = !!dto.notify && !!(dto.notify.sms || dto.notify.zalo || dto.notify.email);
    const ctx = this.context(calendar, procedure, dto.channel);
    const event: DossierEvent = { action: 'intake', at: now.getTime(), actorUserId: user.id, payload: {} };
    // The fold first: a refused intake takes no number.
    const state = this.fold(null, event, ctx);
    const lookupKey = newLookupKey();
    const id = randomUUID();
    const buildRow = (code: string): NewDossier => ({
      id,
      code,
      procedure_id: procedure.procedureId,
      procedure_version: procedure.version,
      procedure_code: procedure.code,
      receiving_unit_id: unit.id,
      handling_unit_id: procedure.unitId,
      unit_ids: unitIdsOf(unit.id, procedure),
      channel: dto.channel,
      applicant: { ...dto.applicant },
      summary: dto.summary ?? null,
      lookup_key_hash: hashLookupKey(lookupKey),
      created_by: user.id,
      ...projectState(state, calendar, this.thresholds, {
        calendarVersion,
        flags: { ...(dto.flags ?? {}) },
        stepUnitIds: procedure.steps.map((s) => s.unitId),
      }),
      portal_facts: portalFactsAfter(null, [event], state, ctx),
    });
    const { dossier_id: _d, ...first } = eventRow(id, 1, event, null, state.status, null);
    // The response is built from what was written: no read-back round trip.
    const respond = (row: NewDossier) => ({
      ...this.toDto({ ...row, receiving_unit_code: unit.code }, calendar, now),
      lookupKey,
    });
    // The daily number in its own short transaction, before any other: a failure after it leaves a
    // gap in the day's sequence (allowed), never a number given twice (docs/domain.md).
    const n = await this.repo.nextCodeNumber(unit.id, localDate(now));
    const row = buildRow(dossierCode(codeIdentifier(unit, now.getTime()), now, n));
    if (!idempotencyKey && !consent) {
      // The usual intake: one statement in autocommit.
      await this.repo.insertIntake(null, row, first);
      return { status: 201, body: respond(row) };
    }
    let messageIds: string[] = [];
    const result = await this.idempotent(user, idempotencyKey, ['intake', dto], 201, async (m) => {
      await this.repo.insertIntake(m, row, first);
      // Messages to the citizen: the consent, then the `received` milestone's rows, in this transaction.
      await this.messages.recordConsent(m, id, dto.notify, phone, dto.applicant.email);
      messageIds = await this.messages.onEvent(m, {
        dossierId: id,
        action: 'intake',
        seq: 1,
        at: now,
        payload: {},
        state,
        previous: null,
        procedureName: procedure.name,
        calendar,
        lookupKey,
      });
      return respond(row);
    });
    await this.messages.enqueue(messageIds);
    return result;
  }

  /**
   * The dossier an intake with this Idempotency-Key created for this user, as its response was
   * stored (lookup key included), or null: the console's page after saving (post/redirect/get)
   * shows it again on a reload without a second intake.
   */
  async intakeResult(user: AuthUser, idempotencyKey: string): Promise<DossierDto | null> {
    const stored = await this.repo.idempotentResponse(user.id, idempotencyKey);
    const body = stored?.response as (DossierDto & { lookupKey?: string }) | undefined;
    return stored && stored.status_code === 201 && body && typeof body.code === 'string' ? body : null;
  }

  /**
   * A new lookup key for a dossier (the citizen lost the receipt): the old one stops working.
   * Counter staff of the receiving unit and the admin; the key is returned once and never logged.
   */
  async reissueLookupKey(id: string, user: AuthUser): Promise<{ dossier: DossierDto; lookupKey: string }> {
    const row = await this.visibleRow(id, user);
    const scope = await this.actingScope(user);
    const counter =
      user.role === 'admin' || (user.role === 'counter_staff' && !!scope?.includes(row.receiving_unit_id));
    if (!counter)
      throw new DomainError('FORBIDDEN', 'Chỉ Bộ phận Một cửa tiếp nhận hồ sơ này được cấp lại mã tra cứu.');
    const lookupKey = newLookupKey();
    await this.repo.setLookupKeyHash(id, hashLookupKey(lookupKey));
    this.logger.info({ dossierId: id, userId: user.id }, 'lookup key reissued');
    return { dossier: await this.get(id, user), lookupKey };
  }

  /**
   * Actions the user may take on the dossier now: allowed from its status and by the user's
   * role and units (the same rule act() enforces). Extension is offered to whoever may issue it
   * for one of the dossier's units.
   */
  async allowedActions(id: string, user: AuthUser): Promise<LiveAction[]> {
    const row = await this.visibleRow(id, user);
    const scope = await this.actingScope(user);
    const units = {
      receivingUnitId: row.receiving_unit_id,
      currentStepUnitId: row.current_step_unit_id,
      atCounterStep: row.current_step_unit_id !== null && row.current_step_unit_id === row.receiving_unit_id,
    };
    return ACTIONS.filter(
      (a): a is LiveAction =>
        a !== 'intake' &&
        // Reassigning names another officer by id: an API call (the console has no officer picker yet).
        a !== 'reassign' &&
        ALLOWED_FROM[a].includes(row.state.status) &&
        (a === 'extend'
          ? row.unit_ids.some((u) => mayAct(user, a, { ...units, responsibleUnitId: u }, scope))
          : mayAct(user, a, units, scope)),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Actions

  async act(
    id: string,
    action: LiveAction,
    payload: Record<string, unknown> & { expectedVersion: number },
    user: AuthUser,
    idempotencyKey?: string,
  ): Promise<Result<DossierDto>> {
    // The row is read without a lock; the write below applies only if it is still at this version
    // (optimistic concurrency), so nothing read here can have changed under the decision.
    const row = await this.repo.findForAction(id);
    if (!row) throw notFound('Hồ sơ');
    const visible = await this.scope.visibleUnitIds(user);
    if (visible && !row.unit_ids.some((u) => visible.includes(u))) throw notFound('Hồ sơ');
    const { expectedVersion, ...rest } = payload;
    const eventPayload = stripUndefined(rest);
    const conflict = (current: number) =>
      new DomainError('VERSION_CONFLICT', 'Hồ sơ đã được người khác cập nhật; hãy tải lại rồi thử lại.', [
        { field: 'expectedVersion', message: `current version is ${current}`, currentVersion: current },
      ]);
    // The procedure version of a dossier never changes (kept in memory for good).
    const procedure = await this.procedures.version(row.procedure_id, row.procedure_version);
    const scope = await this.actingScope(user);
    const versioned = await this.calendars.currentVersioned();
    let responsibleUnitId: string | null = null;
    if (action === 'extend') {
      const unit = await this.catalogue.unitByCode(String(eventPayload.responsibleUnitCode));
      if (!unit) throw invalid('responsibleUnitCode', 'unit does not exist');
      if (!row.unit_ids.includes(unit.id))
        throw invalid('responsibleUnitCode', 'must be the receiving unit or the unit of a step of this dossier');
      responsibleUnitId = unit.id;
    }
    // The assignee is read here; whether they belong to the target step's unit is checked in the
    // work below, after an Idempotency-Key replay (a retry must replay even though the dossier has
    // since moved to that step).
    const assignee =
      (action === 'forward' || action === 'reassign') && typeof eventPayload.assigneeUserId === 'string'
        ? { found: await this.users.findById(eventPayload.assigneeUserId) }
        : null;
    let messageIds: string[] = [];
    let deliveryIds: string[] = [];
    // `m`: the transaction when there is more to write than the action itself; else null and the
    // write is one statement in autocommit.
    const work = async (m: EntityManager | null): Promise<DossierDto> => {
      if (row.version !== expectedVersion) throw conflict(row.version);
      if (assignee && action === 'forward')
        checkAssignee(assignee.found, procedure, row.state, eventPayload.toStepIndex);
      // Reassignment (leaders' tools): to an active user of the current step's own unit.
      if (assignee && action === 'reassign' && row.state.currentStep !== null)
        checkAssignee(assignee.found, procedure, row.state, row.state.steps[row.state.currentStep].index);
      const step = row.state.currentStep === null ? null : row.state.steps[row.state.currentStep];
      const units = {
        receivingUnitId: row.receiving_unit_id,
        currentStepUnitId: row.current_step_unit_id,
        atCounterStep: !!step && procedure.steps[step.index]?.unitId === row.receiving_unit_id,
        responsibleUnitId,
        unitIds: row.unit_ids,
      };
      if (!mayAct(user, action, units, scope)) {
        throw new DomainError('FORBIDDEN', 'Bạn không có quyền thực hiện thao tác này với hồ sơ này.');
      }
      const now = this.clock.now();
      const ctx = this.context(versioned.calendar, procedure, row.channel);
      // The history up to the version read (events are append-only: later ones would fail the write).
      let history: EventRow[] | null = null;
      const events = async () =>
        (history ??= (await this.repo.events(row, m ?? undefined)).filter((e) => e.seq <= row.version));
      // The snapshot is reused if it was computed with this calendar; otherwise replay. An ended
      // dossier keeps the judgement it was given when it ended (calendar edits recompute open
      // dossiers only, docs/domain.md): returning its result must not re-judge it by today's calendar.
      // A snapshot folded before its policy version existed (Decree 118 not yet applied) is replayed too.
      const samePolicy = (row.state.policyVersion ?? 'nd61-2018') === this.foldPolicy(row.state.receivedAt).id;
      const base =
        (row.calendar_version === versioned.version && samePolicy) || row.state.endedAt !== null
          ? row.state
          : this.replayRow(await events(), ctx);
      const event: DossierEvent = {
        action,
        at: Math.max(now.getTime(), base.lastEventAt),
        actorUserId: user.id,
        payload: eventPayload,
      };
      const state = this.fold(base, event, ctx);
      // The 766 index's facts: folded on from the stored ones (replayed for rows written before them).
      const facts = row.portal_facts
        ? portalFactsAfter(row.portal_facts, [event], state, ctx)
        : portalFactsAfter(null, [...(await events()).map(toFoldEvent), event], state, ctx);
      const projection = {
        ...projectState(state, versioned.calendar, this.thresholds, {
          calendarVersion: versioned.version,
          flags: flagsAfter(row.flags, event),
          stepUnitIds: procedure.steps.map((s) => s.unitId),
        }),
        portal_facts: facts,
      };
      const { dossier_id: _d, ...ev } = eventRow(id, row.version + 1, event, row.status, state.status, null);
      if (!(await this.repo.applyAction(m, id, row.version, projection, ev))) {
        const current = await this.repo.currentVersion(id, m ?? undefined);
        if (current === null) throw notFound('Hồ sơ');
        throw conflict(current);
      }
      if (m) {
        // A directive comment alerts the current assignee and the head of the unit now handling it.
        // Its alerts go by e-mail and webhook as every alert does (the delivery outbox).
        if (action === 'comment')
          deliveryIds = await this.repo.insertCommentAlerts(
            m,
            id,
            state,
            projection,
            user.id,
            event.at,
            !!this.config.SMTP_URL,
          );
        // A milestone messages the citizen: its rows in this transaction (docs/http-api.md "Messages to citizens").
        if (row.has_consent)
          messageIds = await this.messages.onEvent(m, {
            dossierId: id,
            action,
            seq: row.version + 1,
            at: new Date(event.at),
            payload: eventPayload,
            state,
            previous: base,
            procedureName: procedure.name,
            calendar: versioned.calendar,
          });
      }
      // The response is built from what was written: no read-back round trip.
      return this.toDto({ ...row, ...projection }, versioned.calendar, now);
    };
    // Only the action itself to write (no key to store, no alert, no message): one statement.
    if (!idempotencyKey && action !== 'comment' && !(row.has_consent && MILESTONE_OF_ACTION[action])) {
      return { status: 200, body: await work(null) };
    }
    const result = await this.idempotent(user, idempotencyKey, [id, action, payload], 200, (m) => work(m));
    await this.messages.enqueue(messageIds);
    if (deliveryIds.length && this.delivery) await this.delivery.enqueue(deliveryIds);
    return result;
  }

  // ------------------------------------------------------------------------------------------
  // Reads

  async get(id: string, user: AuthUser): Promise<DossierDto> {
    const row = await this.visibleRow(id, user);
    const calendar = await this.calendars.current();
    return this.toDto(row, calendar, this.clock.now());
  }

  /**
   * `opts` are the console queue's (not API filters): the current step's unit and assignee, and
   * the urgency order (its cursors are of that order only).
   */
  async list(q: ListDossiersQuery, user: AuthUser, opts: DossierListOptions = {}): Promise<Page<DossierDto>> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const urgency = opts.order === 'urgency';
    const after = urgency ? undefined : decodeCursor(q.cursor, isCursor);
    const afterUrgency = urgency ? decodeCursor(q.cursor, isUrgencyCursor) : undefined;
    let unitId: string | undefined;
    if (q.unitCode) {
      const unit = await this.catalogue.unitByCode(q.unitCode);
      if (!unit) return { items: [], nextCursor: null };
      unitId = unit.id;
    }
    const now = this.clock.now();
    const visibleUnitIds = await this.scope.visibleUnitIds(user);
    const rows = await this.repo.list({
      visibleUnitIds,
      search: opts.search ? searchTerms(opts.search) : undefined,
      counterOf: opts.counterWork ? (visibleUnitIds ?? (await this.actingScope(user)) ?? undefined) : undefined,
      status: q.status,
      unitId,
      procedureCode: q.procedureCode,
      timeliness: q.timeliness,
      receivedFrom: q.receivedFrom ? parseInstant(q.receivedFrom, 'receivedFrom') : undefined,
      receivedTo: q.receivedTo ? parseInstant(q.receivedTo, 'receivedTo') : undefined,
      code: q.code,
      currentStepUnitId: opts.currentStepUnitId,
      currentAssigneeId: opts.currentAssigneeId,
      now,
      order: opts.order,
      after: after ? { receivedAt: after.r, id: after.i } : undefined,
      afterUrgency,
      limit,
    });
    const calendar = await this.calendars.current();
    return toPage(
      rows,
      limit,
      (r) => this.toDto(r, calendar, now),
      (r) => (urgency ? urgencyKey(r) : { r: r.received_at.toISOString(), i: r.id }),
    );
  }

  /**
   * How late each visible, open, overdue dossier of `ids` is: working minutes from its statutory
   * due instant to now (to the pause while paused: its clock is stopped, as for the remaining
   * time). Absent for dossiers within time or out of the user's scope. The console's "quá hạn".
   */
  async overdueWorkingMinutes(ids: string[], user: AuthUser): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (ids.length === 0) return out;
    const now = this.clock.now();
    const rows = await this.repo.list({
      visibleUnitIds: await this.scope.visibleUnitIds(user),
      ids,
      now,
      limit: ids.length,
    });
    const calendar = await this.calendars.current();
    for (const r of rows) {
      const ms = overdueMsAt(r.state, calendar, now.getTime());
      if (ms !== null) out.set(r.id, Math.floor(ms / 60_000));
    }
    return out;
  }

  async events(id: string, user: AuthUser): Promise<DossierEventDto[]> {
    const row = await this.visibleRow(id, user);
    return (await this.repo.events(row)).map((e) => ({
      seq: e.seq,
      action: e.action,
      at: toLocalIso(e.at),
      actorUserId: e.actor_user_id,
      fromStatus: e.from_status,
      toStatus: e.to_status,
      payload: e.payload,
      externalId: e.external_id,
    }));
  }

  /** Form 06 rows: one per hand-over, with the step's due instant and its result. */
  async controlSlip(id: string, user: AuthUser): Promise<{ dossier: DossierDto; rows: ControlSlipRowDto[] }> {
    const row = await this.visibleRow(id, user);
    const calendar = await this.calendars.current();
    const rows = row.state.steps.map((s) => ({
      stepIndex: s.index,
      name: s.name,
      fromUnitCode: s.fromUnitCode,
      toUnitCode: s.toUnitCode,
      fromUserId: s.handedOverBy,
      toUserId: s.assigneeUserId,
      handedOverAt: toLocalIso(new Date(s.handedOverAt)),
      dueAt: s.dueAt === null ? null : toLocalIso(new Date(s.dueAt)),
      completedAt: s.completedAt === null ? null : toLocalIso(new Date(s.completedAt)),
      result: s.result,
    }));
    return { dossier: this.toDto(row, calendar, this.clock.now()), rows };
  }

  // ------------------------------------------------------------------------------------------
  // Rebuild

  /**
   * Replays a dossier's events with the current calendar and rewrites its projection; returns
   * whether anything but the calendar version changed. Used after calendar edits and by tests
   * proving that the projection is a pure function of the events.
   */
  async rebuild(id: string): Promise<boolean> {
    const seen = await this.repo.findById(id);
    if (!seen) throw notFound('Hồ sơ');
    const procedure = await this.procedures.version(seen.procedure_id, seen.procedure_version);
    const versioned = await this.calendars.currentVersioned();
    return this.repo.transaction(async (tx) => {
      const row = await this.repo.findById(id, tx, true);
      return this.rebuildLocked(tx, row!, procedure, versioned);
    });
  }

  /** Rebuilds a locked row; the procedure and calendar are read beforehand (no second connection). */
  async rebuildLocked(
    m: EntityManager,
    row: DossierRow,
    procedure: ProcedureView,
    versioned: { version: number; calendar: WorkingCalendar },
  ): Promise<boolean> {
    const ctx = this.context(versioned.calendar, procedure, row.channel);
    const events = await this.repo.events(row, m);
    const state = this.replayRow(events, ctx);
    const flags = { ...row.flags };
    const cols = {
      ...projectState(state, versioned.calendar, this.thresholds, {
        calendarVersion: versioned.version,
        flags,
        stepUnitIds: procedure.steps.map((s) => s.unitId),
      }),
      portal_facts: portalFactsAfter(null, events.map(toFoldEvent), state, ctx),
    };
    const changed = JSON.stringify(cols.state) !== JSON.stringify(row.state);
    await this.repo.update(m, row.id, cols);
    return changed;
  }

  // ------------------------------------------------------------------------------------------
  // Helpers

  /** `channel`: the dossier's (the Decree 118 rules for online and paper dossiers need it). */
  context(calendar: WorkingCalendar, procedure: ProcedureView, channel?: string): FoldContext {
    return {
      calendar,
      rules: { timeLimit: procedure.timeLimit, intakeCutoff: procedure.intakeCutoff, steps: procedure.steps },
      policy: this.foldPolicy,
      channel: channel as Channel | undefined,
    };
  }

  private fold(state: DossierState | null, event: DossierEvent, ctx: FoldContext): DossierState {
    try {
      return applyEvent(state, event, ctx);
    } catch (err) {
      throw toDomainError(err);
    }
  }

  replayRow(events: EventRow[], ctx: FoldContext): DossierState {
    try {
      return replay(events.map(toFoldEvent), ctx);
    } catch (err) {
      throw toDomainError(err);
    }
  }

  /** The dossier if the user may see it; otherwise 404, the same answer as for a dossier that does not exist. */
  async visibleRow(id: string, user: AuthUser): Promise<DossierRow> {
    const row = await this.repo.findById(id);
    if (!row) throw notFound('Hồ sơ');
    const visible = await this.scope.visibleUnitIds(user);
    if (visible && !row.unit_ids.some((u) => visible.includes(u))) throw notFound('Hồ sơ');
    return row;
  }

  /** The units a user acts for: own unit, a head's subtree; null for the admin. */
  private async actingScope(user: AuthUser): Promise<string[] | null> {
    if (user.role === 'admin') return null;
    if (user.role === 'reform_board') return [];
    return (await this.scope.visibleUnitIds(user)) ?? [];
  }

  /**
   * Runs `work` in a transaction. With an Idempotency-Key, the first successful response is
   * stored in the same transaction and replayed for repeats; a transaction-level advisory lock on
   * (user, key) makes a concurrent twin wait for the first and then replay it.
   */
  private async idempotent<T>(
    user: AuthUser,
    key: string | undefined,
    request: unknown,
    status: number,
    work: (m: EntityManager) => Promise<T>,
  ): Promise<Result<T>> {
    if (!key) return { status, body: await this.repo.transaction(work) };
    const hash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    try {
      return await this.repo.transaction(async (m) => {
        await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`${user.id}:${key}`]);
        const stored = await this.repo.idempotentResponse(user.id, key, m);
        if (stored) return replayStored<T>(stored, hash);
        const body = await work(m);
        await this.repo.saveIdempotentResponse(m, user.id, key, hash, status, body);
        return { status, body };
      });
    } catch (err) {
      if ((err as { code?: string }).code === PG_UNIQUE) {
        const stored = await this.repo.idempotentResponse(user.id, key);
        if (stored) return replayStored<T>(stored, hash);
      }
      throw err;
    }
  }

  toDto(row: ListedDossierRow, calendar: WorkingCalendar, now: Date): DossierDto {
    const s = row.state;
    const step = s.currentStep === null ? null : s.steps[s.currentStep];
    const live = liveFigures(s, calendar, now.getTime());
    const paused = s.endedAt === null && s.clock.pausedSince !== null;
    return {
      id: row.id,
      code: row.code,
      procedureCode: row.procedure_code,
      procedureVersion: row.procedure_version,
      receivingUnitCode: row.receiving_unit_code,
      channel: row.channel,
      status: s.status,
      statusLabel: STATUS_LABEL[s.status],
      portalStatusCode: PORTAL_CODE[s.status],
      version: row.version,
      receivedAt: toLocalIso(new Date(s.receivedAt)),
      clockStart: toLocalIso(new Date(s.clockStart)),
      dueAt: paused ? null : toLocalIso(new Date(s.clock.dueAt)),
      promisedAt: s.promisedAt === null ? null : toLocalIso(new Date(s.promisedAt)),
      endedAt: s.endedAt === null ? null : toLocalIso(new Date(s.endedAt)),
      returnedAt: s.returnedAt === null ? null : toLocalIso(new Date(s.returnedAt)),
      outcome: s.outcome,
      ...live,
      supplementCount: s.supplementCount,
      extensionCount: s.extensionCount,
      policyVersion: s.policyVersion ?? this.foldPolicy(s.receivedAt).id ?? 'nd61-2018',
      breaches: (s.breaches ?? []).map((b) => ({
        rule: b.rule,
        at: toLocalIso(new Date(b.at)),
        actorUserId: b.actorUserId,
        unitCode: b.unitCode,
      })),
      // Live, so confirming a year clears it at once for every dossier (docs/http-api.md).
      calendarProvisional: calendar.crossesProvisional(new Date(s.clockStart), new Date(s.clock.dueAt)),
      currentStep: step && {
        index: step.index,
        name: step.name,
        unitCode: step.toUnitCode,
        assigneeUserId: step.assigneeUserId,
        startedAt: toLocalIso(new Date(step.handedOverAt)),
        dueAt: step.dueAt === null ? null : toLocalIso(new Date(step.dueAt)),
      },
      applicant: row.applicant,
      summary: row.summary,
      flags: row.flags,
    };
  }
}

function replayStored<T>(
  stored: { request_hash: string; status_code: number; response: unknown },
  hash: string,
): Result<T> {
  if (stored.request_hash !== hash) {
    throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'Khóa Idempotency-Key đã được dùng cho một yêu cầu khác.');
  }
  return { status: stored.status_code, body: stored.response as T };
}

function invalid(field: string, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [{ field, message }]);
}

export function toDomainError(err: unknown): unknown {
  if (err instanceof LifecycleError) {
    return new DomainError(err.code, err.message);
  }
  if (err instanceof RangeError)
    return new DomainError('RULE_VIOLATION', `Ngoài phạm vi lịch làm việc: ${err.message}`);
  return err;
}

/** A forward's assignee must be an active user of the target step's unit (the next step by default). */
function checkAssignee(
  assignee: { active: boolean; unitId: string | null } | null,
  procedure: ProcedureView,
  state: DossierState,
  toStepIndex: unknown,
): void {
  const current = state.currentStep === null ? -1 : state.steps[state.currentStep].index;
  const target = typeof toStepIndex === 'number' ? toStepIndex : current + 1;
  const stepUnit = procedure.steps[target]?.unitId;
  if (!assignee || !assignee.active || (stepUnit && assignee.unitId !== stepUnit)) {
    throw invalid('assigneeUserId', 'the assignee must be an active user of the next step unit');
  }
}

export function unitIdsOf(receivingUnitId: string, p: ProcedureView): string[] {
  return [...new Set([receivingUnitId, p.unitId, ...p.steps.map((s) => s.unitId)])];
}

/** A configured policy version as the fold reads it (working hours and days in milliseconds). */
export function toFoldPolicy(v: LifecyclePolicyVersion): LifecyclePolicy {
  const ms = (hours: number | null) => (hours === null ? null : hours * HOUR_MS);
  return {
    id: v.id,
    maxExtensions: v.maxExtensions,
    extensionMinLeadMs: v.extensionMinLeadWorkingHours * HOUR_MS,
    supplementRestartsClock: v.supplementRestartsClock,
    maxSupplementRequests: v.maxSupplementRequests,
    supplementWindowMs: ms(v.supplementRequestWindowWorkingHours),
    onlineIncompleteWindowMs: ms(v.onlineIncompleteWindowWorkingHours),
    // Days of the calendar (Art. 19.5 "15 ngày"), not working days.
    closeAfterSupplementMs: v.closeAfterSupplementDays === null ? null : v.closeAfterSupplementDays * 24 * HOUR_MS,
    extensionBeforeDueDate: v.extensionBeforeDueDate,
    paperHandoverAfter: v.paperHandoverAfter,
  };
}

export function toFoldEvent(e: EventRow): DossierEvent {
  return {
    action: e.action as DossierEvent['action'],
    at: new Date(e.at).getTime(),
    actorUserId: e.actor_user_id,
    payload: e.payload,
  };
}

export function eventRow(
  dossierId: string,
  seq: number,
  e: DossierEvent,
  from: string | null,
  to: string,
  externalId: string | null,
): EventRow {
  return {
    dossier_id: dossierId,
    seq,
    action: e.action,
    at: new Date(e.at),
    actor_user_id: e.actorUserId,
    from_status: from,
    to_status: to,
    payload: e.payload,
    external_id: externalId,
  };
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
