import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuthUser } from 'src/auth/auth-user';
import { CALENDAR_MESSAGES as M } from 'src/calendar/calendar.messages';
import {
  CalendarChangeRow,
  CalendarDayRow,
  CalendarRepository,
  CalendarYearRow,
  HOURS_BASE_DATE,
  HoursEntryRow,
  StoredDayRow,
  Tx,
  WorkingHoursRow,
} from 'src/calendar/calendar.repository';
import { composeCalendar } from 'src/calendar/calendar-compose';
import { calendarHorizon, CalendarHorizon } from 'src/calendar/calendar-horizon';
import { GENERATOR_VERSION, generateYear, statutoryHolidays } from 'src/calendar/holiday-rules';
import { tetDate } from 'src/calendar/lunar';
import type { DayKind } from 'src/calendar/calendar-day.entity';
import {
  addDays,
  addYears,
  CALENDAR_FROM_YEAR,
  CALENDAR_TO_YEAR,
  isCalendarDate,
  MAX_RANGE_YEARS,
  weekdaysProblem,
  workingPeriodsProblem,
} from 'src/calendar/calendar-rules';
import { CalendarSeed, readCalendarSeed } from 'src/calendar/calendar-seed';
import { TimeLimit, WorkingCalendar } from 'src/calendar/working-time';
import { AuditService } from 'src/common/audit.service';
import { Clock } from 'src/common/clock';
import { DomainError, ErrorDetail } from 'src/common/domain-error';
import { ROOT_LOGGER } from 'src/common/logger';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { localDate, VN_OFFSET_MINUTES } from 'src/common/time';

/**
 * What a calendar edit affects: `dates` are the local dates whose kind changed, or null when the
 * working hours changed (every open dossier is affected).
 */
export interface CalendarChange {
  version: number;
  dates: string[] | null;
}

export type CalendarChangeListener = (change: CalendarChange) => Promise<void> | void;

export interface VersionedCalendar {
  version: number;
  calendar: WorkingCalendar;
  /** Names of the exceptions (stored or generated), by local date. */
  names: ReadonlyMap<string, string>;
}

/** A year's plan as the API answers it. */
export type CalendarYear = CalendarYearRow;

const invalid = (field: string, message: string) =>
  new DomainError('VALIDATION_FAILED', M.invalid, [{ field, message }]);

@Injectable()
export class CalendarService implements OnApplicationBootstrap {
  private cache: VersionedCalendar | null = null;
  /** Concurrent callers share one version check (and at most one rebuild). */
  private inflight: { generation: number; promise: Promise<VersionedCalendar> } | null = null;
  /** Bumped by local edits, so no caller joins a check that started before the edit committed. */
  private generation = 0;
  private readonly listeners = new Set<CalendarChangeListener>();

  /** When the stored version was last read, and the generation then (local edits invalidate). */
  private checked: { at: number; generation: number } | null = null;

  constructor(
    private readonly repo: CalendarRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (await this.ensureSeeded()) this.logger.info('working-time calendar seeded');
    await this.sync();
  }

  /** Seeds the calendar from config/calendars/vn-public-holidays.json when the database has none. */
  async ensureSeeded(): Promise<boolean> {
    if ((await this.repo.version()) !== null) return false;
    return this.repo.seed(readCalendarSeed(), VN_OFFSET_MINUTES);
  }

  /**
   * The working calendar as stored now. Each call makes one primary-key read of the version;
   * the calendar is rebuilt only when the version moved, so an edit made by any instance is seen
   * by the next call everywhere.
   */
  async current(): Promise<WorkingCalendar> {
    return (await this.currentVersioned()).calendar;
  }

