import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { CalendarChangeKind } from 'src/calendar/calendar-change.entity';
import type { DayKind } from 'src/calendar/calendar-day.entity';
import type { CalendarSeed } from 'src/calendar/calendar-seed';

/** A transaction handle; services pass it through without touching TypeORM. */
export type Tx = EntityManager;

export interface WorkingHoursRow {
  weekdays: number[];
  periods: [string, string][];
}

export interface CalendarDayRow {
  date: string;
  kind: DayKind;
  name: string;
}

export type DayOrigin = 'official' | 'generated' | 'admin';

export interface StoredDayRow extends CalendarDayRow {
  origin: DayOrigin;
  source: string | null;
}

export interface HoursEntryRow extends WorkingHoursRow {
  effectiveFrom: string;
}

export interface CalendarYearRow {
  year: number;
  status: 'official' | 'provisional';
  source: string | null;
  confirmedBy: string | null;
  confirmedAt: Date | null;
}

export interface CalendarSnapshot {
  version: number;
  utcOffsetMinutes: number;
  /** Oldest first; the first entry applies from the start of the calendar. */
  hours: HoursEntryRow[];
  days: StoredDayRow[];
  years: CalendarYearRow[];
}

export interface CalendarChangeRow {
  version: number;
  at: Date;
  actorUserId: string | null;
  actorUsername: string | null;
  kind: CalendarChangeKind;
  date: string | null;
  before: unknown;
  after: unknown;
}

const DAY_COLUMNS = `to_char(date, 'YYYY-MM-DD') AS date, kind, name`;
const STORED_DAY_COLUMNS = `${DAY_COLUMNS}, origin, source`;
const HOURS_COLUMNS = `to_char(effective_from, 'YYYY-MM-DD') AS "effectiveFrom", weekdays, periods`;
const YEAR_COLUMNS = `year, status, source, confirmed_by AS "confirmedBy", confirmed_at AS "confirmedAt"`;
/** The first day of the calendar's range: the first office-hours entry applies from it. */
export const HOURS_BASE_DATE = '2000-01-01';

/** Calendar storage: the one settings row (version + working hours), the exceptions, the change log. */
@Injectable()
export class CalendarRepository {
  constructor(private readonly dataSource: DataSource) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  /** The one cheap primary-key read each CalendarService.current() makes; null before the seed. */
  async version(): Promise<number | null> {
    const rows: { version: number }[] = await this.dataSource.query(
      `SELECT version FROM calendar_settings WHERE id = 1`,
    );
    return rows[0]?.version ?? null;
  }

  /** Version, office hours, every stored day and every year's plan, read in one snapshot. */
  snapshot(): Promise<CalendarSnapshot | null> {
    return this.dataSource.transaction('REPEATABLE READ', async (tx) => {
      const settings: { version: number; utc_offset_minutes: number }[] = await tx.query(
        `SELECT version, utc_offset_minutes FROM calendar_settings WHERE id = 1`,
      );
      if (!settings[0]) return null;
      // One after another: a transaction is one connection, which runs one query at a time.
      const hours = await this.hoursSchedule(tx);
      const days: StoredDayRow[] = await tx.query(`SELECT ${STORED_DAY_COLUMNS} FROM calendar_days ORDER BY date`);
      const years = await this.listYears(tx);
      return { version: settings[0].version, utcOffsetMinutes: settings[0].utc_offset_minutes, hours, days, years };
    });
  }

