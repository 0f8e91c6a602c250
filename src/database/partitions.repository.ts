import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface PartitionInfo {
  table: string;
  partition: string;
  /** Null for the DEFAULT partition. */
  from: Date | null;
  to: Date | null;
}

export interface RetentionOutcome {
  partition: string;
  action: 'dropped' | 'kept' | 'deleted';
  reason: string | null;
}

/**
 * The monthly partitions of the append-only tables (migration 1766300000000-partitioned-ledgers):
 * partition_create_month() and partition_retention() do the work in SQL, each in one transaction.
 * Both take locks on the parent tables: a short lock_timeout makes a busy moment fail the attempt
 * (retried at the next tick) instead of queueing every writer behind the DDL.
 */
@Injectable()
export class PartitionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates the local month starting at `month` for every partitioned table lacking it; the partitions made. */
  async createMonth(month: Date, lockTimeoutMs = 5000): Promise<string[]> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
      const rows: { p: string }[] = await m.query(`SELECT partition_create_month($1) AS p`, [month]);
      return rows.map((r) => r.p);
    });
  }

  /**
   * Drops the ledgers' partitions whose whole month is before `cutoff` (null: none), and the emptied
   * months of report_deltas before `drainedBefore` (see partition_retention()).
   */
  async applyRetention(cutoff: Date | null, drainedBefore: Date, lockTimeoutMs = 5000): Promise<RetentionOutcome[]> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
      const rows: { partition_name: string; action: RetentionOutcome['action']; reason: string | null }[] =
        await m.query(`SELECT partition_name, action, reason FROM partition_retention($1, $2)`, [
          cutoff,
          drainedBefore,
        ]);
      return rows.map((r) => ({ partition: r.partition_name, action: r.action, reason: r.reason }));
    });
  }

  /** Every partition of the partitioned tables, with its bounds, in order. */
  async list(): Promise<PartitionInfo[]> {
    const rows: { table: string; partition: string; bound: string }[] = await this.dataSource.query(
      `SELECT t.table_name AS table, c.relname::text AS partition, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM partitioned_tables t JOIN pg_inherits i ON i.inhparent = t.table_name::regclass
       JOIN pg_class c ON c.oid = i.inhrelid ORDER BY t.position, c.relname`,
    );
    return rows.map((r) => {
      const m = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(r.bound);
      return {
        table: r.table,
        partition: r.partition,
        from: m ? new Date(m[1].replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')) : null,
        to: m ? new Date(m[2].replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')) : null,
      };
    });
  }
}
