import { CatalogueCache } from 'src/catalogue/catalogue-cache.service';
import { Injectable, OnModuleInit } from '@nestjs/common';
import type { AuthUser } from 'src/auth/auth-user';
import type { TimeLimit } from 'src/calendar/working-time';
import { CATALOGUE_MESSAGES as M } from 'src/catalogue/catalogue.messages';
import { pgErrorCode, UNIQUE_VIOLATION } from 'src/catalogue/db-errors';
import type { CreateProcedureDto, ProcedureDto, UpdateProcedureDto } from 'src/catalogue/dto/procedure.dto';
import { foldForSearch, stepHoursExcess } from 'src/catalogue/procedure-rules';
import type { OnlineLevel, StoredStep } from 'src/catalogue/procedure-version.entity';
import {
  ProcedureRecord,
  ProceduresRepository,
  ProcedureTx,
  statutoryParts,
  StatutoryParts,
} from 'src/catalogue/procedures.repository';
import type { UnitEntity } from 'src/catalogue/unit.entity';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { UnitsService } from 'src/catalogue/units.service';
import { AuditService } from 'src/common/audit.service';
import { Clock } from 'src/common/clock';
import { DomainError, ErrorDetail, notFound } from 'src/common/domain-error';
import { decodeCursor, DEFAULT_LIMIT, Page, toPage } from 'src/common/pagination';
import { toLocalIso } from 'src/common/time';

export interface ProcedureStepRule {
  /** 0-based position in the internal process. */
  index: number;
  name: string;
  unitId: string;
  unitCode: string;
  /** Allotted working hours of the step. */
  workingHours: number;
}

/**
 * One version of a procedure's rules, as the dossier lifecycle consumes it. A version never
 * changes once written: a dossier keeps the (procedureId, version) it was received under.
 */
export interface ProcedureRules {
  procedureId: string;
  code: string;
  version: number;
  /** The procedure's current version number (equal to `version` when these are the current rules). */
  currentVersion: number;
  /** These rules apply to dossiers received from this instant on. */
  effectiveFrom: Date;
  /** Identity-level flag (not versioned): an inactive procedure takes no new dossiers. */
  active: boolean;
  name: string;
  field: string;
  /** MaLinhVuc: the field's code in the national procedure database (sent to the portal). */
  fieldCode: string | null;
  unitId: string;
  unitCode: string;
  timeLimit: TimeLimit;
  intakeCutoff: string | null;
  steps: ProcedureStepRule[];
  onlineLevel: OnlineLevel;
  feeBearing: boolean;
  paperResultRequired: boolean;
  statutoryParts: StatutoryParts;
}

/** The rule payload of a version, before it is written. */
interface Draft {
  name: string;
  field: string;
  fieldCode: string | null;
  unitCode: string;
  timeLimit: TimeLimit;
  intakeCutoff: string | null;
  steps: { name: string; unitCode: string; workingHours: number }[];
  onlineLevel: OnlineLevel;
  feeBearing: boolean;
  paperResultRequired: boolean;
  statutoryParts: StatutoryParts;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isString = (v: unknown): v is string => typeof v === 'string';

const toRules = (r: ProcedureRecord): ProcedureRules => ({
  procedureId: r.id,
  code: r.code,
  version: r.version,
  currentVersion: r.currentVersion,
  effectiveFrom: r.effectiveFrom,
  active: r.active,
  name: r.name,
  field: r.field,
  fieldCode: r.fieldCode,
  unitId: r.unitId,
  unitCode: r.unitCode,
  timeLimit: { amount: r.timeLimitAmount, unit: r.timeLimitUnit },
  intakeCutoff: r.intakeCutoff,
  steps: r.steps.map((s, index) => ({
    index,
    name: s.name,
    unitId: s.unitId,
    unitCode: s.unitCode,
    workingHours: s.workingHours,
  })),
  onlineLevel: r.onlineLevel,
  feeBearing: r.feeBearing,
  paperResultRequired: r.paperResultRequired,
  statutoryParts: r.statutoryParts,
});

@Injectable()
export class ProceduresService implements OnModuleInit {
  constructor(
    private readonly procedures: ProceduresRepository,
    private readonly units: UnitsRepository,
    private readonly unitsService: UnitsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly cache: CatalogueCache,
  ) {}

