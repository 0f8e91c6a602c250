import { Inject, Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import type { WorkingCalendar } from 'src/calendar/working-time';
import { ProcedureRules, ProceduresService } from 'src/catalogue/procedures.service';
import { CalendarService } from 'src/calendar/calendar.service';
import { Clock } from 'src/common/clock';
import { ROOT_LOGGER } from 'src/common/logger';
import { localDate } from 'src/common/time';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { projectState } from 'src/dossiers/dossier-projection';
import { DossiersRepository, EventRow, NewDossier, ProjectionColumns } from 'src/dossiers/dossiers.repository';
import { eventRow, hashLookupKey, toFoldEvent, unitIdsOf, DossiersService } from 'src/dossiers/dossiers.service';
import { applyEvent, Channel, DossierEvent, DossierState, FoldContext, LifecycleError } from 'src/dossiers/lifecycle';
import { portalFactsAfter } from 'src/dossiers/index-facts';
import type { PortalFacts } from 'src/reports/portal-facts';
import { ProcedureRulesService } from 'src/dossiers/procedure-rules.service';
import {
  APPLICANT_KIND_OF,
  CHANNEL_OF,
  DvcqgService,
  eventsToReach,
  fingerprint,
  parseDvcqgDate,
  recordFee,
  recordFlags,
  recordResultUrl,
  redact,
  statusCode,
  StatusFacts,
  text,
  unitPrefixOf,
} from 'src/integrations/dvcqg-format';
import { IntegrationsRepository, SourceDossier, SourceRow } from 'src/integrations/integrations.repository';
import { RecordSeal } from 'src/integrations/record-seal';

export interface FeedRequest {
  service: DvcqgService;
  /** madonvi / MaDinhDanhDV: the unit the records are for (absent at the create/update/progress URLs). */
  unitHint: string | null;
  isUpdating: boolean | null;
  data: unknown[];
}

export interface FeedResult {
  /** Records or items that changed a dossier (created it, added events or facts). */
  applied: number;
  /** Repeats, and items whose status the dossier had already: nothing changed. */
  unchanged: number;
  /** Kept in the rejected list with their reason. */
  rejected: number;
}

/** A record or item that cannot be mapped: kept whole in the rejected list with this reason. */
class Unmappable extends Error {}

/** One status change to apply to a dossier: from a progress item, or from a record's TrangThaiHoSo. */
interface Step {
  code: number;
  at: number;
  /** Instants for the events a status implies, when the record has them (NgayKetThucXuLy, NgayTra). */
  atOf?: Partial<Record<string, number>>;
  facts: StatusFacts;
  /** integration_items fingerprint (progress items), null for a record's own status. */
  fp: string | null;
  raw: unknown;
}

type Outcome = 'applied' | 'unchanged' | { error: string };

interface Placed {
  e: DossierEvent;
  /** Order among events of the same instant: existing by seq, new ones after, in arrival order. */
  order: number;
  existing: boolean;
  ext: string | null;
}

const MS_CODE = /^(.+)-(\d{6})-(\d{4,})$/;
/** Records planned and written together (one transaction per batch). */
const RECORD_BATCH = 250;

/** A record's header, checked: what both the batch and the single-record paths start from. */
interface ParsedRecord {
  r: Record<string, unknown>;
  code: string;
  status: number;
  receivedAt: number;
  theirDue: number | null;
  fp: string;
  fee: number | null;
  facts: StatusFacts;
  /** The record's own instants for the events its status implies (never before the reception). */
  atOf: Partial<Record<string, number>>;
  endAt: number | null;
}

interface NewPlan {
  row: NewDossier;
  sequence: { unitId: string; day: string; given: number } | null;
  sourced: { id: string; dueAt: Date | null; recordHash: string; fee: number | null };
  events: EventRow[];
}

function parseRecord(raw: unknown): ParsedRecord {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Unmappable('bản ghi không phải đối tượng JSON');
  const r = raw as Record<string, unknown>;
  const code = text(r.MaHoSo, 200);
  if (!code || code.length > 80) throw new Unmappable('thiếu MaHoSo (hoặc dài quá 80 ký tự)');
  const status = statusCode(r.TrangThaiHoSo);
  if (status === null) throw new Unmappable(`TrangThaiHoSo "${String(r.TrangThaiHoSo)}" không thuộc bảng mã 1–10`);
  const receivedAt = parseDvcqgDate(r.NgayTiepNhan);
  if (receivedAt === null) throw new Unmappable('NgayTiepNhan không đúng dạng yyyyMMddHHmmss');
  const fee = recordFee(r);
  const resultUrl = recordResultUrl(r);
  const ended = parseDvcqgDate(r.NgayKetThucXuLy);
  const returned = parseDvcqgDate(r.NgayTra);
  const refused = parseDvcqgDate(r.NgayTuChoi);
  const atOf: Partial<Record<string, number>> = {};
  const endAt = status === 3 ? (refused ?? ended) : (ended ?? (status === 10 ? returned : null));
  for (const a of ['resolve', 'reject', 'stop', 'withdraw']) if (endAt !== null) atOf[a] = Math.max(endAt, receivedAt);
  if (returned !== null) atOf.return = Math.max(returned, atOf.resolve ?? receivedAt);
  return {
    r,
    code,
    status,
    receivedAt,
    theirDue: parseDvcqgDate(r.NgayHenTra),
    fp: fingerprint('DongBoHoSoMC', r),
    fee,
    facts: { text: null, amount: fee, electronicResult: resultUrl !== null, resultFileUrl: resultUrl },
    atOf,
    endAt,
  };
}

/** The latest version effective at the reception instant; the first one for older history. */
function versionInForce(versions: ProcedureRules[], at: number): ProcedureRules {
  let chosen = versions[0];
  for (const v of versions) if (v.effectiveFrom.getTime() <= at) chosen = v;
  return chosen;
}

/**
 * Maps DongBoHoSoMC records and CapNhatTienDoHoSoMC items of a source system onto our dossiers and
 * events, through the same fold as live actions and imports: statuses, due instants and outcomes are
 * computed here, the sender's are only compared (NgayHenTra, the mismatch list). Repeats change
 * nothing; items are placed by their instant (a late item is folded where it belongs); whatever
 * cannot be mapped is kept, sealed, in the rejected list with its reason.
 */
@Injectable()
export class FeedService {
  private readonly seal: RecordSeal;

  constructor(
    private readonly repo: IntegrationsRepository,
    private readonly dossierRepo: DossiersRepository,
    private readonly dossiers: DossiersService,
    private readonly rules: ProcedureRulesService,
    private readonly procedures: ProceduresService,
    private readonly calendars: CalendarService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.seal = new RecordSeal(config.JWT_SECRET, config.JWT_PREVIOUS_SECRETS);
  }

  get sealer(): RecordSeal {
    return this.seal;
  }

  async receive(source: SourceRow, req: FeedRequest): Promise<FeedResult> {
    const result: FeedResult = { applied: 0, unchanged: 0, rejected: 0 };
    const count = (o: Outcome) => {
      if (o === 'applied') result.applied++;
      else if (o === 'unchanged') result.unchanged++;
      else result.rejected++;
    };
    if (req.service === 'DongBoHoSoMC') {
      for (let i = 0; i < req.data.length; i += RECORD_BATCH) {
        const chunk = req.data.slice(i, i + RECORD_BATCH);
        const outcomes = await this.applyRecords(
          source,
          chunk.map((record) => ({ record, unitHint: req.unitHint })),
        );
        for (const [k, o] of outcomes.entries()) {
          if (typeof o === 'object') await this.keep(source, req, chunk[k], o.error);
          count(o);
        }
      }
    } else {
      for (const [o, item] of await this.applyItems(source, req.data)) {
        if (typeof o === 'object') await this.keep(source, req, item, o.error);
        count(o);
      }
    }
    this.logger.info({ sourceId: source.id, service: req.service, ...result }, 'integration feed');
    return result;
  }

  /** Re-applies a kept record; returns whether it left the rejected list. */
  async reapply(
    source: SourceRow,
    service: DvcqgService,
    unitHint: string | null,
    isUpdating: boolean | null,
    record: unknown,
  ): Promise<Outcome> {
    void isUpdating;
    if (service === 'DongBoHoSoMC')
      return this.applyRecord(source, record, unitHint).catch((err: unknown) => this.failed(err));
    const [[o]] = await this.applyItems(source, [record]);
    return o;
  }

  private failed(err: unknown): Outcome {
    if (err instanceof Unmappable) return { error: err.message };
    if ((err as { code?: string }).code === '23505') return 'unchanged'; // the same record, concurrently
    throw err;
  }

  private async keep(source: SourceRow, req: FeedRequest, record: unknown, reason: string): Promise<void> {
    await this.repo.reject({
      id: randomUUID(),
      source_id: source.id,
      received_at: this.clock.now(),
      service: req.service,
      unit_hint: req.unitHint,
      is_updating: req.isUpdating,
      reason: reason.slice(0, 1000),
      fingerprint: fingerprint(req.service, record),
      record_redacted: redact(record),
      record_sealed: this.seal.seal(record),
    });
  }

  // ------------------------------------------------------------------------------------------
  // Records (DongBoHoSoMC)

  /**
   * Several records at once (a sender's batch, a file's rows). New dossiers are planned in memory
   * and written in one transaction (code sequences, dossier rows, source facts, events: a handful of
   * statements for the whole batch); records of known dossiers, and a code repeated in the batch,
   * go one by one after it through the single-record path. Returns one outcome per entry.
   */
  async applyRecords(
    source: SourceRow,
    entries: { record: unknown; unitHint: string | null }[],
    opts: { mark?: (m: EntityManager) => Promise<void> } = {},
  ): Promise<Outcome[]> {
    const out: Outcome[] = entries.map(() => 'unchanged');
    const parsed: (ParsedRecord | null)[] = entries.map((e, i) => {
      try {
        return parseRecord(e.record);
      } catch (err) {
        out[i] = this.failed(err);
        return null;
      }
    });
    const existing = await this.repo.dossiersByCodes([...new Set(parsed.filter((p) => p).map((p) => p!.code))]);
    const { calendar, version: calendarVersion } = await this.calendars.currentVersioned();
    const units = new Map<string, Promise<{ id: string; code: string }>>();
    const procedures = new Map<string, Promise<ProcedureRules[] | null>>();
    const later: number[] = [];
    const fresh: { index: number; plan: NewPlan }[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < entries.length; i++) {
      const p = parsed[i];
      if (!p) continue;
      const known = existing.get(p.code);
      if (seen.has(p.code) || (known && known.source_record_hash !== p.fp)) {
        later.push(i);
        continue;
      }
      seen.add(p.code);
      if (known) {
        out[i] =
          known.source_id === source.id
            ? 'unchanged'
            : { error: `hồ sơ ${p.code} đã có trong hệ thống nhưng không do nguồn này gửi` };
        continue;
      }
      try {
        const hint = entries[i].unitHint;
        const unitKey = `${hint ?? ''}|${hint ? '' : (unitPrefixOf(p.code) ?? '')}`;
        if (!units.has(unitKey)) {
          const u = this.unitOf(source, p.code, hint);
          u.catch(() => undefined);
          units.set(unitKey, u);
        }
        const unit = await units.get(unitKey)!;
        const theirCode = text(p.r.MaTTHC, 100);
        if (!theirCode) throw new Unmappable('thiếu MaTTHC');
        const ourCode = source.procedure_map[theirCode] ?? theirCode;
        if (!procedures.has(ourCode)) procedures.set(ourCode, this.versionsOf(ourCode));
        const versions = await procedures.get(ourCode)!;
        const procedure = versions && versionInForce(versions, p.receivedAt);
        if (!procedure || !procedure.active)
          throw new Unmappable(
            `thủ tục ${theirCode}${ourCode !== theirCode ? ` (→ ${ourCode})` : ''} không có trong danh mục`,
          );
        fresh.push({ index: i, plan: this.planNew(source, p, unit, procedure, calendar, calendarVersion) });
      } catch (err) {
        out[i] = this.failed(err);
      }
    }
    if (fresh.length > 0) {
      try {
        await this.dossierRepo.transaction(async (m) => {
          await opts.mark?.(m);
          await this.writeNew(
            m,
            source,
            fresh.map((f) => f.plan),
          );
        });
        for (const f of fresh) out[f.index] = 'applied';
      } catch {
        // A code written meanwhile (a concurrent feed): one by one, each in its own transaction.
        for (const f of fresh) later.push(f.index);
        later.sort((a, b) => a - b);
      }
    }
    for (const i of later) {
      out[i] = await this.applyRecord(source, entries[i].record, entries[i].unitHint, opts.mark).catch((err: unknown) =>
        this.failed(err),
      );
    }
    return out;
  }

  /** Every version of a procedure (by code), oldest first; null when unknown. */
  private async versionsOf(code: string): Promise<ProcedureRules[] | null> {
    const current = await this.procedures.currentVersion(code);
    if (!current) return null;
    const versions: ProcedureRules[] = [];
    for (let v = 1; v <= current.currentVersion; v++) versions.push(await this.rules.version(current.procedureId, v));
    return versions;
  }

  private async applyRecord(
    source: SourceRow,
    raw: unknown,
    unitHint: string | null,
    mark?: (m: EntityManager) => Promise<void>,
  ): Promise<Outcome> {
    const p = parseRecord(raw);
    const { code, r, receivedAt, fp } = p;
    const existing = (await this.repo.dossiersByCodes([code])).get(code);
    if (existing) {
      if (existing.source_id !== source.id)
        throw new Unmappable(`hồ sơ ${code} đã có trong hệ thống nhưng không do nguồn này gửi`);
      if (existing.source_record_hash === fp) return 'unchanged';
      const now = this.clock.now().getTime();
      const at = Math.max(receivedAt, Math.min(now, p.endAt ?? now));
      const step: Step = { code: p.status, at, atOf: p.atOf, facts: p.facts, fp: null, raw: r };
      const [outcome] = await this.applySteps(
        source,
        existing,
        [step],
        {
          recordHash: fp,
          dueAt: p.theirDue === null ? null : new Date(p.theirDue),
          fee: p.fee,
          flags: recordFlags(r),
        },
        mark,
      );
      // The record's facts are kept even when its status adds nothing.
      return typeof outcome === 'object' ? outcome : 'applied';
    }

    // A new dossier: unit, procedure, applicant, then the events its status implies.
    const unit = await this.unitOf(source, code, unitHint);
    const theirCode = text(r.MaTTHC, 100);
    if (!theirCode) throw new Unmappable('thiếu MaTTHC');
    const ourCode = source.procedure_map[theirCode] ?? theirCode;
    const procedure = await this.rules.versionAt(ourCode, new Date(receivedAt));
    if (!procedure || !procedure.active)
      throw new Unmappable(
        `thủ tục ${theirCode}${ourCode !== theirCode ? ` (→ ${ourCode})` : ''} không có trong danh mục`,
      );
    const { calendar, version: calendarVersion } = await this.calendars.currentVersioned();
    const plan = this.planNew(source, p, unit, procedure, calendar, calendarVersion);
    await this.dossierRepo.transaction(async (m) => {
      await mark?.(m);
      await this.writeNew(m, source, [plan]);
    });
    return 'applied';
  }

  /** A new dossier from a record, folded in memory: its row, events and the sequence its code moves. */
  private planNew(
    source: SourceRow,
    p: ParsedRecord,
    unit: { id: string; code: string },
    procedure: ProcedureRules,
    calendar: WorkingCalendar,
    calendarVersion: number,
  ): NewPlan {
    const { r, code, receivedAt, status, facts, atOf, fp } = p;
    const channel: Channel = CHANNEL_OF[text(r.KenhThucHien) ?? '1'] ?? 'direct';
    const ctx = this.dossiers.context(calendar, procedure, channel);
    const intake: DossierEvent = {
      action: 'intake',
      at: receivedAt,
      actorUserId: null,
      payload: { source: source.name },
    };
    let state = this.fold(null, intake, ctx);
    const events: DossierEvent[] = [intake];
    const statuses: string[] = [state.status];
    const plan = eventsToReach(state.status, atLastStep(state, ctx), status, facts);
    if ('error' in plan) throw new Unmappable(plan.error);
    for (const pe of plan.events) {
      const e: DossierEvent = {
        action: pe.action,
        at: Math.max(atOf[pe.action] ?? receivedAt, state.lastEventAt),
        actorUserId: null,
        payload: pe.payload,
      };
      state = this.fold(state, e, ctx);
      events.push(e);
      statuses.push(state.status);
    }
    const id = randomUUID();
    const row: NewDossier = {
      id,
      code,
      procedure_id: procedure.procedureId,
      procedure_version: procedure.version,
      procedure_code: procedure.code,
      receiving_unit_id: unit.id,
      handling_unit_id: procedure.unitId,
      unit_ids: unitIdsOf(unit.id, procedure),
      channel,
      applicant: applicantOf(r),
      summary: text(r.TrichYeuHoSo),
      // Nobody knows a lookup key of a fed dossier until the counter reissues one (as for imports).
      lookup_key_hash: hashLookupKey(randomBytes(16).toString('hex')),
      created_by: null,
      ...projectState(state, calendar, this.dossiers.thresholds, {
        calendarVersion,
        flags: recordFlags(r),
        stepUnitIds: procedure.steps.map((s) => s.unitId),
      }),
      portal_facts: portalFactsAfter(null, events, state, ctx),
    };
    const ours = MS_CODE.exec(code);
    return {
      row,
      // A code in our own format moves the unit's daily sequence past it (as imports do).
      sequence:
        ours && ours[1].toLowerCase() === unit.code.toLowerCase()
          ? { unitId: unit.id, day: localDate(new Date(receivedAt)), given: Number(ours[3]) }
          : null,
      sourced: { id, dueAt: p.theirDue === null ? null : new Date(p.theirDue), recordHash: fp, fee: p.fee },
      events: events.map((e, k) =>
        eventRow(id, k + 1, e, k ? statuses[k - 1] : null, statuses[k], k ? `${tagOf(fp)}:${k}` : null),
      ),
    };
  }

  private async writeNew(m: EntityManager, source: SourceRow, plans: NewPlan[]): Promise<void> {
    const sequences = new Map<string, { unitId: string; day: string; need: number; given: number }>();
    for (const { sequence: s } of plans) {
      if (!s) continue;
      const key = `${s.unitId}|${s.day}`;
      const seen = sequences.get(key);
      sequences.set(key, { unitId: s.unitId, day: s.day, need: 0, given: Math.max(seen?.given ?? 0, s.given) });
    }
    await this.dossierRepo.reserveCodeNumbersMany(m, [...sequences.values()]);
    for (let i = 0; i < plans.length; i += 250)
      await this.dossierRepo.insertMany(
        m,
        plans.slice(i, i + 250).map((p) => p.row),
      );
    // Before the events: the outbox trigger reads whether the dossier's source syncs it itself.
    await this.repo.markSourcedMany(
      m,
      source.id,
      plans.map((p) => p.sourced),
      source.syncs_to_portal ? this.clock.now() : null,
    );
    const rows = plans.flatMap((p) => p.events);
    for (let i = 0; i < rows.length; i += 5000) await this.dossierRepo.appendEvents(m, rows.slice(i, i + 5000));
  }

  private async unitOf(source: SourceRow, code: string, hint: string | null): Promise<{ id: string; code: string }> {
    const ref = hint ?? unitPrefixOf(code);
    let unit = ref ? await this.repo.unitByRef(ref) : null;
    // A code that names no unit, at a URL without madonvi: the source's only unit, if it has one.
    if (!unit && !hint && source.unit_ids.length === 1) unit = await this.repo.unitById(source.unit_ids[0]);
    if (!unit || !unit.active) throw new Unmappable(`không xác định được đơn vị tiếp nhận${ref ? ` ${ref}` : ''}`);
    if (!source.unit_ids.includes(unit.id))
      throw new Unmappable(`đơn vị ${ref ?? unit.code} không thuộc các đơn vị nguồn này được gửi`);
    return unit;
  }

  // ------------------------------------------------------------------------------------------
  // Progress items (CapNhatTienDoHoSoMC)

  /**
   * A sender's progress items: checked and fingerprinted in memory, then applied in one transaction
   * (applyItemBatch); when that batch is refused (a concurrent feed of the same dossiers), dossier by
   * dossier, each in its own transaction. A repeat of an item in the same request changes nothing.
   */
  private async applyItems(source: SourceRow, items: unknown[]): Promise<[Outcome, unknown][]> {
    const out: [Outcome, unknown][] = items.map((i) => [{ error: '' }, i]);
    const entries: ItemEntry[] = [];
    const seen = new Set<string>();
    items.forEach((raw, index) => {
      const fp = fingerprint('CapNhatTienDoHoSoMC', raw);
      try {
        if (seen.has(fp)) {
          out[index][0] = 'unchanged';
          return;
        }
        seen.add(fp);
        const step = toStep(raw, fp);
        entries.push({ index, step, code: text((raw as Record<string, unknown>).MaHoSo, 80)! });
      } catch (err) {
        out[index][0] = { error: (err as Error).message };
      }
    });
    if (entries.length === 0) return out;
    let outcomes: Map<number, Outcome>;
    try {
      outcomes = await this.applyItemBatch(source, entries);
    } catch (err) {
      // A write refused for one dossier (a concurrent feed of the same items): dossier by dossier.
      this.logger.warn({ sourceId: source.id, err: (err as Error).message }, 'feed batch retried dossier by dossier');
      outcomes = new Map();
      const { known, dossiers } = await this.repo.knownItemsAndDossiers(
        source.id,
        entries.map((e) => e.step.fp!),
        [...new Set(entries.map((e) => e.code))],
      );
      for (const { d, list } of groupItems(source, entries, known, dossiers, outcomes)) {
        const steps = list.map((x) => x.step);
        const done = await this.applySteps(source, d as SourceDossier, steps, null).catch((e: unknown) =>
          steps.map(() => this.failed(e)),
        );
        list.forEach((x, j) => outcomes.set(x.index, done[j]));
      }
    }
    for (const [index, o] of outcomes) out[index][0] = o;
    return out;
  }

  /**
   * The progress items of several dossiers in one transaction, a fixed handful of statements
   * whatever the number of items or dossiers: one read (the dossiers locked in id order with their
   * events, and which fingerprints are already known), each dossier's items planned and folded once
   * in memory, then one statement writing the new events, the projections and the fingerprints.
   */
  private async applyItemBatch(source: SourceRow, entries: ItemEntry[]): Promise<Map<number, Outcome>> {
    const versioned = await this.calendars.currentVersioned();
    const codes = [...new Set(entries.map((e) => e.code))];
    return this.dossierRepo.transaction(async (m) => {
      const outcomes = new Map<number, Outcome>();
      const { dossiers, events, known } = await this.repo.lockForItems(
        m,
        source.id,
        codes,
        entries.map((e) => e.step.fp!),
      );
      const rows: EventRow[] = [];
      const projections: (ProjectionColumns & { id: string })[] = [];
      const fps: { fp: string; dossierId: string }[] = [];
      for (const { d, list } of groupItems(source, entries, known, dossiers, outcomes)) {
        const procedure = await this.rules.version(d.procedure_id!, d.procedure_version!, m);
        const ctx = this.dossiers.context(versioned.calendar, procedure, d.channel!);
        const history = events.get(d.id) ?? [];
        const plan = planSteps(
          d.id,
          history,
          d.version!,
          list.map((x) => x.step),
          ctx,
          null,
        );
        if (plan.rows.length > 0) {
          rows.push(...plan.rows);
          projections.push({
            id: d.id,
            ...projectState(plan.state!, versioned.calendar, this.dossiers.thresholds, {
              calendarVersion: versioned.version,
              flags: d.flags!,
              stepUnitIds: procedure.steps.map((x) => x.unitId),
            }),
            portal_facts: portalFactsOfRows([...history, ...plan.rows], plan.state!, ctx),
          });
        }
        for (const fp of plan.applied) fps.push({ fp, dossierId: d.id });
        list.forEach((x, j) => outcomes.set(x.index, plan.outcomes[j]));
      }
      if (rows.length <= 5000) await this.repo.writeFeedBatch(m, source.id, rows, projections, fps);
      else {
        for (let i = 0; i < rows.length; i += 5000) await this.dossierRepo.appendEvents(m, rows.slice(i, i + 5000));
        await this.repo.updateProjections(m, projections);
        await this.repo.recordItems(m, source.id, fps);
      }
      return outcomes;
    });
  }

  // ------------------------------------------------------------------------------------------
  // The fold

  /**
   * Applies status steps to a dossier in one transaction: each step, in the order of its instant,
   * is mapped against the status the dossier had at that instant, placed among the known events by
   * its instant, and the whole history is re-folded; a step whose events would break the history is
   * refused alone. Returns one outcome per step (in the given order).
   */
  private async applySteps(
    source: SourceRow,
    d: SourceDossier,
    steps: Step[],
    record: { recordHash: string; dueAt: Date | null; fee: number | null; flags: Record<string, boolean> } | null,
    mark?: (m: EntityManager) => Promise<void>,
  ): Promise<Outcome[]> {
    const procedure = await this.rules.version(d.procedure_id, d.procedure_version);
    const versioned = await this.calendars.currentVersioned();
    const ctx = this.dossiers.context(versioned.calendar, procedure, d.channel);
    return this.dossierRepo.transaction(async (m) => {
      await mark?.(m);
      const row = (await this.dossierRepo.findById(d.id, m, true))!;
      const known = await this.dossierRepo.events(row, m);
      const plan = planSteps(d.id, known, row.version, steps, ctx, record?.recordHash ?? null);
      if (plan.rows.length > 0) {
        await this.dossierRepo.appendEvents(m, plan.rows);
        await this.dossierRepo.update(m, d.id, {
          ...projectState(plan.state!, versioned.calendar, this.dossiers.thresholds, {
            calendarVersion: versioned.version,
            flags: { ...row.flags, ...(record?.flags ?? {}) },
            stepUnitIds: procedure.steps.map((x) => x.unitId),
          }),
          portal_facts: portalFactsOfRows([...known, ...plan.rows], plan.state!, ctx),
        });
      }
      if (record) await this.repo.updateSourcedFacts(m, d.id, record);
      await this.repo.recordItems(
        m,
        source.id,
        plan.applied.map((fp) => ({ fp, dossierId: d.id })),
      );
      return plan.outcomes;
    });
  }

  private fold(state: DossierState | null, e: DossierEvent, ctx: FoldContext): DossierState {
    try {
      return applyEvent(state, e, ctx);
    } catch (err) {
      if (err instanceof LifecycleError || err instanceof RangeError)
        throw new Unmappable(`${e.action}: ${err.message}`);
      throw err;
    }
  }
}

/** The tag of a step's events: the head of its fingerprint (external_id `${tag}:${n}`). */
const TAG_LENGTH = 24;
const tagOf = (fp: string) => fp.slice(0, TAG_LENGTH);

/** The step tags of these events (external ids of the `${tag}:${n}` shape). */
function tagsOf(rows: readonly EventRow[]): Set<string> {
  const out = new Set<string>();
  for (const r of rows) {
    const ext = r.external_id;
    if (ext && ext.length > TAG_LENGTH && ext.charCodeAt(TAG_LENGTH) === 0x3a) out.add(ext.slice(0, TAG_LENGTH));
  }
  return out;
}

/** A progress item checked in memory: its place in the request, its step and its dossier's code. */
interface ItemEntry {
  index: number;
  step: Step;
  code: string;
}

/**
 * The items still to apply, by dossier (in the order of the request): a known fingerprint is a
 * repeat (unchanged); an item of a code not received, or of another source's dossier, is refused.
 * Outcomes decided here are set in `outcomes`.
 */
function groupItems<D extends Pick<SourceDossier, 'id' | 'source_id'> & { source_fee?: string | null }>(
  source: SourceRow,
  entries: ItemEntry[],
  known: Set<string>,
  dossiers: Map<string, D>,
  outcomes: Map<number, Outcome>,
): { d: D; list: ItemEntry[] }[] {
  const byCode = new Map<string, ItemEntry[]>();
  for (const e of entries) {
    if (known.has(e.step.fp!)) outcomes.set(e.index, 'unchanged');
    else {
      const list = byCode.get(e.code);
      if (list) list.push(e);
      else byCode.set(e.code, [e]);
    }
  }
  const groups: { d: D; list: ItemEntry[] }[] = [];
  for (const [code, list] of byCode) {
    const d = dossiers.get(code);
    const error = !d
      ? `hồ sơ ${code} chưa được đồng bộ (chưa nhận DongBoHoSoMC)`
      : d.source_id !== source.id
        ? `hồ sơ ${code} không do nguồn này gửi`
        : null;
    if (error) {
      for (const x of list) outcomes.set(x.index, { error });
      continue;
    }
    const fee = d!.source_fee === null || d!.source_fee === undefined ? null : Number(d!.source_fee);
    for (const x of list) x.step.facts.amount = fee;
    groups.push({ d: d!, list });
  }
  return groups;
}

/**
 * Applies status steps to a history in memory: each step, in the order of its instant, is mapped
 * against the status the dossier had at that instant, placed among the known events by its instant,
 * and the whole history re-folded; a step whose events would break the history is refused alone.
 * Returns one outcome per step (in the given order), the new event rows, the final state and the
 * fingerprints to keep for the steps taken: those true already (no event). A step that wrote events
 * is known by them (each carries the step's tag, the head of its fingerprint), so a repeat of it is
 * answered as unchanged from the history alone, and its fingerprint is not written again.
 */
/** The index's portal facts of a dossier from all its event rows, in the order of the fold (instant, then arrival). */
function portalFactsOfRows(rows: EventRow[], state: DossierState, ctx: FoldContext): PortalFacts {
  const ordered = [...rows].sort((a, b) => a.at.getTime() - b.at.getTime() || a.seq - b.seq);
  return portalFactsAfter(null, ordered.map(toFoldEvent), state, ctx);
}

function planSteps(
  dossierId: string,
  known: EventRow[],
  version: number,
  steps: Step[],
  ctx: FoldContext,
  recordHash: string | null,
): { outcomes: Outcome[]; rows: EventRow[]; state: DossierState | null; applied: string[] } {
  let placed: Placed[] = sortPlaced(
    known.map((e) => ({ e: toFoldEvent(e), order: e.seq, existing: true, ext: e.external_id })),
  );
  // A step whose events are in the history already (they carry its tag) is a repeat.
  const taken = tagsOf(known);
  const outcomes: Outcome[] = steps.map(() => 'unchanged');
  const order = steps.map((s, i) => ({ s, i })).sort((a, b) => a.s.at - b.s.at || a.i - b.i);
  let next = version + 1;
  const applied: string[] = [];
  // The fold of the whole history so far, kept while steps only add events after its last one (a
  // sender's items in order, the usual case): each such step costs the fold of its own events, not
  // a re-fold of the history. A step placed earlier (out of order) re-folds, and drops this.
  const foldOrNull = (list: Placed[]) => {
    try {
      return foldPlaced(list, ctx);
    } catch {
      return null;
    }
  };
  let tail: { state: DossierState; statuses: string[] } | null = foldOrNull(placed);
  for (const { s, i } of order) {
    if (s.fp && taken.has(tagOf(s.fp))) continue;
    if (s.at < placed[0].e.at) {
      outcomes[i] = { error: 'thời điểm xử lý trước thời điểm tiếp nhận hồ sơ' };
      continue;
    }
    const lastAt = placed[placed.length - 1].e.at;
    if (tail && s.at >= lastAt) {
      const plan = eventsToReach(tail.state.status, atLastStep(tail.state, ctx), s.code, s.facts, s.fp === null);
      if ('error' in plan) {
        outcomes[i] = { error: plan.error };
        continue;
      }
      if (plan.events.length === 0) {
        if (s.fp) applied.push(s.fp);
        continue;
      }
      const tag = tagOf(s.fp ?? recordHash ?? randomUUID());
      const fresh: Placed[] = plan.events.map((p, k) => ({
        e: { action: p.action, at: s.atOf?.[p.action] ?? s.at, actorUserId: null, payload: p.payload },
        order: next + k,
        existing: false,
        ext: `${tag}:${k}`,
      }));
      if (fresh.every((f, k) => f.e.at >= (k ? fresh[k - 1].e.at : lastAt))) {
        let state = tail.state;
        const statuses: string[] = [];
        let folded = true;
        try {
          for (const f of fresh) {
            state = applyEvent(state, f.e, ctx);
            statuses.push(state.status);
          }
        } catch {
          folded = false; // the general path below decides (and names the error)
        }
        if (folded) {
          placed = [...placed, ...fresh];
          tail = { state, statuses: [...tail.statuses, ...statuses] };
          next += fresh.length;
          if (s.fp) applied.push(s.fp);
          outcomes[i] = 'applied';
          continue;
        }
      }
    }
    const r = placeStep(placed, s, ctx, next, recordHash);
    if ('error' in r) {
      outcomes[i] = { error: r.error };
      continue;
    }
    if (r.placed !== placed) {
      placed = r.placed;
      next = Math.max(next, ...placed.map((p) => p.order + 1));
      tail = foldOrNull(placed);
      outcomes[i] = 'applied';
    }
    if (s.fp) applied.push(s.fp);
  }
  if (!placed.some((p) => !p.existing)) return { outcomes, rows: [], state: null, applied };
  const { state, statuses } = tail ?? foldPlaced(placed, ctx);
  const rows: EventRow[] = [];
  placed.forEach((p, k) => {
    if (!p.existing) rows.push(eventRow(dossierId, p.order, p.e, k ? statuses[k - 1] : null, statuses[k], p.ext));
  });
  // The steps that wrote events are known by their events' tags: only the others are kept as fingerprints.
  const written = tagsOf(rows);
  return {
    outcomes,
    rows: rows.sort((a, b) => a.seq - b.seq),
    state,
    applied: applied.filter((fp) => !written.has(tagOf(fp))),
  };
}

/**
 * One step placed by its instant anywhere in the history: mapped against the status the dossier
 * had at that instant, its events placed among the known ones, the whole history re-folded (and
 * repaired where a later event needs the answer to a request placed before it). The same list back
 * when the step adds nothing.
 */
function placeStep(
  placed: Placed[],
  s: Step,
  ctx: FoldContext,
  next: number,
  recordHash: string | null,
): { placed: Placed[] } | { error: string } {
  let prefix: DossierState;
  try {
    prefix = foldPlaced(
      placed.filter((p) => p.e.at <= s.at),
      ctx,
    ).state;
  } catch (err) {
    return { error: (err as Error).message };
  }
  const plan = eventsToReach(prefix.status, atLastStep(prefix, ctx), s.code, s.facts, s.fp === null);
  if ('error' in plan) return { error: plan.error };
  if (plan.events.length === 0) return { placed };
  const tag = tagOf(s.fp ?? recordHash ?? randomUUID());
  const fresh: Placed[] = plan.events.map((p, k) => ({
    e: { action: p.action, at: s.atOf?.[p.action] ?? s.at, actorUserId: null, payload: p.payload },
    order: next + k,
    existing: false,
    ext: `${tag}:${k}`,
  }));
  try {
    return { placed: repairPlaced(sortPlaced([...placed, ...fresh]), ctx, next + fresh.length, tag) };
  } catch (err) {
    return { error: `không ghép được vào lịch sử hồ sơ: ${(err as Error).message}` };
  }
}

function toStep(raw: unknown, fp: string): Step {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('mục tiến độ không phải đối tượng JSON');
  const r = raw as Record<string, unknown>;
  if (!text(r.MaHoSo, 200) || text(r.MaHoSo, 200)!.length > 80) throw new Error('thiếu MaHoSo (hoặc dài quá 80 ký tự)');
  const code = statusCode(r.TrangThai);
  if (code === null) throw new Error(`TrangThai "${String(r.TrangThai)}" không thuộc bảng mã 1–10`);
  const at = parseDvcqgDate(r.ThoiDiemXuLy);
  if (at === null) throw new Error('ThoiDiemXuLy không đúng dạng yyyyMMddHHmmss');
  return {
    code,
    at,
    facts: { text: text(r.NoiDungXuLy), amount: null, electronicResult: false, resultFileUrl: null },
    fp,
    raw,
  };
}

function atLastStep(state: DossierState, ctx: FoldContext): boolean {
  return state.currentStep !== null && state.steps[state.currentStep].index >= ctx.rules.steps.length - 1;
}

function sortPlaced(list: Placed[]): Placed[] {
  return [...list].sort((a, b) => a.e.at - b.e.at || a.order - b.order);
}

const RESUME: Partial<
  Record<string, { action: 'receive_supplement' | 'confirm_payment'; payload: Record<string, unknown> }>
> = {
  awaiting_supplement: { action: 'receive_supplement', payload: { implied: true } },
  awaiting_payment: { action: 'confirm_payment', payload: { implied: true, paidOnline: false } },
};

/**
 * Folds a history with a late step placed in it. When a later known event no longer fits because
 * the late step paused the dossier (a supplement or payment request arriving after the step that
 * followed its answer), the answer is implied right before that event, as for a skipped status.
 * Throws the lifecycle's error when the history still does not fold.
 */
function repairPlaced(list: Placed[], ctx: FoldContext, firstOrder: number, tag: string): Placed[] {
  let out = list;
  let order = firstOrder;
  for (let tries = 0; tries < 20; tries++) {
    let state: DossierState | null = null;
    let failedAt = -1;
    let error: unknown = null;
    for (let k = 0; k < out.length; k++) {
      try {
        state = applyEvent(state, out[k].e, ctx);
      } catch (err) {
        failedAt = k;
        error = err;
        break;
      }
    }
    if (failedAt < 0) return out;
    const resume = state ? RESUME[state.status] : undefined;
    const failing = out[failedAt];
    if (
      !resume ||
      !(error instanceof LifecycleError) ||
      ['receive_supplement', 'confirm_payment'].includes(failing.e.action)
    )
      throw error;
    // Just before the event that needs it, so that the order by (instant, arrival) keeps it there.
    const prevAt = failedAt > 0 ? out[failedAt - 1].e.at : failing.e.at;
    const bridge: Placed = {
      e: {
        action: resume.action,
        at: Math.max(prevAt, failing.e.at - 1),
        actorUserId: null,
        payload: { ...resume.payload },
      },
      order: order++,
      existing: false,
      ext: `${tag}:r${tries}`,
    };
    out = sortPlaced([...out.slice(0, failedAt), bridge, ...out.slice(failedAt)]);
  }
  throw new LifecycleError('RULE_VIOLATION', 'lịch sử không ghép được');
}

function foldPlaced(list: Placed[], ctx: FoldContext): { state: DossierState; statuses: string[] } {
  let state: DossierState | null = null;
  const statuses: string[] = [];
  for (const p of list) {
    state = applyEvent(state, p.e, ctx);
    statuses.push(state.status);
  }
  return { state: state!, statuses };
}

/** The applicant as the intake has it; fields that do not pass the intake's rules are left out. */
function applicantOf(r: Record<string, unknown>): Record<string, unknown> {
  const ids = Array.isArray(r.DinhDanhCHS) ? (r.DinhDanhCHS as Record<string, unknown>[]) : [];
  const idNumber = text(r.SoGiayToChuHoSo, 30) ?? text(ids.find((x) => x && typeof x === 'object')?.SoDinhDanh, 30);
  const phone = text(r.SoDienThoai, 20);
  const email = text(r.Email, 200);
  return {
    kind: APPLICANT_KIND_OF[text(r.LoaiDoiTuong) ?? '1'] ?? 'citizen',
    fullName: text(r.ChuHoSo, 200) ?? '(không rõ)',
    ...(idNumber && /^[A-Za-z0-9-]{1,30}$/.test(idNumber) ? { idNumber } : {}),
    ...(phone && /^\+?[0-9 .-]{6,20}$/.test(phone) ? { phone } : {}),
    ...(email && /^[^\s@]+@[^\s@]+$/.test(email) ? { email } : {}),
  };
}

export type { Outcome as FeedOutcome };
