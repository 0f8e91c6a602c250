import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { AuthUser } from 'src/auth/auth-user';
import { CalendarService } from 'src/calendar/calendar.service';
import type { WorkingCalendar } from 'src/calendar/working-time';
import { UnitEntity } from 'src/catalogue/unit.entity';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { AuditService } from 'src/common/audit.service';
import { compileValidator, type CompiledValidator } from 'src/common/compiled-validation';
import { DomainError } from 'src/common/domain-error';
import { ROOT_LOGGER } from 'src/common/logger';
import { ISO_INSTANT_PATTERN, localDate } from 'src/common/time';
import { validateDto } from 'src/common/validation';
import { projectState } from 'src/dossiers/dossier-projection';
import { flagsAfter, portalFactsAfter } from 'src/dossiers/index-facts';
import { DossiersRepository, EventRow, NewDossier } from 'src/dossiers/dossiers.repository';
import {
  codeIdentifier,
  dossierCode,
  DossiersService,
  eventRow,
  hashLookupKey,
  toFoldEvent,
  unitIdsOf,
} from 'src/dossiers/dossiers.service';
import { ACTION_DTOS } from 'src/dossiers/dto/dossier.dto';
import { ImportDossierDto, ImportDossierHeadDto, MAX_IMPORT_EVENTS } from 'src/dossiers/dto/import.dto';
import { ACTIONS, applyEvent, DossierEvent, DossierState, FoldContext, LifecycleError } from 'src/dossiers/lifecycle';
import { ProcedureRulesService, ProcedureView } from 'src/dossiers/procedure-rules.service';
import { ProceduresService } from 'src/catalogue/procedures.service';

export interface ImportFailure {
  index: number;
  code: string | null;
  message: string;
}

export interface ImportResult {
  imported: number;
  /** Dossiers that existed already (same code) and received new events. */
  appended: number;
  /** Dossiers that existed already and whose events were all known: nothing to do. */
  unchanged: number;
  failed: ImportFailure[];
}

/** Dossiers written per statement: keeps each INSERT under PostgreSQL's 65,535 parameters. */
const BATCH = 250;
/** Batches written at once (each on its own connection): PostgreSQL works while Node prepares more. */
const WRITERS = 2;
const CODE_PATTERN = /^(.+)-(\d{6})-(\d{4,})$/;

/** The local date (YYYY-MM-DD) a code's yyMMdd names, or null when it names no date. */
function codeDay(code: string): string | null {
  const m = CODE_PATTERN.exec(code);
  if (!m) return null;
  const day = `20${m[2].slice(0, 2)}-${m[2].slice(2, 4)}-${m[2].slice(4, 6)}`;
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day ? null : day;
}
const LIVE_ACTIONS = new Set<string>(ACTIONS.filter((a) => a !== 'intake'));
/** Each action's payload rules: the live action DTO's, compiled (no expectedVersion in a history). */
const EVENT_RULES = Object.fromEntries(
  Object.entries(ACTION_DTOS).map(([action, cls]) => [
    action,
    compileValidator(cls as new () => object, { omit: ['expectedVersion'] }),
  ]),
) as Record<keyof typeof ACTION_DTOS, CompiledValidator>;

interface Prepared {
  index: number;
  dto: ImportDossierDto;
  unit: UnitEntity;
  procedure: ProcedureView;
  events: DossierEvent[];
  externalIds: (string | null)[];
  /** Status after each event. */
  statuses: string[];
  state: DossierState;
}

class ItemError extends Error {}

/**
 * Loads history from another system (POST /imports/dossiers). Every dossier is replayed through
 * the same fold as live actions; statuses, due instants and outcomes are computed, never taken
 * from the input. An invalid history is refused with its reason and the rest still load. A
 * dossier whose code exists already takes only its events with unknown externalIds (a feed
 * can send the same history again: known events are no-ops).
 */
