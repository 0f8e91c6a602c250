import pino from 'pino';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { PartitionedLedgers1766300000000 } from '../../migrations/1766300000000-partitioned-ledgers';
import { EventSequenceHeads1766840000000 } from '../../migrations/1766840000000-event-sequence-heads';
import { EventPayloadStatistics1766960000000 } from '../../migrations/1766960000000-event-payload-statistics';
import type { Clock } from '../../src/common/clock';
import type { AppConfig } from '../../src/config/app-config';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { localMonthStart } from '../../src/database/partition-months';
import { PartitionsMaintainHandler } from '../../src/database/partitions-maintain.handler';
import { PartitionsRepository } from '../../src/database/partitions.repository';
import { Api, startApi } from '../support/http';
import { Proc, startProcess, waitFor } from '../support/processes';
import { buildProvince, intakeBody, Province } from '../support/province';
import { testEnv } from '../support/test-env';

const TABLES = ['dossier_events', 'report_deltas', 'alerts', 'alert_deliveries'];

/** "_pYYYY_MM" of the local month holding `at`. */
const suffix = (at: Date) => {
  const local = new Date(localMonthStart(at).getTime() + 7 * 3_600_000 + 1);
  return `_p${local.getUTCFullYear()}_${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
};

interface Entry {
  kind: string;
  table: string;
  name: string;
  def: string;
}

/** Columns, indexes, constraints and triggers of the four tables, as the catalog gives them. */
async function schemaOf(c: Client | DataSource): Promise<Entry[]> {
  const sql = `
    SELECT 'column' AS kind, a.attrelid::regclass::text AS table, a.attname::text AS name,
           format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
             || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') AS def
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid::regclass::text = ANY ($1) AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'index', x.indrelid::regclass::text, i.relname::text, replace(pg_get_indexdef(x.indexrelid), ' ON ONLY ', ' ON ')
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid::regclass::text = ANY ($1)
    UNION ALL
    SELECT 'constraint', conrelid::regclass::text, conname::text, pg_get_constraintdef(oid)
    FROM pg_constraint WHERE conrelid::regclass::text = ANY ($1) AND conparentid = 0
    UNION ALL
    SELECT 'trigger', tgrelid::regclass::text, tgname::text, pg_get_triggerdef(oid)
    FROM pg_trigger WHERE tgrelid::regclass::text = ANY ($1) AND NOT tgisinternal
    ORDER BY 1, 2, 3`;
  const rows = c instanceof DataSource ? await c.query(sql, [TABLES]) : (await c.query(sql, [TABLES])).rows;
  return rows as Entry[];
}

/** A database with nothing in it, on the test server. */
async function emptyDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `t_part_${process.pid}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const key = (e: Entry) => `${e.kind} ${e.table}.${e.name}`;
/** An index definition without its name and table (partitions name their copies themselves). */
const shape = (def: string) => def.replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+ /, 'CREATE $1INDEX ON t ');

