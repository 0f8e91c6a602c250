import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transparency and leadership (issue 17): closed reporting periods with their frozen snapshots,
 * the adjustments a later change would have made to a closed period's figures, the verdict of
 * answered feedback (upheld or not), and the in-app alert of a leader's directive comment.
 */
export class TransparencyClosedPeriods1765800000000 implements MigrationInterface {
  name = 'TransparencyClosedPeriods1765800000000';

  async up(q: QueryRunner): Promise<void> {
    // The alert kinds allowed so far (other changes may have added some), plus directive_comment.
    const [{ def }]: { def: string }[] = await q.query(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'alerts_kind_check'`,
    );
    const kinds = new Set([...def.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]));
    kinds.add('directive_comment');
    await q.query(`ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check`);
    await q.query(
      `ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN (${[...kinds].map((k) => `'${k}'`).join(', ')}))`,
    );

    // Answering feedback records whether it was upheld (the officials' annual record).
    await q.query(`ALTER TABLE dossier_feedback ADD COLUMN upheld boolean`);

    // A closed period: one row per version; at most one version of a period is closed at a time.
    await q.query(`
      CREATE TABLE report_periods (
        period text NOT NULL,
        version integer NOT NULL CHECK (version >= 1),
        from_date date NOT NULL,
        to_date date NOT NULL,
        status text NOT NULL CHECK (status IN ('closed', 'reopened')),
        hash text NOT NULL,
        snapshot jsonb NOT NULL,
        closed_by uuid NOT NULL REFERENCES users(id),
        closed_at timestamptz NOT NULL,
        reopened_by uuid REFERENCES users(id),
        reopened_at timestamptz,
        reopen_reason text,
        PRIMARY KEY (period, version),
        CHECK ((status = 'reopened') = (reopened_at IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX report_periods_closed_uidx ON report_periods (period) WHERE status = 'closed'`);
    await q.query(
      `CREATE INDEX report_periods_bounds_idx ON report_periods (from_date, to_date) WHERE status = 'closed'`,
    );

    await q.query(`
      CREATE TABLE period_adjustments (
        id bigserial PRIMARY KEY,
        period text NOT NULL,
        version integer NOT NULL,
        dossier_id uuid NOT NULL,
        dossier_code text NOT NULL,
        unit_id uuid NOT NULL,
        figure text NOT NULL,
        delta integer NOT NULL CHECK (delta <> 0),
        cause_action text NOT NULL,
        cause_at timestamptz,
        cause_actor uuid,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (period, version) REFERENCES report_periods (period, version)
      )`);
    await q.query(`CREATE INDEX period_adjustments_period_idx ON period_adjustments (period, version, id)`);
    // The corrections report (leaders' tools) reads deadline corrections by instant.
    await q.query(
      `CREATE INDEX dossier_events_corrections_idx ON dossier_events (at) WHERE action = 'correct_deadline'`,
    );

    /*
     * What a change of a dossier row does to the form-06a figures of every closed period: the
     * dossier's contributions (report_contributions, the same function the reports sum) read with
     * each period's bounds, old row subtracted from new. Nonzero differences are the adjustments,
     * with their cause: "import" or "calendar" when the writer said so (sla.change_cause, set for
     * its transaction), else the dossier's latest event. Nothing is done while no period is closed.
     */
    const adjust = (rows: string) => `
      INSERT INTO period_adjustments (period, version, dossier_id, dossier_code, unit_id, figure, delta, cause_action, cause_at, cause_actor)
      SELECT x.period, x.version, x.id, x.code, x.handling_unit_id, x.figure, x.delta,
             coalesce(nullif(current_setting('sla.change_cause', true), ''), ev.action, 'unknown'), ev.at, ev.actor_user_id
      FROM (
        SELECT p.period, p.version, c.id, c.code, c.handling_unit_id, m.figure, sum(c.sign * m.sign * c.n)::int AS delta
        FROM (${rows}) c
        JOIN (VALUES
          ('recv_online', 'receivedOnline', 1, 'in'), ('recv_direct', 'receivedDirect', 1, 'in'),
          ('open_n', 'carriedOver', 1, 'before'), ('res_early', 'resolvedEarly', 1, 'in'),
          ('res_on_time', 'resolvedOnTime', 1, 'in'), ('res_late', 'resolvedLate', 1, 'in'),
          ('wd_good', 'withdrawn', 1, 'in'), ('wd_late', 'withdrawn', 1, 'in'),
          ('open_n', 'inProgressWithin', 1, 'upto'), ('overdue_n', 'inProgressWithin', -1, 'upto'),
          ('overdue_n', 'inProgressOverdue', 1, 'upto')
        ) m (metric, figure, sign, span) ON m.metric = c.metric
        JOIN report_periods p ON p.status = 'closed' AND (
             (m.span = 'in' AND c.day BETWEEN p.from_date AND p.to_date)
          OR (m.span = 'before' AND c.day < p.from_date)
          OR (m.span = 'upto' AND c.day <= p.to_date))
        GROUP BY 1, 2, 3, 4, 5, 6
        HAVING sum(c.sign * m.sign * c.n) <> 0
      ) x
      LEFT JOIN LATERAL (
        SELECT e.action, e.at, e.actor_user_id FROM dossier_events e WHERE e.dossier_id = x.id ORDER BY e.seq DESC LIMIT 1
      ) ev ON true`;
    const rowsOf = (table: string, sign: number) =>
      `SELECT ${sign} AS sign, t.id, t.code, t.handling_unit_id, k.day, k.metric, k.n
       FROM ${table} t CROSS JOIN LATERAL report_contributions(t) k`;
    await q.query(`
      CREATE FUNCTION period_adjustments_updated() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM report_periods WHERE status = 'closed') THEN RETURN NULL; END IF;
        ${adjust(`${rowsOf('old_rows', -1)} UNION ALL ${rowsOf('new_rows', 1)}`)};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION period_adjustments_inserted() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM report_periods WHERE status = 'closed') THEN RETURN NULL; END IF;
        ${adjust(rowsOf('new_rows', 1))};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER dossiers_period_adjust_update AFTER UPDATE ON dossiers
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION period_adjustments_updated()`);
    await q.query(`
      CREATE TRIGGER dossiers_period_adjust_insert AFTER INSERT ON dossiers REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION period_adjustments_inserted()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER dossiers_period_adjust_insert ON dossiers`);
    await q.query(`DROP TRIGGER dossiers_period_adjust_update ON dossiers`);
    await q.query(`DROP FUNCTION period_adjustments_inserted()`);
    await q.query(`DROP FUNCTION period_adjustments_updated()`);
    await q.query(`DROP INDEX dossier_events_corrections_idx`);
    await q.query(`DROP TABLE period_adjustments`);
    await q.query(`DROP TABLE report_periods`);
    await q.query(`ALTER TABLE dossier_feedback DROP COLUMN upheld`);
    await q.query(`DELETE FROM alerts WHERE kind = 'directive_comment'`);
    const [{ def }]: { def: string }[] = await q.query(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'alerts_kind_check'`,
    );
    const kinds = [...def.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]).filter((k) => k !== 'directive_comment');
    await q.query(`ALTER TABLE alerts DROP CONSTRAINT alerts_kind_check`);
    await q.query(
      `ALTER TABLE alerts ADD CONSTRAINT alerts_kind_check CHECK (kind IN (${kinds.map((k) => `'${k}'`).join(', ')}))`,
    );
  }
}
