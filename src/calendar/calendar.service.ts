import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuthUser } from 'src/auth/auth-user';
import { CALENDAR_MESSAGES as M } from 'src/calendar/calendar.messages';
import {
  CalendarChangeRow,
  CalendarDayRow,
  CalendarRepository,
  WorkingHoursRow,
} from 'src/calendar/calendar.repository';
import type { DayKind } from 'src/calendar/calendar-day.entity';
import {
  addYears,
  CALENDAR_FROM_YEAR,
  CALENDAR_TO_YEAR,
  isCalendarDate,
  MAX_RANGE_YEARS,
  weekdaysProblem,
  workingPeriodsProblem,
} from 'src/calendar/calendar-rules';
import { readCalendarSeed } from 'src/calendar/calendar-seed';
import { TimeLimit, WorkingCalendar } from 'src/calendar/working-time';
import { AuditService } from 'src/common/audit.service';
import { DomainError, ErrorDetail } from 'src/common/domain-error';
import { ROOT_LOGGER } from 'src/common/logger';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { VN_OFFSET_MINUTES } from 'src/common/time';

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
}

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
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (await this.ensureSeeded()) this.logger.info('working-time calendar seeded');
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
    return rows.map((r) => ({
      version: r.version,
      dates: r.kind === 'day_set' || r.kind === 'day_deleted' ? [r.date!] : null,
    }));
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
    return this.repo.listDays(from, to);
  }

  async workingHours(): Promise<WorkingHoursRow & { version: number }> {
    await this.ensureSeeded();
    const hours = await this.repo.workingHours();
    if (!hours) throw new Error('calendar is not seeded');
    return hours;
  }

  /** The clock start and the due instant of a time limit, as the counter tells the citizen before intake. */
  async due(start: Date, limit: TimeLimit, intakeCutoff: string | null): Promise<{ clockStart: Date; dueAt: Date }> {
    const calendar = await this.current();
    try {
      const clockStart = calendar.clockStart(start, intakeCutoff);
      return { clockStart, dueAt: calendar.dueAt(clockStart, limit) };
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

  async setWorkingHours(hours: WorkingHoursRow, actor: AuthUser): Promise<WorkingHoursRow & { version: number }> {
    const details: ErrorDetail[] = [];
    const weekdays = weekdaysProblem(hours.weekdays);
    if (weekdays) details.push({ field: 'weekdays', message: weekdays });
    const periods = workingPeriodsProblem(hours.periods);
    if (periods) details.push({ field: 'periods', message: periods });
    if (details.length) throw new DomainError('VALIDATION_FAILED', M.invalid, details);
    const after: WorkingHoursRow = {
      weekdays: [...hours.weekdays].sort((a, b) => a - b),
      periods: hours.periods.map(([s, e]) => [s, e]),
    };
    await this.ensureSeeded();
    const version = await this.repo.transaction(async (tx) => {
      await this.repo.lockForEdit(tx);
      const current = await this.repo.workingHours(tx);
      const before: WorkingHoursRow = { weekdays: current!.weekdays, periods: current!.periods };
      if (JSON.stringify(before) === JSON.stringify(after)) return null;
      const v = await this.repo.bumpVersion(tx);
      await this.repo.setWorkingHours(tx, after, actor.id);
      await this.repo.insertChange(tx, {
        version: v,
        actorUserId: actor.id,
        kind: 'working_hours_set',
        date: null,
        before,
        after,
      });
      await this.audit.record(
        {
          actorUserId: actor.id,
          action: 'calendar.working_hours_set',
          entity: 'calendar',
          entityId: 'working_hours',
          details: { version: v, before, after },
        },
        tx,
      );
      return v;
    });
    if (version !== null) await this.changed({ version, dates: null });
    return { ...after, version: version ?? (await this.repo.version())! };
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
    const calendar = WorkingCalendar.build(
      {
        utcOffsetMinutes: snap.utcOffsetMinutes,
        workingHours: { weekdays: snap.weekdays, periods: snap.periods },
        exceptions: snap.days.map((d) => ({ date: d.date, kind: d.kind })),
      },
      { fromYear: CALENDAR_FROM_YEAR, toYear: CALENDAR_TO_YEAR },
    );
    // Another caller may have cached a newer version meanwhile: keep the newest.
    if (!this.cache || this.cache.version < snap.version) this.cache = { version: snap.version, calendar };
    return { version: snap.version, calendar };
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