  /** current() with the version it was built from (store it beside values computed with it). */
  currentVersioned(): Promise<VersionedCalendar> {
    const generation = this.generation;
    // Hot paths (every intake and action) reuse a version read within CALENDAR_CACHE_MS; an edit on
    // another instance is seen after at most that long, and a dossier computed meanwhile carries the
    // older calendar_version, so the recompute sweep corrects it.
    const ttl = this.config.CALENDAR_CACHE_MS;
    if (
      ttl > 0 &&
      this.cache &&
      this.checked &&
      this.checked.generation === generation &&
      Date.now() - this.checked.at < ttl
    ) {
      return Promise.resolve(this.cache);
    }
    if (this.inflight?.generation === generation) return this.inflight.promise;
    const promise = this.load()
      .then((v) => {
        this.checked = { at: Date.now(), generation };
        return v;
      })
      .finally(() => {
        if (this.inflight?.promise === promise) this.inflight = null;
      });
    this.inflight = { generation, promise };
    return promise;
  }

  /**
   * Hook for the dossier lifecycle: `listener` is called after every calendar edit made through
   * this service has committed, on the instance that made it (once per edit, not once per
   * instance), with the new version and the dates whose kind changed (null: the working hours
   * changed, so every open dossier is affected). Calls are awaited in registration order; a
   * listener that throws is logged and does not undo the edit. Keep listeners short (enqueue the
   * recomputation); a consumer that must not miss an edit (crash between commit and call) also
   * catches up with changesSince(lastVersionSeen). Returns a function that removes the listener.
   */
  onChange(listener: CalendarChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calendar changes after `afterVersion`, oldest first, as listeners would have received them. */
  async changesSince(afterVersion: number, limit = 1000): Promise<CalendarChange[]> {
    const rows = await this.repo.changesSince(afterVersion, limit);
    return rows.map((r) => ({ version: r.version, dates: changedDates(r) }));
  }

  // ---- reads -------------------------------------------------------------------------------

  async listDays(from: string, to: string): Promise<CalendarDayRow[]> {
    for (const [field, value] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (!isCalendarDate(value)) throw invalid(field, M.dateOutOfRange(CALENDAR_FROM_YEAR, CALENDAR_TO_YEAR));
    }
    if (from > to) throw invalid('to', M.rangeOrder);
    if (to > addYears(from, MAX_RANGE_YEARS)) throw invalid('to', M.rangeTooLong(MAX_RANGE_YEARS));
    const stored = await this.repo.listDays(from, to);
    // Years with no stored plan are counted with the rules' days: list those too, as the clock sees them.
    const planned = new Set((await this.repo.listYears()).map((y) => y.year));
    const dates = new Set(stored.map((d) => d.date));
    const generated: CalendarDayRow[] = [];
    for (let year = Number(from.slice(0, 4)); year <= Number(to.slice(0, 4)); year++) {
      if (planned.has(year)) continue;
      for (const d of generateYear(year)) {
        if (d.date >= from && d.date <= to && !dates.has(d.date)) {
          generated.push({ date: d.date, kind: d.kind, name: d.name });
        }
      }
    }
    if (generated.length === 0) return stored;
    return [...stored, ...generated].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  }

  /** The office hours in force on `date` (default: today), with the date they apply from. */
  async workingHours(date?: string): Promise<HoursEntryRow & { version: number }> {
    await this.ensureSeeded();
    const day = date ?? localDate(this.clock.now());
    const schedule = await this.repo.hoursSchedule();
    const entry = [...schedule].reverse().find((h) => h.effectiveFrom <= day) ?? schedule[0];
    return { ...entry, version: (await this.repo.version())! };
  }

  async hoursSchedule(): Promise<HoursEntryRow[]> {
    await this.ensureSeeded();
    return this.repo.hoursSchedule();
  }

  async years(): Promise<CalendarYear[]> {
    await this.ensureSeeded();
    const rows = await this.repo.listYears();
    const stored = new Set(rows.map((r) => r.year));
    const current = this.currentYear();
    const out: CalendarYear[] = [...rows];
    // Years still generated on the fly (the worker stores them): answered as provisional.
    for (let y = current; y <= current + 2; y++) {
      if (!stored.has(y))
        out.push({
          year: y,
          status: 'provisional',
          source: null,
          confirmedBy: null,
          confirmedAt: null,
        });
    }
    return out.sort((a, b) => a.year - b.year);
  }

  /** Where the confirmed calendar ends, and the warnings that follow (readiness, alerts, metrics). */
  async horizon(now = this.clock.now()): Promise<CalendarHorizon> {
    const rows = await this.repo.listYears();
    return calendarHorizon(localDate(now), rows);
  }

  /** The clock start and the due instant of a time limit, as the counter tells the citizen before intake. */
  async due(
    start: Date,
    limit: TimeLimit,
    intakeCutoff: string | null,
  ): Promise<{ clockStart: Date; dueAt: Date; provisional: boolean }> {
    const calendar = await this.current();
    try {
      const clockStart = calendar.clockStart(start, intakeCutoff);
      const dueAt = calendar.dueAt(clockStart, limit);
      return { clockStart, dueAt, provisional: calendar.crossesProvisional(start, dueAt) };
    } catch (e) {
      if (e instanceof RangeError) throw invalid('start', M.outsideCalendar(CALENDAR_FROM_YEAR, CALENDAR_TO_YEAR));
      throw e;
    }
  }

  async listChanges(limit: number, beforeVersion?: number): Promise<CalendarChangeRow[]> {
    return this.repo.listChanges(limit, beforeVersion);
  }

  // ---- edits (admin) -----------------------------------------------------------------------

  async setDay(date: string, kind: DayKind, name: string, actor: AuthUser): Promise<CalendarDayRow> {
    if (!isCalendarDate(date)) throw invalid('date', M.dateOutOfRange(CALENDAR_FROM_YEAR, CALENDAR_TO_YEAR));
    if (kind === 'working') {
      // A day the Labour Code makes a holiday cannot also be a make-up working day.
      const year = Number(date.slice(0, 4));
      const statutory = statutoryHolidays(year).find((h) => h.date === date && LAW_FIXED_RULES.has(h.rule));
      const tet = tetDate(year);
      const tetDay = date >= tet && date <= addDays(tet, 2); // mùng 1–3 are in every Tết plan
      if (statutory || tetDay) throw invalid('kind', M.statutoryHolidayNotWorking(date));
    }
    const after: CalendarDayRow = { date, kind, name: name.trim() };
    await this.ensureSeeded();
    const version = await this.repo.transaction(async (tx) => {
      await this.repo.lockForEdit(tx);
      const before = await this.repo.findDay(date, tx);
      // Re-stating a day as it is changes nothing: no new version, no recomputation.
      if (before && before.kind === after.kind && before.name === after.name) return null;
      const v = await this.repo.bumpVersion(tx);
      await this.repo.upsertDay(tx, after, actor.id);
      await this.repo.insertChange(tx, { version: v, actorUserId: actor.id, kind: 'day_set', date, before, after });
      await this.audit.record(
        {
          actorUserId: actor.id,
          action: 'calendar.day_set',
          entity: 'calendar_day',
          entityId: date,
          details: { version: v, before, after },
        },
        tx,
      );
      return v;
    });
    if (version !== null) await this.changed({ version, dates: [date] });
    return after;
  }

  async deleteDay(date: string, actor: AuthUser): Promise<void> {
    if (!isCalendarDate(date)) throw new DomainError('NOT_FOUND', M.dayNotFound(date));
    await this.ensureSeeded();
    const version = await this.repo.transaction(async (tx) => {
      await this.repo.lockForEdit(tx);
      const before = await this.repo.findDay(date, tx);
      if (!before) throw new DomainError('NOT_FOUND', M.dayNotFound(date));
      const v = await this.repo.bumpVersion(tx);
      await this.repo.deleteDay(tx, date);
      await this.repo.insertChange(tx, {
        version: v,
        actorUserId: actor.id,
        kind: 'day_deleted',
        date,
        before,
        after: null,
      });
      await this.audit.record(
        {
          actorUserId: actor.id,
          action: 'calendar.day_deleted',
          entity: 'calendar_day',
          entityId: date,
          details: { version: v, before },
        },
        tx,
      );
      return v;
    });
    await this.changed({ version, dates: [date] });
  }

  /**
   * Sets the office hours from `effectiveFrom` (default: today) until the next entry of the
   * schedule. Dossiers are recomputed like after any calendar edit.
   */
  async setWorkingHours(
    hours: WorkingHoursRow & { effectiveFrom?: string },
    actor: AuthUser,
  ): Promise<HoursEntryRow & { version: number }> {
    const details: ErrorDetail[] = [];
    const weekdays = weekdaysProblem(hours.weekdays);
    if (weekdays) details.push({ field: 'weekdays', message: weekdays });
    const periods = workingPeriodsProblem(hours.periods);
    if (periods) details.push({ field: 'periods', message: periods });
    const effectiveFrom = hours.effectiveFrom ?? localDate(this.clock.now());
    if (!isCalendarDate(effectiveFrom)) {
      details.push({ field: 'effectiveFrom', message: M.dateOutOfRange(CALENDAR_FROM_YEAR, CALENDAR_TO_YEAR) });
    }
    if (details.length) throw new DomainError('VALIDATION_FAILED', M.invalid, details);
    const after: HoursEntryRow = {
      // The first entry of the schedule applies from the start of the calendar.
      effectiveFrom: effectiveFrom < HOURS_BASE_DATE ? HOURS_BASE_DATE : effectiveFrom,
      weekdays: [...hours.weekdays].sort((a, b) => a - b),
      periods: hours.periods.map(([s, e]) => [s, e]),
    };
    await this.ensureSeeded();
    const version = await this.repo.transaction(async (tx) => {
      await this.repo.lockForEdit(tx);
      const schedule = await this.repo.hoursSchedule(tx);
      const before = await this.repo.findHours(tx, after.effectiveFrom);
      const inForce = [...schedule].reverse().find((h) => h.effectiveFrom <= after.effectiveFrom) ?? null;
      if (inForce && sameHours(inForce, after)) return null;
      const v = await this.repo.bumpVersion(tx);
      await this.repo.upsertHours(tx, after, actor.id);
      await this.repo.insertChange(tx, {
        version: v,
        actorUserId: actor.id,
        kind: 'working_hours_set',
        date: after.effectiveFrom,
        before: before ?? inForce,
        after,
      });
      await this.audit.record(
        {
          actorUserId: actor.id,
          action: 'calendar.working_hours_set',
          entity: 'calendar',
          entityId: 'working_hours',
          details: { version: v, before: before ?? inForce, after },
        },
        tx,
      );
      return v;
    });
    if (version !== null) await this.changed({ version, dates: null });
    return { ...after, version: version ?? (await this.repo.version())! };
  }

  /**
   * The board (or an admin) confirms a year's plan as it stands, with the deciding document's
   * number; confirming an official year again replaces its source. The year must be within the
   * stored (generated) range.
   */
  async confirmYear(year: number, source: string, actor: AuthUser): Promise<CalendarYear> {
    if (!Number.isInteger(year) || year < CALENDAR_FROM_YEAR || year > CALENDAR_TO_YEAR) {
      throw invalid('year', M.yearOutOfRange(CALENDAR_FROM_YEAR, CALENDAR_TO_YEAR));
    }
    const text = source.trim();
    if (!text) throw invalid('source', M.sourceRequired);
    await this.ensureSeeded();
    const version = await this.repo.transaction(async (tx) => {
      await this.repo.lockForEdit(tx);
      const before = await this.repo.findYear(tx, year);
      if (!before) {
        const stored = await this.repo.listYears(tx);
        throw invalid('year', M.yearNotGenerated(year, stored[0]?.year ?? null, stored.at(-1)?.year ?? null));
      }
      const v = await this.repo.bumpVersion(tx);
      await this.repo.confirmYear(tx, year, text, actor.id);
      const after = await this.repo.findYear(tx, year);
      await this.repo.insertChange(tx, {
        version: v,
        actorUserId: actor.id,
        kind: 'year_confirmed',
        date: null,
        before,
        after,
      });
      await this.audit.record(
        {
          actorUserId: actor.id,
          action: 'calendar.year_confirmed',
          entity: 'calendar_year',
          entityId: String(year),
          details: { version: v, before, after },
        },
        tx,
      );
      return v;
    });
    await this.changed({ version, dates: null });
    return (await this.repo.listYears()).find((r) => r.year === year)!;
  }

  /**
   * Keeps the stored calendar current, as the system (no actor), each as a versioned edit:
   * 1. the official years shipped in config/calendars (a correction such as 9441/TB-BNV reaches a
   *    running installation with the next release) replace the days of those years, except days an
   *    administrator set or deleted;
   * 2. the years from this one to two years ahead are generated from the rules and stored
   *    (provisional), so administrators can edit them day by day and the board can confirm them.
   * Idempotent: run at every start and by the worker's calendar tick.
   */
  async sync(now = this.clock.now()): Promise<{ applied: string[]; generated: number[] }> {
    await this.ensureSeeded();
    const seed = this.seedFile();
    const current = Number(localDate(now).slice(0, 4));
    const result = await this.repo.transaction(async (tx) => {
      await this.repo.lockForEdit(tx);
      const applied = await this.applyOfficialYears(tx, seed);
      const generated: number[] = [];
      const genDates: string[] = [];
      for (let year = Math.max(current, CALENDAR_FROM_YEAR); year <= Math.min(current + 2, CALENDAR_TO_YEAR); year++) {
        if (await this.repo.findYear(tx, year)) continue;
        const existing = new Set((await this.repo.daysOfYear(tx, year)).map((d) => d.date));
        await this.repo.insertProvisionalYear(tx, year, GENERATOR_VERSION);
        for (const d of generateYear(year)) {
          if (existing.has(d.date)) continue; // an administrator's day of that year stays
          await this.repo.upsertDay(tx, { date: d.date, kind: d.kind, name: d.name }, null, 'generated', null);
          genDates.push(d.date);
        }
        generated.push(year);
      }
      // Each kind of system change is a calendar version of its own, logged with no author.
      const versions: CalendarChange[] = [];
      const record = async (
        kind: 'official_applied' | 'year_generated',
        before: unknown,
        after: object,
        dates: string[],
      ) => {
        const version = await this.repo.bumpVersion(tx);
        await this.repo.insertChange(tx, {
          version,
          actorUserId: null,
          kind,
          date: null,
          before,
          after: { ...after, dates },
        });
        versions.push({ version, dates });
      };
      if (applied.dates.length) {
        const after = { reason: applied.sources.join('; '), days: applied.after };
        await record('official_applied', applied.before, after, applied.dates);
      }
      if (generated.length) {
        await record('year_generated', null, { years: generated, generatorVersion: GENERATOR_VERSION }, genDates);
      }
      return { applied: applied.dates, generated, versions };
    });
    for (const change of result.versions) await this.changed(change);
    if (result.applied.length || result.generated.length) {
      this.logger.info(
        { correctedDays: result.applied.length, generatedYears: result.generated },
        'working-time calendar updated by the system',
      );
    }
    return { applied: result.applied, generated: result.generated };
  }

  private seedCache: CalendarSeed | null = null;
  private seedFile(): CalendarSeed {
    return (this.seedCache ??= readCalendarSeed());
  }

  /** Step 1 of sync(): the official years of the shipped file, day by day, leaving administrators' days alone. */
  private async applyOfficialYears(tx: Tx, seed: CalendarSeed) {
    const out = {
      dates: [] as string[],
      sources: [] as string[],
      before: [] as StoredDayRow[],
      after: [] as unknown[],
    };
    for (const y of seed.years) {
      const want = new Map(seed.days.filter((d) => d.date.startsWith(`${y.year}-`)).map((d) => [d.date, d]));
      const have = new Map((await this.repo.daysOfYear(tx, y.year)).map((d) => [d.date, d]));
      const differing = [...new Set([...want.keys(), ...have.keys()])].filter((date) => {
        const h = have.get(date);
        const w = want.get(date);
        if (h?.origin === 'admin') return false;
        if (!w) return true; // a generated or earlier official day the Government's plan does not have
        return !h || h.kind !== w.kind || h.name !== w.name || h.source !== w.source;
      });
      const touched = await this.repo.adminTouchedDates(tx, differing);
      for (const date of differing.sort()) {
        if (touched.has(date)) continue;
        const h = have.get(date);
        const w = want.get(date);
        if (h) out.before.push(h);
        if (w) {
          await this.repo.upsertDay(tx, { date, kind: w.kind, name: w.name }, null, 'official', w.source ?? y.source);
          out.after.push({ date, kind: w.kind, name: w.name, source: w.source ?? y.source });
        } else {
          await this.repo.deleteDay(tx, date);
        }
        out.dates.push(date);
        const src = w?.source ?? y.source;
        if (!out.sources.includes(src)) out.sources.push(src);
      }
      const row = await this.repo.findYear(tx, y.year);
      if (!row) {
        await this.repo.insertProvisionalYear(tx, y.year, GENERATOR_VERSION);
        await this.repo.confirmYear(tx, y.year, y.source, null);
      } else if (row.status !== 'official' || (row.confirmedBy === null && row.source !== y.source)) {
        await this.repo.confirmYear(tx, y.year, y.source, null);
      }
    }
    return out;
  }

  private currentYear(): number {
    return Number(localDate(this.clock.now()).slice(0, 4));
  }

  // ---- internals ---------------------------------------------------------------------------

  private async load(): Promise<VersionedCalendar> {
    let version = await this.repo.version();
    if (version === null) {
      await this.ensureSeeded();
      version = await this.repo.version();
    }
    if (this.cache && this.cache.version === version) return this.cache;
    const snap = await this.repo.snapshot();
    if (!snap) throw new Error('calendar is not seeded');
    const composed = composeCalendar(snap, CALENDAR_FROM_YEAR, CALENDAR_TO_YEAR);
    const calendar = WorkingCalendar.build(composed.definition, {
      fromYear: CALENDAR_FROM_YEAR,
      toYear: CALENDAR_TO_YEAR,
    });
    // Another caller may have cached a newer version meanwhile: keep the newest.
    const versioned = { version: snap.version, calendar, names: composed.names };
    if (!this.cache || this.cache.version < snap.version) this.cache = versioned;
    return versioned;
  }

  private async changed(change: CalendarChange): Promise<void> {
    this.generation++;
    for (const listener of this.listeners) {
      try {
        await listener(change);
      } catch (err) {
        this.logger.error({ err, calendarVersion: change.version }, 'calendar change listener failed');
      }
    }
  }
}

/** Holidays the Labour Code fixes by date (Art. 112(1)); only the Tết window is the Government's choice. */
const LAW_FIXED_RULES = new Set(['new_year', 'hung_kings', 'victory', 'labour', 'national_day']);

function sameHours(a: WorkingHoursRow, b: WorkingHoursRow): boolean {
  return JSON.stringify([a.weekdays, a.periods]) === JSON.stringify([b.weekdays, b.periods]);
}

/** The local dates a logged change altered, or null when it may affect any day (hours, confirmations). */
function changedDates(r: CalendarChangeRow): string[] | null {
  if (r.kind === 'day_set' || r.kind === 'day_deleted') return [r.date!];
  if (r.kind === 'official_applied' || r.kind === 'year_generated') {
    const dates = (r.after as { dates?: unknown } | null)?.dates;
    return Array.isArray(dates) ? (dates as string[]) : null;
  }
  return null;
}