describe('monthly partitions of the append-only tables', () => {
  let api: Api;
  let p: Province;
  let ds: DataSource;
  let repo: PartitionsRepository;
  /** The partition suffix of the late import's overdue month (test 4 checks retention leaves it). */
  let lateMonth = '';

  const maintain = (now: Date, retentionMonths = 0) =>
    new PartitionsMaintainHandler(
      repo,
      { now: () => now } as Clock,
      { LEDGER_RETENTION_MONTHS: retentionMonths } as AppConfig,
      pino({ level: 'silent' }),
    ).handle({});
  const partitionsOf = async (table: string): Promise<string[]> =>
    (await repo.list()).filter((x) => x.table === table).map((x) => x.partition);
  const whereIs = async (table: string, where: string, params: unknown[]): Promise<string[]> =>
    (await ds.query(`SELECT tableoid::regclass::text AS p FROM ${table} WHERE ${where} ORDER BY 1`, params)).map(
      (r: { p: string }) => r.p,
    );

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    ds = api.app.get(DataSource);
    repo = new PartitionsRepository(ds);
  });
  afterAll(() => api.close());

  it('keeps every column, index, key, constraint, trigger and foreign key, and its down migration restores them', async () => {
    // A database migrated up to the migration before this one, with rows in all four tables.
    const db = await emptyDatabase();
    const options = dataSourceOptions(db.url, 2);
    // Every other migration is applied first (the tables as the latest ones shape them), except those
    // that build on the partitioned tables (1766840000000 needs partition_month()).
    const before = new DataSource({
      ...options,
      migrations: MIGRATIONS.filter(
        (m) =>
          m !== PartitionedLedgers1766300000000 &&
          m !== EventSequenceHeads1766840000000 &&
          m !== EventPayloadStatistics1766960000000,
      ),
    });
    await before.initialize();
    try {
      await before.runMigrations();
      const original = await schemaOf(before);
      await before.query(`
        INSERT INTO units (code, name) VALUES ('U1', 'Đơn vị 1');
        INSERT INTO procedures (code, current_version) VALUES ('P1', 1);
        INSERT INTO dossiers (code, procedure_id, procedure_version, procedure_code, receiving_unit_id, handling_unit_id,
          unit_ids, channel, status, version, received_at, clock_start, last_due_at, applicant, lookup_key_hash, state, calendar_version)
        SELECT 'D' || i, (SELECT id FROM procedures), 1, 'P1', u.id, u.id, ARRAY[u.id], 'direct', 'received', 1,
          '2025-01-05T03:00:00Z'::timestamptz + i * interval '20 days', now(), now(), '{}', 'x', '{}', 1
        FROM generate_series(1, 30) i, units u`);
      await before.query(`ALTER TABLE dossier_events DISABLE TRIGGER USER`);
      await before.query(`
        INSERT INTO dossier_events (dossier_id, seq, action, at, recorded_at, to_status)
        SELECT id, 1, 'intake', received_at, received_at, 'received' FROM dossiers`);
      await before.query(`ALTER TABLE dossier_events ENABLE TRIGGER USER`);
      await before.query(`
        WITH a AS (INSERT INTO alerts (kind, dossier_id, unit_id, deadline_at)
                   SELECT 'overdue', id, handling_unit_id, received_at + interval '10 days' FROM dossiers RETURNING id)
        INSERT INTO alert_deliveries (alert_id, channel, target) SELECT id, 'webhook', 'w' FROM a`);
      const count = async () =>
        (
          await before.query(
            `SELECT (SELECT count(*) FROM dossier_events)::int AS e, (SELECT count(*) FROM alerts)::int AS a,
                    (SELECT count(*) FROM alert_deliveries)::int AS d, (SELECT count(*) FROM report_deltas)::int AS r`,
          )
        )[0];
      const rows = await count();
      expect(rows).toMatchObject({ e: 30, a: 30, d: 30 });

      await before.destroy();
      const after = new DataSource({
        ...options,
        migrations: MIGRATIONS.filter(
          (m) => m !== EventSequenceHeads1766840000000 && m !== EventPayloadStatistics1766960000000,
        ),
      });
      await after.initialize();
      try {
        expect((await after.runMigrations()).map((m) => m.name)).toEqual(['PartitionedLedgers1766300000000']);
        const partitioned = await schemaOf(after);
        const kinds: { relname: string; relkind: string }[] = await after.query(
          `SELECT relname::text, relkind::text FROM pg_class WHERE relname = ANY ($1) ORDER BY 1`,
          [TABLES],
        );
        expect(kinds.map((k) => k.relkind)).toEqual(['p', 'p', 'p', 'p']);
        // The rows are all there, each in the month of its partition key (a month per existing month).
        const moved = (
          await after.query(
            `SELECT (SELECT count(*) FROM dossier_events)::int AS e, (SELECT count(*) FROM alerts)::int AS a,
                    (SELECT count(*) FROM alert_deliveries)::int AS d, (SELECT count(*) FROM report_deltas)::int AS r,
                    (SELECT count(DISTINCT tableoid) FROM alerts)::int AS alert_months,
                    (SELECT count(*) FROM alerts_default)::int AS in_default`,
          )
        )[0];
        expect(moved).toMatchObject({ e: rows.e, a: rows.a, d: rows.d, r: rows.r, in_default: 0 });
        expect(moved.alert_months).toBeGreaterThan(12);

        const byKey = new Map(partitioned.map((e) => [key(e), e]));
        const localKeys: { table_name: string; local_keys: string[] }[] = await after.query(
          `SELECT table_name, local_keys FROM partitioned_tables`,
        );
        for (const e of original) {
          const now = byKey.get(key(e));
          if (e.kind === 'index' && e.table === 'dossier_events' && /UNIQUE/.test(e.def)) {
            // The event log's unique keys are kept on every partition (local keys).
            const parts: { p: string }[] = await after.query(
              `SELECT inhrelid::regclass::text AS p FROM pg_inherits WHERE inhparent = 'dossier_events'::regclass`,
            );
            expect(parts.length).toBeGreaterThan(12);
            for (const { p: part } of parts) {
              const defs: { def: string }[] = await after.query(
                `SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = $1::regclass`,
                [part],
              );
              expect({ part, defs: defs.map((d) => shape(d.def)) }).toEqual({
                part,
                defs: expect.arrayContaining([shape(e.def)]),
              });
            }
            expect(localKeys.find((l) => l.table_name === 'dossier_events')!.local_keys.length).toBe(2);
            continue;
          }
          if (e.kind === 'constraint' && e.table === 'dossier_events' && /^(PRIMARY KEY|UNIQUE)/.test(e.def)) continue;
          expect({ entry: key(e), present: !!now }).toEqual({ entry: key(e), present: true });
          const partitionKey = { alerts: 'deadline_at', alert_deliveries: 'alert_deadline_at' }[e.table];
          if (now!.def === e.def) continue;
          // A unique key of a ledger gains the partition column; the deliveries' foreign key names alerts' whole key.
          if (e.name === 'alert_deliveries_alert_id_fkey') {
            expect(now!.def).toBe('FOREIGN KEY (alert_id, alert_deadline_at) REFERENCES alerts(id, deadline_at)');
          } else {
            expect(['deadline_at', 'alert_deadline_at']).toContain(partitionKey);
            expect(now!.def.replace(`, ${partitionKey})`, ')')).toBe(e.def);
          }
        }
        // The new column, and nothing else new on the parents but the partition columns' use.
        expect(partitioned.filter((e) => !original.some((o) => key(o) === key(e))).map(key)).toEqual([
          'column alert_deliveries.alert_deadline_at',
        ]);

        // Down: exactly the schema it started from, with the same rows.
        await after.undoLastMigration();
        expect(await schemaOf(after)).toEqual(original);
        const back = (
          await after.query(
            `SELECT (SELECT count(*) FROM dossier_events)::int AS e, (SELECT count(*) FROM alerts)::int AS a,
                    (SELECT count(*) FROM alert_deliveries)::int AS d,
                    (SELECT count(*) FROM pg_class WHERE relname ~ '^(alerts|alert_deliveries|dossier_events|report_deltas)_(p\\d{4}_\\d{2}|default)$'
                       OR relname = 'partitioned_tables')::int
                    + (SELECT count(*) FROM pg_proc WHERE proname LIKE 'partition\\_%')::int AS left`,
          )
        )[0];
        expect(back).toEqual({ e: rows.e, a: rows.a, d: rows.d, left: 0 });
      } finally {
        await after.destroy();
      }
    } finally {
      if (before.isInitialized) await before.destroy();
      await db.drop();
    }
  });

  it('keeps the append-only rule, the keys and the portal outbox trigger working on the partitions', async () => {
    const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    expect(await whereIs('dossier_events', 'dossier_id = $1', [id])).toEqual([`dossier_events${suffix(new Date())}`]);
    // The statement trigger with its transition table still writes the portal's outbox.
    expect(await ds.query(`SELECT target_seq FROM portal_sync WHERE dossier_id = $1`, [id])).toEqual([
      { target_seq: 1 },
    ]);
    await expect(ds.query(`UPDATE dossier_events SET action = 'x' WHERE dossier_id = $1`, [id])).rejects.toThrow(
      /append-only/,
    );
    await expect(ds.query(`DELETE FROM dossier_events WHERE dossier_id = $1`, [id])).rejects.toThrow(/append-only/);
    const dup = `INSERT INTO dossier_events (dossier_id, seq, action, at, to_status) VALUES ($1, 1, 'intake', now(), 'received')`;
    await expect(ds.query(dup, [id])).rejects.toMatchObject({ code: '23505' });
    await expect(
      ds.query(
        `INSERT INTO dossier_events (dossier_id, seq, action, at, to_status) VALUES (gen_random_uuid(), 1, 'x', now(), 'x')`,
      ),
    ).rejects.toMatchObject({ code: '23503' });
    await expect(
      ds.query(
        `INSERT INTO alert_deliveries (alert_id, alert_deadline_at, channel, target) VALUES (gen_random_uuid(), now(), 'email', 'a@b')`,
      ),
    ).rejects.toMatchObject({ code: '23503' });
  });

  it('creates the current month and three ahead, once, and the worker does it on its tick', async () => {
    // The worker process, on its own tick and clock, re-creates a month ahead that is missing.
    const ahead = suffix(localMonthStart(new Date(), 3));
    for (const t of [...TABLES].reverse()) {
      await ds.query(`ALTER TABLE ${t} DETACH PARTITION ${t}${ahead}`);
      await ds.query(`DROP TABLE ${t}${ahead}`);
    }
    const env = testEnv(api.env.DATABASE_URL, { LOG_LEVEL: 'info', SWEEP_CRON: '* * * * * *' });
    const worker: Proc = startProcess('src/worker.js', env);
    try {
      await waitFor(() => /workers started/.test(worker.output()), 90_000, 'worker start');
      const made = await waitFor(
        async () => ((await partitionsOf('alert_deliveries')).includes(`alert_deliveries${ahead}`) ? true : null),
        30_000,
        'the month ahead re-created by the worker',
      );
      expect(made).toBe(true);
      for (const t of TABLES) expect(await partitionsOf(t)).toContain(`${t}${ahead}`);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }

    const now = new Date('2031-05-10T03:00:00Z');
    const first = await maintain(now);
    expect(first.created.sort()).toEqual(
      TABLES.flatMap((t) => ['2031_05', '2031_06', '2031_07', '2031_08'].map((m) => `${t}_p${m}`)).sort(),
    );
    expect((await maintain(now)).created).toEqual([]);
    // The event log's payload is left out of ANALYZE on every partition, old or made ahead (1766960000000).
    const targets: { p: string; t: number }[] = await ds.query(
      `SELECT a.attrelid::regclass::text AS p, a.attstattarget AS t FROM pg_attribute a
       JOIN pg_inherits i ON i.inhrelid = a.attrelid WHERE i.inhparent = 'dossier_events'::regclass AND a.attname = 'payload'`,
    );
    expect(targets.map((x) => x.p)).toContain('dossier_events_p2031_08');
    expect(targets.filter((x) => x.t !== 0)).toEqual([]);
    // A month ahead is a real partition: its rows go there, not to the DEFAULT partition.
    const [{ id }] = await ds.query(`SELECT id FROM dossiers LIMIT 1`);
    await ds.query(
      `INSERT INTO alerts (kind, dossier_id, unit_id, deadline_at) SELECT 'overdue', id, handling_unit_id, '2031-08-31T16:59:59Z'
       FROM dossiers WHERE id = $1`,
      [id],
    );
    expect(await whereIs('alerts', `deadline_at = '2031-08-31T16:59:59Z'`, [])).toEqual(['alerts_p2031_08']);
  }, 180_000);

  it('accepts late rows: an imported history of last year, and its overdue alerts, with no month left behind', async () => {
    const hook = await api.request('POST', '/webhooks', {
      token: p.admin,
      body: {
        url: 'https://hethong.example.gov.vn/hooks/sla',
        secret: 'a-very-secret-signing-key-1234',
        kinds: ['overdue'],
      },
    });
    expect(hook.status).toBe(201);
    const code = 'H15.50-250310-0001';
    const imported = await api.request('POST', '/imports/dossiers', {
      token: p.admin,
      body: { dossiers: [{ ...intakeBody(), code, receivedAt: '2025-03-10T02:00:00.000Z', events: [] }] },
    });
    expect(imported.body).toMatchObject({ imported: 1, failed: [] });
    const id = (await api.request('GET', `/dossiers?code=${code}`, { token: p.admin })).body.items[0].id as string;
    // Its history is stored in the month it arrived.
    expect(await whereIs('dossier_events', 'dossier_id = $1', [id])).toEqual([`dossier_events${suffix(new Date())}`]);

    // Overdue since March 2025, a month without a partition: the alert and its delivery go to DEFAULT.
    expect((await api.request('POST', '/sla/scan', { token: p.admin })).status).toBe(200);
    const [alert]: { id: string; deadline_at: Date }[] = await ds.query(
      `SELECT id, deadline_at FROM alerts WHERE dossier_id = $1 AND kind = 'overdue' AND recipient_user_id IS NULL`,
      [id],
    );
    expect(alert.deadline_at.getTime()).toBeLessThan(Date.parse('2025-05-01T00:00:00Z'));
    const month = suffix(alert.deadline_at);
    lateMonth = month;
    expect(await whereIs('alerts', 'id = $1', [alert.id])).toEqual(['alerts_default']);
    expect(await whereIs('alert_deliveries', 'alert_id = $1', [alert.id])).toEqual(['alert_deliveries_default']);
    const alerts = async () =>
      (await ds.query(`SELECT count(*)::int AS n FROM alerts WHERE dossier_id = $1`, [id]))[0].n as number;
    const n = await alerts();
    await api.request('POST', '/sla/scan', { token: p.admin });
    expect(await alerts()).toBe(n);

    // Creating that month moves its rows out of DEFAULT (both ledgers, the foreign key kept), and an
    // alert still fires once.
    const created = await repo.createMonth(alert.deadline_at);
    expect(created).toEqual(TABLES.map((t) => `${t}${month}`));
    expect(await whereIs('alerts', 'id = $1', [alert.id])).toEqual([`alerts${month}`]);
    expect(await whereIs('alert_deliveries', 'alert_id = $1', [alert.id])).toEqual([`alert_deliveries${month}`]);
    expect((await ds.query(`SELECT count(*)::int AS n FROM alerts_default WHERE dossier_id = $1`, [id]))[0].n).toBe(0);
    await ds.query(`UPDATE sla_scan_state SET scanned_until = '2020-01-01'`);
    await api.request('POST', '/sla/scan', { token: p.admin });
    expect(await alerts()).toBe(n);
  });

  it('drops the ledgers past the retention, keeping live rows, and never the events', async () => {
    const [{ id, unit }] = await ds.query(`SELECT id, handling_unit_id AS unit FROM dossiers LIMIT 1`);
    // January 2024: a closed alert whose delivery was sent; February 2024: an open alert, its delivery pending.
    for (const month of ['2024-01-15T00:00:00Z', '2024-02-15T00:00:00Z']) await repo.createMonth(new Date(month));
    await ds.query(
      `WITH a AS (
         INSERT INTO alerts (kind, dossier_id, unit_id, deadline_at, closed_at)
         VALUES ('escalated', $1, $2, '2024-01-15T00:00:00Z', '2024-01-20T00:00:00Z'), ('stalled', $1, $2, '2024-02-15T00:00:00Z', NULL)
         RETURNING id, deadline_at, closed_at)
       INSERT INTO alert_deliveries (alert_id, alert_deadline_at, channel, target, status)
       SELECT id, deadline_at, 'webhook', 'w', CASE WHEN closed_at IS NULL THEN 'pending' ELSE 'sent' END FROM a`,
      [id, unit],
    );
    // An old, closed alert of a month without a partition (it sits in DEFAULT).
    await ds.query(
      `INSERT INTO alerts (kind, dossier_id, unit_id, deadline_at, closed_at) VALUES ('due_soon', $1, $2, '2023-06-15T00:00:00Z', now())`,
      [id, unit],
    );
    const events = await partitionsOf('dossier_events');
    expect(events).toContain('dossier_events_p2024_01');

    // Retention off: no ledger or event month goes; the drained queue's emptied past months do.
    const off = (await maintain(new Date('2031-06-15T00:00:00Z'), 0)).retention;
    expect(off.filter((r) => !r.partition.startsWith('report_deltas_'))).toEqual([]);
    expect(off).toContainEqual({ partition: 'report_deltas_p2024_01', action: 'dropped', reason: null });
    // Not yet compacted: the current month's deltas (the intakes above) keep their partition.
    expect(off).toContainEqual({
      partition: `report_deltas${suffix(new Date())}`,
      action: 'kept',
      reason: 'not drained yet',
    });
    expect(await partitionsOf('alerts')).toContain('alerts_p2024_01');

    // Two years kept, seen from June 2026: every month before June 2024 is past it.
    const { retention } = await maintain(new Date('2026-06-15T00:00:00Z'), 24);
    const outcome = (part: string) => retention.find((r) => r.partition === part);
    expect(outcome('alert_deliveries_p2024_01')).toEqual({
      partition: 'alert_deliveries_p2024_01',
      action: 'dropped',
      reason: null,
    });
    expect(outcome('alerts_p2024_01')).toEqual({ partition: 'alerts_p2024_01', action: 'dropped', reason: null });
    expect(outcome('alert_deliveries_p2024_02')).toEqual({
      partition: 'alert_deliveries_p2024_02',
      action: 'kept',
      reason: 'live rows',
    });
    expect(outcome('alerts_p2024_02')).toEqual({ partition: 'alerts_p2024_02', action: 'kept', reason: 'live rows' });
    // The events' months never go.
    expect(retention.filter((r) => r.partition.startsWith('dossier_events'))).toEqual([]);
    expect(await partitionsOf('dossier_events')).toEqual(expect.arrayContaining(events));
    expect(await partitionsOf('alerts')).not.toContain('alerts_p2024_01');
    expect(await partitionsOf('alerts')).toContain('alerts_p2024_02');
    // Old closed rows in DEFAULT are deleted, the late import's open alert of 2025 is not touched.
    expect(outcome('alerts_default')).toMatchObject({ action: 'deleted' });
    expect(await ds.query(`SELECT count(*)::int AS n FROM alerts WHERE deadline_at < '2023-07-01'`)).toEqual([
      { n: 0 },
    ]);
    expect(await partitionsOf('alerts')).toContain(`alerts${lateMonth}`);
    // Months not past the retention are all there (May 2024 onwards).
    expect(await partitionsOf('alerts')).toContain(`alerts${suffix(new Date())}`);
  });
});
