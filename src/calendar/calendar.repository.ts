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

export interface CalendarSnapshot extends WorkingHoursRow {
  version: number;
  utcOffsetMinutes: number;
  days: CalendarDayRow[];
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

  /** Version, working hours and every exception, read in one snapshot so they belong together. */
  snapshot(): Promise<CalendarSnapshot | null> {
    return this.dataSource.transaction('REPEATABLE READ', async (tx) => {
      const settings: {
        version: number;
        utc_offset_minutes: number;
        weekdays: number[];
        periods: [string, string][];
      }[] = await tx.query(`SELECT version, utc_offset_minutes, weekdays, periods FROM calendar_settings WHERE id = 1`);
      if (!settings[0]) return null;
      const days: CalendarDayRow[] = await tx.query(`SELECT ${DAY_COLUMNS} FROM calendar_days ORDER BY date`);
      const s = settings[0];
      return {
        version: s.version,
        utcOffsetMinutes: s.utc_offset_minutes,
        weekdays: s.weekdays,
        periods: s.periods,
        days,
      };
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
        `INSERT INTO calendar_days (date, kind, name)
         SELECT x.date, x.kind, x.name FROM jsonb_to_recordset($1::jsonb) AS x(date date, kind text, name text)`,
        [JSON.stringify(seed.days)],
      );
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

  async workingHours(tx: Tx = this.dataSource.manager): Promise<(WorkingHoursRow & { version: number }) | null> {
    const rows: { version: number; weekdays: number[]; periods: [string, string][] }[] = await tx.query(
      `SELECT version, weekdays, periods FROM calendar_settings WHERE id = 1`,
    );
    return rows[0] ?? null;
  }

  async setWorkingHours(tx: Tx, hours: WorkingHoursRow, actorUserId: string | null): Promise<void> {
    await tx.query(
      `UPDATE calendar_settings SET weekdays = $1, periods = $2, updated_at = now(), updated_by = $3 WHERE id = 1`,
      [hours.weekdays, JSON.stringify(hours.periods), actorUserId],
    );
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

  async upsertDay(tx: Tx, day: CalendarDayRow, actorUserId: string | null): Promise<void> {
    await tx.query(
      `INSERT INTO calendar_days (date, kind, name, updated_at, updated_by) VALUES ($1, $2, $3, now(), $4)
       ON CONFLICT (date) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name,
         updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [day.date, day.kind, day.name, actorUserId],
    );
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