  onModuleInit(): void {
    // The cache asks the catalogue's own rule for "the version in force at", and when it ends.
    this.cache.useProcedureLoader(async (code, at) => {
      const rules = await this.versionAt(code, at);
      return rules ? { rules, until: await this.procedures.nextEffectiveAfter(rules.procedureId, at) } : null;
    });
    // A unit named by any version of a procedure (handling unit or a step's unit) cannot be deleted.
    this.unitsService.registerUsageCheck({
      key: 'procedures',
      label: M.usageProcedures,
      count: (unitId, tx) => this.procedures.countUsingUnit(unitId, tx),
    });
  }

  // ---- for the dossier lifecycle -----------------------------------------------------------

  /** A given version (default: the current one) of a procedure named by id or code; null when unknown. */
  async getVersion(ref: string, version?: number, tx?: ProcedureTx): Promise<ProcedureRules | null> {
    const id = await this.resolve(ref, tx);
    if (!id) return null;
    const record =
      version === undefined
        ? await this.procedures.findCurrent(id, tx)
        : await this.procedures.findVersion(id, version, tx);
    return record ? toRules(record) : null;
  }

  /** The current rules of a procedure by code (what a dossier received now is judged by). */
  currentVersion(code: string): Promise<ProcedureRules | null> {
    return this.getVersion(code);
  }

  /**
   * The rules in force at `at` (a dossier's reception instant): the latest version effective at
   * or before it. For an instant before the first version (history imported from another
   * system), the first version: the catalogue knows no older rules.
   */
  async versionAt(ref: string, at: Date): Promise<ProcedureRules | null> {
    const id = await this.resolve(ref);
    if (!id) return null;
    const record = await this.procedures.findVersionAt(id, at);
    return record ? toRules(record) : null;
  }

  // ---- HTTP use cases ----------------------------------------------------------------------

  toDto(rules: ProcedureRules): ProcedureDto {
    return {
      id: rules.procedureId,
      code: rules.code,
      version: rules.version,
      currentVersion: rules.currentVersion,
      effectiveFrom: toLocalIso(rules.effectiveFrom),
      active: rules.active,
      name: rules.name,
      field: rules.field,
      fieldCode: rules.fieldCode,
      unitCode: rules.unitCode,
      timeLimit: { amount: rules.timeLimit.amount, unit: rules.timeLimit.unit },
      intakeCutoff: rules.intakeCutoff,
      steps: rules.steps.map((s) => ({
        index: s.index,
        name: s.name,
        unitCode: s.unitCode,
        workingHours: s.workingHours,
      })),
      onlineLevel: rules.onlineLevel,
      feeBearing: rules.feeBearing,
      paperResultRequired: rules.paperResultRequired,
      statutoryParts: rules.statutoryParts,
    };
  }

  async get(id: string, version?: number): Promise<ProcedureRules> {
    const record =
      version === undefined ? await this.procedures.findCurrent(id) : await this.procedures.findVersion(id, version);
    if (!record) throw notFound(version === undefined ? M.procedureNotFound : M.procedureVersionNotFound(version));
    return toRules(record);
  }

  async list(q: {
    limit?: number;
    cursor?: string;
    unitCode?: string;
    field?: string;
    q?: string;
  }): Promise<Page<ProcedureDto>> {
    const limit = q.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(q.cursor, isString);
    let unitId: string | undefined;
    if (q.unitCode !== undefined) {
      const unit = await this.units.findByCode(q.unitCode);
      if (!unit) return { items: [], nextCursor: null };
      unitId = unit.id;
    }
    const search = q.q !== undefined && foldForSearch(q.q) !== '' ? foldForSearch(q.q) : undefined;
    const fieldKey = q.field !== undefined ? foldForSearch(q.field) : undefined;
    const rows = await this.procedures.listCurrent({ limit, afterCode: after, unitId, fieldKey, search });
    return toPage(
      rows,
      limit,
      (r) => this.toDto(toRules(r)),
      (r) => r.code,
    );
  }