@Injectable()
export class ImportService {
  constructor(
    private readonly repo: DossiersRepository,
    private readonly dossiers: DossiersService,
    private readonly procedures: ProceduresService,
    private readonly rules: ProcedureRulesService,
    private readonly units: UnitsRepository,
    private readonly calendars: CalendarService,
    private readonly audit: AuditService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async importDossiers(items: unknown[], actor: AuthUser): Promise<ImportResult> {
    const started = Date.now();
    const result: ImportResult = { imported: 0, appended: 0, unchanged: 0, failed: [] };
    const fail = (index: number, code: unknown, message: string) =>
      result.failed.push({ index, code: typeof code === 'string' ? code : null, message });
    const { calendar, version: calendarVersion } = await this.calendars.currentVersioned();

    // 1. Reference data, once per distinct code (read from the raw items; each is validated below).
    const texts = (key: string) =>
      items
        .map((raw) => (raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[key] : undefined))
        .filter((v): v is string => typeof v === 'string' && v.length > 0 && v.length <= 100);
    const unitsByCode = await this.loadUnits(texts('receivingUnitCode'));
    const versionsByCode = await this.loadProcedures(texts('procedureCode'));
    const existing = await this.repo.idsByCodes(texts('code'));
    const seenCodes = new Set<string>();

    // 2. Validate and replay each history, writing new dossiers in batches as they fill: while a
    // batch is written (at most WRITERS at a time, each in its own transaction), the next one is
    // prepared (the loop yields now and then, so the writes' round trips go on).
    const merges: { item: { index: number; dto: ImportDossierDto }; id: string }[] = [];
    const inFlight = new Set<Promise<void>>();
    let batch: Prepared[] = [];
    const flush = async () => {
      const full = batch;
      batch = [];
      if (!full.length) return;
      while (inFlight.size >= WRITERS) await Promise.race(inFlight);
      const write = this.writeWithRetry(full, calendar, calendarVersion, actor, result).finally(() =>
        inFlight.delete(write),
      );
      inFlight.add(write);
    };
    for (let index = 0; index < items.length; index++) {
      if (index % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
      const raw = items[index];
      let dto: ImportDossierDto;
      try {
        dto = validateItem(raw);
      } catch (err) {
        fail(index, (raw as { code?: unknown })?.code, describe(err));
        continue;
      }
      try {
        if (dto.code) {
          if (seenCodes.has(dto.code)) throw new ItemError(`mã hồ sơ ${dto.code} xuất hiện hai lần trong lô`);
          seenCodes.add(dto.code);
          const id = existing.get(dto.code);
          if (id) {
            merges.push({ item: { index, dto }, id });
            continue;
          }
        }
        batch.push(this.prepare(index, dto, unitsByCode, versionsByCode, calendar, actor));
        if (batch.length === BATCH) await flush();
      } catch (err) {
        fail(index, dto.code, describe(err));
      }
    }
    await flush();
    await Promise.all(inFlight);

    // 3. Known dossiers: append the events not seen before.
    for (const { item, id } of merges) {
      try {
        const outcome = await this.merge(id, item.dto, calendar, calendarVersion, actor);
        if (outcome === 'appended') result.appended += 1;
        else result.unchanged += 1;
      } catch (err) {
        fail(item.index, item.dto.code, describe(err));
      }
    }

    result.failed.sort((a, b) => a.index - b.index);
    await this.audit.record({
      actorUserId: actor.id,
      action: 'dossiers.import',
      details: {
        received: items.length,
        imported: result.imported,
        appended: result.appended,
        failed: result.failed.length,
      },
    });
    this.logger.info(
      {
        received: items.length,
        imported: result.imported,
        appended: result.appended,
        failed: result.failed.length,
        ms: Date.now() - started,
      },
      'dossier import',
    );
    return result;
  }

  /** Writes a batch in one transaction; if it fails, one by one, to name the culprit. Never throws. */
  private async writeWithRetry(
    batch: Prepared[],
    calendar: WorkingCalendar,
    calendarVersion: number,
    actor: AuthUser,
    result: ImportResult,
  ): Promise<void> {
    try {
      await this.repo.transaction(async (m) => {
        await markImport(m);
        await this.writeBatch(m, batch, calendar, calendarVersion, actor);
      });
      result.imported += batch.length;
      return;
    } catch {
      // fall through to one by one
    }
    for (const one of batch) {
      try {
        await this.repo.transaction(async (m) => {
          await markImport(m);
          await this.writeBatch(m, [one], calendar, calendarVersion, actor);
        });
        result.imported += 1;
      } catch (err) {
        if (!(err instanceof ItemError) && (err as { code?: string }).code !== '23505') {
          this.logger.error({ err: (err as Error).message, index: one.index }, 'import write failed');
        }
        result.failed.push({ index: one.index, code: one.dto.code ?? null, message: describe(err) });
      }
    }
  }

  private prepare(
    index: number,
    dto: ImportDossierDto,
    unitsByCode: Map<string, UnitEntity>,
    versionsByCode: Map<string, ProcedureView[]>,
    calendar: WorkingCalendar,
    actor: AuthUser,
  ): Prepared {
    const unit = unitsByCode.get(dto.receivingUnitCode.toLowerCase());
    if (!unit) throw new ItemError(`đơn vị tiếp nhận ${dto.receivingUnitCode} không tồn tại`);
    const versions = versionsByCode.get(dto.procedureCode.toLowerCase());
    if (!versions) throw new ItemError(`thủ tục ${dto.procedureCode} không tồn tại`);
    const receivedAt = Date.parse(dto.receivedAt);
    const procedure = versionInForce(versions, receivedAt);
    if (dto.code) {
      const m = CODE_PATTERN.exec(dto.code);
      // The unit's code, or its portal identifier (Decree 118 Art. 28).
      const prefixes = [unit.code, unit.portalCode].filter((x): x is string => !!x).map((x) => x.toLowerCase());
      if (!m || !prefixes.includes(m[1].toLowerCase()) || codeDay(dto.code) === null) {
        throw new ItemError(`mã hồ sơ ${dto.code} phải có dạng ${unit.code}-yyMMdd-NNNN`);
      }
    }
    const { events, externalIds } = this.toEvents(dto, receivedAt, actor);
    const { state, statuses } = foldAll(events, this.dossiers.context(calendar, procedure, dto.channel));
    return { index, dto, unit, procedure, events, externalIds, statuses, state };
  }

  private toEvents(
    dto: ImportDossierDto,
    receivedAt: number,
    actor: AuthUser,
  ): { events: DossierEvent[]; externalIds: (string | null)[] } {
    const events: DossierEvent[] = [
      { action: 'intake', at: receivedAt, actorUserId: actor.id, payload: { imported: true } },
    ];
    const externalIds: (string | null)[] = [null];
    const seen = new Set<string>();
    dto.events.forEach((raw, i) => {
      const { action, at, externalId, ...payload } = raw as Record<string, unknown>;
      if (typeof action !== 'string' || !LIVE_ACTIONS.has(action))
        throw new ItemError(`sự kiện #${i + 1}: thao tác "${String(action)}" không hợp lệ`);
      // The payload by the live action's own DTO rules (unknown keys refused, instants with offsets).
      const invalid = EVENT_RULES[action as keyof typeof EVENT_RULES](payload);
      if (invalid.length > 0)
        throw new ItemError(`sự kiện #${i + 1} (${action}): ${invalid.map((d) => d.message).join('; ')}`);
      const ms = typeof at === 'string' && ISO_INSTANT_PATTERN.test(at) ? Date.parse(at) : NaN;
      if (!Number.isFinite(ms)) throw new ItemError(`sự kiện #${i + 1}: "at" phải là thời điểm ISO-8601 có múi giờ`);
      if (ms < receivedAt) throw new ItemError(`sự kiện #${i + 1}: trước thời điểm tiếp nhận`);
      if (
        externalId !== undefined &&
        (typeof externalId !== 'string' || externalId.length === 0 || externalId.length > 200)
      ) {
        throw new ItemError(`sự kiện #${i + 1}: externalId phải là chuỗi 1-200 ký tự`);
      }
      if (typeof externalId === 'string') {
        if (seen.has(externalId)) throw new ItemError(`sự kiện #${i + 1}: externalId ${externalId} bị trùng`);
        seen.add(externalId);
      }
      events.push({ action: action as DossierEvent['action'], at: ms, actorUserId: actor.id, payload });
      externalIds.push(typeof externalId === 'string' ? externalId : null);
    });
    return { events, externalIds };
  }

  private async writeBatch(
    m: EntityManager,
    batch: Prepared[],
    calendar: WorkingCalendar,
    calendarVersion: number,
    actor: AuthUser,
  ) {
    // Codes: given ones move the unit's daily sequence past them; missing ones take the next numbers.
    const counters = new Map<string, { unitId: string; day: string; need: number; given: number }>();
    // A given code moves the sequence of the day it names, which a source's code may date otherwise
    // than the reception (its own submission date): that day's next live code must not repeat it.
    for (const p of batch) {
      const day = p.dto.code ? codeDay(p.dto.code)! : localDate(new Date(p.state.receivedAt));
      const key = `${p.unit.id}|${day}`;
      const c = counters.get(key) ?? { unitId: p.unit.id, day, need: 0, given: 0 };
      if (p.dto.code) c.given = Math.max(c.given, Number(CODE_PATTERN.exec(p.dto.code)![3]));
      else c.need += 1;
      counters.set(key, c);
    }
    const next = new Map<string, number>();
    const reserved = await this.repo.reserveCodeNumbersMany(m, [...counters.values()]);
    for (const [key, c] of counters) next.set(key, reserved.get(key)! - c.need + 1);
    const rows: NewDossier[] = [];
    const events: EventRow[] = [];
    for (const p of batch) {
      const id = randomUUID();
      const receivedAt = new Date(p.state.receivedAt);
      let code = p.dto.code;
      if (!code) {
        const key = `${p.unit.id}|${localDate(receivedAt)}`;
        const n = next.get(key)!;
        next.set(key, n + 1);
        code = dossierCode(codeIdentifier(p.unit, receivedAt.getTime()), receivedAt, n);
      }
      rows.push({
        id,
        code,
        procedure_id: p.procedure.procedureId,
        procedure_version: p.procedure.version,
        procedure_code: p.procedure.code,
        receiving_unit_id: p.unit.id,
        handling_unit_id: p.procedure.unitId,
        unit_ids: unitIdsOf(p.unit.id, p.procedure),
        channel: p.dto.channel,
        applicant: { ...p.dto.applicant },
        summary: p.dto.summary ?? null,
        // Imported dossiers get a lookup key nobody knows until the counter reissues one.
        lookup_key_hash: hashLookupKey(randomBytes(16).toString('hex')),
        created_by: actor.id,
        ...projectState(p.state, calendar, this.dossiers.thresholds, {
          calendarVersion,
          flags: p.events.slice(1).reduce(flagsAfter, { ...(p.dto.flags ?? {}) }),
          stepUnitIds: p.procedure.steps.map((s) => s.unitId),
        }),
        portal_facts: portalFactsAfter(
          null,
          p.events,
          p.state,
          this.dossiers.context(calendar, p.procedure, p.dto.channel),
        ),
      });
      p.events.forEach((e, k) =>
        events.push(eventRow(id, k + 1, e, k ? p.statuses[k - 1] : null, p.statuses[k], p.externalIds[k])),
      );
    }
    await this.repo.insertMany(m, rows);
    await this.repo.appendEvents(m, events);
  }

  private async merge(
    id: string,
    dto: ImportDossierDto,
    calendar: WorkingCalendar,
    calendarVersion: number,
    actor: AuthUser,
  ): Promise<'appended' | 'unchanged'> {
    const seen = await this.repo.findById(id);
    const procedure = await this.rules.version(seen!.procedure_id, seen!.procedure_version);
    const ctx = this.dossiers.context(calendar, procedure, seen!.channel);
    return this.repo.transaction(async (m) => {
      await markImport(m);
      const row = (await this.repo.findById(id, m, true))!;
      const known = await this.repo.events(row, m);
      const knownIds = new Set(known.map((e) => e.external_id).filter((x): x is string => !!x));
      const incoming = this.toEvents(dto, row.state.receivedAt, actor);
      const fresh = incoming.events.map((e, k) => ({ e, ext: incoming.externalIds[k] })).slice(1);
      if (fresh.some((f) => f.ext === null)) {
        throw new ItemError(`hồ sơ ${dto.code} đã tồn tại; chỉ bổ sung được các sự kiện có externalId`);
      }
      const added = fresh.filter((f) => !knownIds.has(f.ext!));
      if (added.length === 0) return 'unchanged';
      const { state, statuses } = foldAll([...known.map(toFoldEvent), ...added.map((a) => a.e)], ctx);
      const rows = added.map((f, k) =>
        eventRow(id, row.version + k + 1, f.e, statuses[known.length + k - 1], statuses[known.length + k], f.ext),
      );
      await this.repo.appendEvents(m, rows);
      const all = [...known.map(toFoldEvent), ...added.map((a) => a.e)];
      await this.repo.update(m, id, {
        ...projectState(state, calendar, this.dossiers.thresholds, {
          calendarVersion,
          flags: added.map((a) => a.e).reduce(flagsAfter, row.flags),
          stepUnitIds: procedure.steps.map((s) => s.unitId),
        }),
        portal_facts: portalFactsAfter(null, all, state, ctx),
      });
      return 'appended';
    });
  }

  private async loadUnits(codes: string[]): Promise<Map<string, UnitEntity>> {
    const units = await this.units.findByCodes([...new Set(codes)]);
    return new Map(units.filter((u) => u.active).map((u) => [u.code.toLowerCase(), u]));
  }

  private async loadProcedures(codes: string[]): Promise<Map<string, ProcedureView[]>> {
    const out = new Map<string, ProcedureView[]>();
    for (const code of new Set(codes.map((c) => c.toLowerCase()))) {
      const current = await this.procedures.currentVersion(code);
      if (!current || !current.active) continue;
      const versions: ProcedureView[] = [];
      for (let v = 1; v <= current.currentVersion; v++) versions.push(await this.rules.version(current.procedureId, v));
      out.set(code, versions);
    }
    return out;
  }
}

/** The latest version effective at the reception instant; the first one for older history. */
function versionInForce(versions: ProcedureView[], at: number): ProcedureView {
  let chosen = versions[0];
  for (const v of versions) if (v.effectiveFrom.getTime() <= at) chosen = v;
  return chosen;
}

/** Folds a history event by event (the same fold as replay), keeping the status after each. */
function foldAll(events: DossierEvent[], ctx: FoldContext): { state: DossierState; statuses: string[] } {
  let state: DossierState | null = null;
  const statuses: string[] = [];
  events.forEach((e, i) => {
    try {
      state = applyEvent(state, e, ctx);
    } catch (err) {
      const where = i === 0 ? 'tiếp nhận' : `sự kiện #${i} (${e.action})`;
      if (err instanceof LifecycleError) throw new ItemError(`${where}: ${err.message}`);
      if (err instanceof RangeError) throw new ItemError(`${where}: ngoài phạm vi lịch làm việc (${err.message})`);
      throw err;
    }
    statuses.push(state.status);
  });
  return { state: state!, statuses };
}

/**
 * One item as ImportDossierDto: class-validator checks everything but the events (deep-copying
 * each event's payload through class-transformer cost more than the rest of the import); the
 * events list is checked here, and each event's content by the fold.
 */
function validateItem(raw: unknown): ImportDossierDto {
  const invalid = (message: string) =>
    new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [{ field: 'events', message }]);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return validateDto(ImportDossierHeadDto, raw) as never;
  const { events, ...head } = raw as Record<string, unknown>;
  const dto = validateDto(ImportDossierHeadDto, head) as ImportDossierDto;
  if (!Array.isArray(events)) throw invalid('events must be an array');
  if (events.length > MAX_IMPORT_EVENTS)
    throw invalid(`events must contain no more than ${MAX_IMPORT_EVENTS} elements`);
  if (events.some((e) => typeof e !== 'object' || e === null || Array.isArray(e)))
    throw invalid('each value in events must be an object');
  dto.events = events as Record<string, unknown>[];
  return dto;
}

function describe(err: unknown): string {
  if (err instanceof ItemError) return err.message;
  if (err instanceof DomainError) {
    const details = err.details?.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message)).join('; ');
    return details ? `${err.message} ${details}` : err.message;
  }
  if ((err as { code?: string }).code === '23505') return 'mã hồ sơ đã tồn tại';
  return 'lỗi khi ghi hồ sơ';
}

/** Changes written by an import are the cause of the closed periods' adjustments they make. */
async function markImport(m: EntityManager): Promise<void> {
  await m.query(`SELECT set_config('sla.change_cause', 'import', true)`);
}