  /**
   * Seeds an empty calendar. Safe when several instances start at once: the settings row's
   * primary key makes the INSERT of a second transaction wait for the first and then do nothing,
   * so exactly one transaction inserts the days and the version-1 change. True when this call seeded.
   */
  seed(seed: CalendarSeed, utcOffsetMinutes: number): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const inserted: unknown[] = await tx.query(
        `INSERT INTO calendar_settings (id, version, utc_offset_minutes, weekdays, periods)
         VALUES (1, 1, $1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id`,
        [utcOffsetMinutes, seed.weekdays, JSON.stringify(seed.periods)],
      );
      if (inserted.length === 0) return false;
      await tx.query(
        `INSERT INTO calendar_days (date, kind, name, origin, source)
         SELECT x.date, x.kind, x.name, 'official', x.source
         FROM jsonb_to_recordset($1::jsonb) AS x(date date, kind text, name text, source text)`,
        [JSON.stringify(seed.days)],
      );
      await tx.query(`INSERT INTO calendar_hours (effective_from, weekdays, periods) VALUES ($1, $2, $3)`, [
        HOURS_BASE_DATE,
        seed.weekdays,
        JSON.stringify(seed.periods),
      ]);
      for (const y of seed.years) {
        await tx.query(
          `INSERT INTO calendar_years (year, status, source, confirmed_at) VALUES ($1, 'official', $2, now())`,
          [y.year, y.source],
        );
      }
      await this.insertChange(tx, {
        version: 1,
        actorUserId: null,
        kind: 'seed',
        date: null,
        before: null,
        after: {
          source: seed.source,
          workingHours: { weekdays: seed.weekdays, periods: seed.periods },
          days: seed.days,
          years: seed.years,
        },
      });
      return true;
    });
  }

  /**
   * Locks the settings row: every calendar edit takes this lock first, so edits are serialised
   * and reads made after it in the same transaction see no concurrent edit.
   */
  async lockForEdit(tx: Tx): Promise<number> {
    const rows: { version: number }[] = await tx.query(`SELECT version FROM calendar_settings WHERE id = 1 FOR UPDATE`);
    if (!rows[0]) throw new Error('calendar is not seeded');
    return rows[0].version;
  }

  /** Bumps the version (in the edit's transaction, after lockForEdit) and returns the new one. */
  async bumpVersion(tx: Tx): Promise<number> {
    // Wrapped in a CTE: TypeORM answers a bare UPDATE with [rows, rowCount] instead of the rows.
    const rows: { version: number }[] = await tx.query(
      `WITH bumped AS (UPDATE calendar_settings SET version = version + 1 WHERE id = 1 RETURNING version) SELECT version FROM bumped`,
    );
    if (!rows[0]) throw new Error('calendar is not seeded');
    return rows[0].version;
  }

  /** The office-hours schedule, oldest first. */
  hoursSchedule(tx: Tx = this.dataSource.manager): Promise<HoursEntryRow[]> {
    return tx.query(`SELECT ${HOURS_COLUMNS} FROM calendar_hours ORDER BY effective_from`);
  }

  async findHours(tx: Tx, effectiveFrom: string): Promise<HoursEntryRow | null> {
    const rows: HoursEntryRow[] = await tx.query(
      `SELECT ${HOURS_COLUMNS} FROM calendar_hours WHERE effective_from = $1`,
      [effectiveFrom],
    );
    return rows[0] ?? null;
  }

  async upsertHours(tx: Tx, entry: HoursEntryRow, actorUserId: string | null): Promise<void> {
    await tx.query(
      `INSERT INTO calendar_hours (effective_from, weekdays, periods, updated_at, updated_by) VALUES ($1, $2, $3, now(), $4)
       ON CONFLICT (effective_from) DO UPDATE SET weekdays = EXCLUDED.weekdays, periods = EXCLUDED.periods,
         updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [entry.effectiveFrom, entry.weekdays, JSON.stringify(entry.periods), actorUserId],
    );
  }

  listYears(tx: Tx = this.dataSource.manager): Promise<CalendarYearRow[]> {
    return tx.query(`SELECT ${YEAR_COLUMNS} FROM calendar_years ORDER BY year`);
  }

  async findYear(tx: Tx, year: number): Promise<CalendarYearRow | null> {
    const rows: CalendarYearRow[] = await tx.query(`SELECT ${YEAR_COLUMNS} FROM calendar_years WHERE year = $1`, [
      year,
    ]);
    return rows[0] ?? null;
  }

  async insertProvisionalYear(tx: Tx, year: number, generatorVersion: number): Promise<void> {
    await tx.query(
      `INSERT INTO calendar_years (year, status, generator_version) VALUES ($1, 'provisional', $2) ON CONFLICT (year) DO NOTHING`,
      [year, generatorVersion],
    );
  }

  async confirmYear(tx: Tx, year: number, source: string, actorUserId: string | null): Promise<void> {
    await tx.query(
      `UPDATE calendar_years SET status = 'official', source = $2, confirmed_by = $3, confirmed_at = now() WHERE year = $1`,
      [year, source, actorUserId],
    );
  }

  /** Stored days of a year, by date. */
  async daysOfYear(tx: Tx, year: number): Promise<StoredDayRow[]> {
    return tx.query(
      `SELECT ${STORED_DAY_COLUMNS} FROM calendar_days WHERE date >= make_date($1, 1, 1) AND date < make_date($1 + 1, 1, 1) ORDER BY date`,
      [year],
    );
  }

  /** Dates among `dates` an administrator ever set or deleted: corrections from the system leave them alone. */
  async adminTouchedDates(tx: Tx, dates: string[]): Promise<Set<string>> {
    if (dates.length === 0) return new Set();
    const rows: { date: string }[] = await tx.query(
      `SELECT DISTINCT to_char(date, 'YYYY-MM-DD') AS date FROM calendar_changes
       WHERE kind IN ('day_set', 'day_deleted') AND actor_user_id IS NOT NULL AND date = ANY($1::date[])`,
      [dates],
    );
    return new Set(rows.map((r) => r.date));
  }

  async findDay(date: string, tx: Tx = this.dataSource.manager): Promise<CalendarDayRow | null> {
    const rows: CalendarDayRow[] = await tx.query(`SELECT ${DAY_COLUMNS} FROM calendar_days WHERE date = $1`, [date]);
    return rows[0] ?? null;
  }

  listDays(from: string, to: string): Promise<CalendarDayRow[]> {
    return this.dataSource.query(
      `SELECT ${DAY_COLUMNS} FROM calendar_days WHERE date BETWEEN $1 AND $2 ORDER BY date`,
      [from, to],
    );
  }

  async upsertDay(
    tx: Tx,
    day: CalendarDayRow,
    actorUserId: string | null,
    origin: DayOrigin = 'admin',
    source: string | null = null,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO calendar_days (date, kind, name, updated_at, updated_by, origin, source) VALUES ($1, $2, $3, now(), $4, $5, $6)
       ON CONFLICT (date) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name,
         updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by, origin = EXCLUDED.origin,
         source = EXCLUDED.source`,
      [day.date, day.kind, day.name, actorUserId, origin, source],
    );
  }

  /** One open horizon alert per active admin and board member for that deadline; returns how many were new. */
  async raiseHorizonAlerts(deadline: Date, now: Date): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO alerts (kind, dossier_id, unit_id, recipient_user_id, deadline_at, created_at)
       SELECT 'calendar_horizon', NULL, NULL, u.id, $1, $2 FROM users u
       WHERE u.active AND u.role IN ('admin', 'reform_board')
       ON CONFLICT (kind, deadline_at, recipient_user_id) WHERE dossier_id IS NULL DO NOTHING
       RETURNING id`,
      [deadline, now],
    );
    return rows.length;
  }

  /** Closes open horizon alerts other than those for `keep` (all of them when null). */
  async closeHorizonAlerts(keep: Date | null, now: Date): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH c AS (UPDATE alerts SET closed_at = $2 WHERE kind = 'calendar_horizon' AND closed_at IS NULL
         AND ($1::timestamptz IS NULL OR deadline_at <> $1) RETURNING id) SELECT id FROM c`,
      [keep, now],
    );
    return rows.length;
  }

  async deleteDay(tx: Tx, date: string): Promise<void> {
    await tx.query(`DELETE FROM calendar_days WHERE date = $1`, [date]);
  }

  async insertChange(
    tx: Tx,
    c: {
      version: number;
      actorUserId: string | null;
      kind: CalendarChangeKind;
      date: string | null;
      before: unknown;
      after: unknown;
    },
  ): Promise<Date> {
    const rows: { at: Date }[] = await tx.query(
      `INSERT INTO calendar_changes (version, actor_user_id, kind, date, before, after) VALUES ($1, $2, $3, $4, $5, $6) RETURNING at`,
      [
        c.version,
        c.actorUserId,
        c.kind,
        c.date,
        c.before === null ? null : JSON.stringify(c.before),
        c.after === null ? null : JSON.stringify(c.after),
      ],
    );
    return rows[0].at;
  }

  /** Newest first; `beforeVersion` continues a page. Fetches limit + 1 rows. */
  async listChanges(limit: number, beforeVersion?: number): Promise<CalendarChangeRow[]> {
    return this.mapChanges(
      await this.dataSource.query(
        `SELECT c.version, c.at, c.actor_user_id, u.username AS actor_username, c.kind,
                to_char(c.date, 'YYYY-MM-DD') AS date, c.before, c.after
         FROM calendar_changes c LEFT JOIN users u ON u.id = c.actor_user_id
         WHERE ($1::int IS NULL OR c.version < $1) ORDER BY c.version DESC LIMIT $2`,
        [beforeVersion ?? null, limit + 1],
      ),
    );
  }

  /** Changes after a version, oldest first (for a consumer catching up after a restart). */
  async changesSince(afterVersion: number, limit = 1000): Promise<CalendarChangeRow[]> {
    return this.mapChanges(
      await this.dataSource.query(
        `SELECT c.version, c.at, c.actor_user_id, u.username AS actor_username, c.kind,
                to_char(c.date, 'YYYY-MM-DD') AS date, c.before, c.after
         FROM calendar_changes c LEFT JOIN users u ON u.id = c.actor_user_id
         WHERE c.version > $1 ORDER BY c.version LIMIT $2`,
        [afterVersion, limit],
      ),
    );
  }

  private mapChanges(
    rows: {
      version: number;
      at: Date;
      actor_user_id: string | null;
      actor_username: string | null;
      kind: CalendarChangeKind;
      date: string | null;
      before: unknown;
      after: unknown;
    }[],
  ): CalendarChangeRow[] {
    return rows.map((r) => ({
      version: r.version,
      at: r.at,
      actorUserId: r.actor_user_id,
      actorUsername: r.actor_username,
      kind: r.kind,
      date: r.date,
      before: r.before,
      after: r.after,
    }));
  }
}