  async create(dto: CreateProcedureDto, actor: AuthUser): Promise<ProcedureRules> {
    if (await this.procedures.codeTaken(dto.code)) throw new DomainError('ALREADY_EXISTS', M.procedureExists(dto.code));
    const draft: Draft = {
      name: dto.name,
      field: dto.field,
      fieldCode: dto.fieldCode ?? null,
      unitCode: dto.unitCode,
      timeLimit: { amount: dto.timeLimit.amount, unit: dto.timeLimit.unit },
      intakeCutoff: dto.intakeCutoff ?? null,
      steps: dto.steps.map((s) => ({ name: s.name, unitCode: s.unitCode, workingHours: s.workingHours })),
      onlineLevel: dto.onlineLevel ?? 'none',
      feeBearing: dto.feeBearing ?? false,
      paperResultRequired: dto.paperResultRequired ?? false,
      statutoryParts: statutoryParts(dto.statutoryParts),
    };
    let id: string;
    try {
      id = await this.procedures.transaction(async (tx) => {
        const units = await this.checkDraft(draft, tx, codesIn(dto));
        const procedureId = await this.procedures.insertProcedure(tx, dto.code);
        await this.procedures.insertVersion(tx, this.versionRow(procedureId, 1, draft, units, actor));
        await this.audit.record(
          {
            actorUserId: actor.id,
            action: 'procedure.create',
            entity: 'procedure',
            entityId: procedureId,
            details: { code: dto.code, version: 1 },
          },
          tx,
        );
        return procedureId;
      });
    } catch (e) {
      if (pgErrorCode(e) === UNIQUE_VIOLATION) throw new DomainError('ALREADY_EXISTS', M.procedureExists(dto.code));
      throw e;
    }
    return this.get(id);
  }

  /** A change of rules writes version n + 1, effective now; earlier versions are never touched. */
  async update(id: string, dto: UpdateProcedureDto, actor: AuthUser): Promise<ProcedureRules> {
    await this.procedures.transaction(async (tx) => {
      if (!(await this.procedures.lock(id, tx))) throw notFound(M.procedureNotFound);
      const current = (await this.procedures.findCurrent(id, tx))!;
      if (dto.expectedVersion !== undefined && dto.expectedVersion !== current.version) {
        throw new DomainError('VERSION_CONFLICT', M.versionConflict(dto.expectedVersion, current.version));
      }
      if (dto.code !== undefined && dto.code !== current.code) {
        throw new DomainError('RULE_VIOLATION', M.codeImmutable, [{ field: 'code', message: M.codeImmutable }]);
      }
      const draft: Draft = {
        name: dto.name ?? current.name,
        field: dto.field ?? current.field,
        fieldCode: dto.fieldCode === undefined ? current.fieldCode : dto.fieldCode,
        unitCode: dto.unitCode ?? current.unitCode,
        timeLimit: dto.timeLimit
          ? { amount: dto.timeLimit.amount, unit: dto.timeLimit.unit }
          : { amount: current.timeLimitAmount, unit: current.timeLimitUnit },
        intakeCutoff: dto.intakeCutoff === undefined ? current.intakeCutoff : dto.intakeCutoff,
        steps: (dto.steps ?? current.steps).map((s) => ({
          name: s.name,
          unitCode: s.unitCode,
          workingHours: s.workingHours,
        })),
        onlineLevel: dto.onlineLevel ?? current.onlineLevel,
        feeBearing: dto.feeBearing ?? current.feeBearing,
        paperResultRequired: dto.paperResultRequired ?? current.paperResultRequired,
        statutoryParts: dto.statutoryParts
          ? statutoryParts({ ...current.statutoryParts, ...dto.statutoryParts })
          : current.statutoryParts,
      };
      const units = await this.checkDraft(draft, tx, codesIn(dto));
      const next = this.versionRow(id, current.version + 1, draft, units, actor);
      const changed = RULE_KEYS.filter(
        (k) => JSON.stringify(ruleValue(next, k)) !== JSON.stringify(ruleValue(current, k)),
      );
      const activeChanged = dto.active !== undefined && dto.active !== current.active;
      if (changed.length === 0 && !activeChanged) return;
      if (changed.length > 0) await this.procedures.insertVersion(tx, next);
      await this.procedures.updateIdentity(tx, id, {
        currentVersion: changed.length > 0 ? next.version : undefined,
        active: activeChanged ? dto.active : undefined,
      });
      await this.audit.record(
        {
          actorUserId: actor.id,
          action: 'procedure.update',
          entity: 'procedure',
          entityId: id,
          details: {
            code: current.code,
            fromVersion: current.version,
            toVersion: changed.length > 0 ? next.version : current.version,
            changed,
            active: dto.active ?? current.active,
          },
        },
        tx,
      );
    });
    return this.get(id);
  }

  // ---- internals ---------------------------------------------------------------------------

