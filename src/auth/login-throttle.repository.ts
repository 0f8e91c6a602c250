import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Brute-force throttling state in PostgreSQL (not Redis: Redis holds queues only, and a lost
 * counter must not reopen the door). One row per key; the window restarts after it expires.
 */
@Injectable()
export class LoginThrottleRepository {
  constructor(private readonly dataSource: DataSource) {}

  async lockedUntil(keys: string[], now: Date): Promise<Date | null> {
    const rows: { locked_until: Date }[] = await this.dataSource.query(
      `SELECT locked_until FROM login_throttle WHERE key = ANY($1) AND locked_until > $2 ORDER BY locked_until DESC LIMIT 1`,
      [keys, now],
    );
    return rows[0]?.locked_until ?? null;
  }

  /** Counts one failure under each key; locks a key once it reaches its limit within the window. */
  async recordFailure(entries: { key: string; max: number }[], now: Date, windowSeconds: number): Promise<void> {
    for (const { key, max } of entries) {
      await this.dataSource.query(
        `INSERT INTO login_throttle AS t (key, failures, window_started_at, locked_until)
         VALUES ($1, 1, $2, CASE WHEN 1 >= $3 THEN $2::timestamptz + make_interval(secs => $4) END)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN t.window_started_at + make_interval(secs => $4) <= $2 THEN 1 ELSE t.failures + 1 END,
           window_started_at = CASE WHEN t.window_started_at + make_interval(secs => $4) <= $2 THEN $2 ELSE t.window_started_at END,
           locked_until = CASE
             WHEN (CASE WHEN t.window_started_at + make_interval(secs => $4) <= $2 THEN 1 ELSE t.failures + 1 END) >= $3
             THEN $2::timestamptz + make_interval(secs => $4) ELSE t.locked_until END`,
        [key, now, max, windowSeconds],
      );
    }
  }

  async clear(key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_throttle WHERE key = $1`, [key]);
  }
}