  private async resolve(ref: string, tx?: ProcedureTx): Promise<string | null> {
    if (UUID_RE.test(ref))
      return (await this.procedures.resolveId({ id: ref }, tx)) ?? this.procedures.resolveId({ code: ref }, tx);
    return this.procedures.resolveId({ code: ref }, tx);
  }

  /**
   * Checks a draft's references and rules; returns its units by code. Unknown units are bad input
   * (400); inactive units newly named by this request, and too many step hours, break a rule (422).
   */
  private async checkDraft(draft: Draft, tx: ProcedureTx, newCodes: Set<string>): Promise<Map<string, UnitEntity>> {
    const codes = [draft.unitCode, ...draft.steps.map((s) => s.unitCode)];
    const units = new Map((await this.units.findByCodes([...new Set(codes)], tx)).map((u) => [u.code, u]));
    const unknown: ErrorDetail[] = [];
    const inactive: ErrorDetail[] = [];
    const check = (code: string, field: string) => {
      const unit = units.get(code);
      if (!unit) unknown.push({ field, message: M.unitUnknown(code) });
      else if (!unit.active && newCodes.has(code)) inactive.push({ field, message: M.unitInactive(code) });
    };
    check(draft.unitCode, 'unitCode');
    draft.steps.forEach((s, i) => check(s.unitCode, `steps.${i}.unitCode`));
    if (unknown.length) throw new DomainError('VALIDATION_FAILED', M.invalid, unknown);
    if (inactive.length) throw new DomainError('RULE_VIOLATION', inactive[0].message, inactive);
    const excess = stepHoursExcess(draft.steps, draft.timeLimit);
    if (excess) {
      const message = M.stepHoursExceedLimit(excess.stepHours, excess.limitHours);
      throw new DomainError('RULE_VIOLATION', message, [
        {
          field: 'steps',
          message,
          rule: 'step_hours_within_limit',
          stepHours: excess.stepHours,
          limitHours: excess.limitHours,
        },
      ]);
    }
    return units;
  }

  private versionRow(procedureId: string, version: number, d: Draft, units: Map<string, UnitEntity>, actor: AuthUser) {
    const steps: StoredStep[] = d.steps.map((s) => ({
      name: s.name,
      unitId: units.get(s.unitCode)!.id,
      unitCode: s.unitCode,
      workingHours: s.workingHours,
    }));
    return {
      procedureId,
      version,
      effectiveFrom: this.clock.now(),
      createdBy: actor.id,
      name: d.name,
      field: d.field,
      fieldCode: d.fieldCode,
      unitId: units.get(d.unitCode)!.id,
      timeLimitAmount: d.timeLimit.amount,
      timeLimitUnit: d.timeLimit.unit,
      intakeCutoff: d.intakeCutoff,
      steps,
      onlineLevel: d.onlineLevel,
      feeBearing: d.feeBearing,
      paperResultRequired: d.paperResultRequired,
      statutoryParts: d.statutoryParts,
      searchText: foldForSearch(d.name),
      fieldKey: foldForSearch(d.field),
    };
  }
}

/** The versioned rule fields, compared to decide whether a PATCH writes a new version. */
const RULE_KEYS = [
  'name',
  'field',
  'fieldCode',
  'unitId',
  'timeLimit',
  'intakeCutoff',
  'steps',
  'onlineLevel',
  'feeBearing',
  'paperResultRequired',
  'statutoryParts',
] as const;

function ruleValue(
  v: {
    name: string;
    field: string;
    fieldCode: string | null;
    unitId: string;
    timeLimitAmount: number;
    timeLimitUnit: string;
    intakeCutoff: string | null;
    steps: StoredStep[];
    onlineLevel: string;
    feeBearing: boolean;
    paperResultRequired: boolean;
    statutoryParts: StatutoryParts;
  },
  key: (typeof RULE_KEYS)[number],
): unknown {
  switch (key) {
    case 'timeLimit':
      return [v.timeLimitAmount, v.timeLimitUnit];
    case 'steps':
      return v.steps.map((s) => [s.name, s.unitId, s.workingHours]);
    default:
      return v[key];
  }
}

/** Unit codes a request names itself (an inactive unit may stay where it already was, not be newly chosen). */
function codesIn(dto: { unitCode?: string; steps?: { unitCode: string }[] }): Set<string> {
  return new Set([...(dto.unitCode ? [dto.unitCode] : []), ...(dto.steps ?? []).map((s) => s.unitCode)]);
}
