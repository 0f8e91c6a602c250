import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { localMonthStart } from '../../src/database/partition-months';
import { PartitionsRepository } from '../../src/database/partitions.repository';
import { DossierRow, DossiersRepository } from '../../src/dossiers/dossiers.repository';
import { IntegrationsRepository } from '../../src/integrations/integrations.repository';
import { PortalSyncRepository } from '../../src/portal-sync/portal-sync.repository';
import { CitizensRepository } from '../../src/public/citizens.repository';
import { DeliveryRepository } from '../../src/sla/delivery/delivery.repository';
import { ReadReplicas } from '../../src/database/read-replicas';
import { Api, startApi } from '../support/http';
import { waitFor } from '../support/processes';
import { buildProvince, intakeBody, Province } from '../support/province';

/**
 * The event log across its monthly partitions (migration 1766840000000): one sequence per dossier
 * enforced by the database whatever months the rows go to, and reads of one dossier's events that
 * the planner prunes to the partitions from its created_at's month on.
 */

const INSERT = `INSERT INTO dossier_events (dossier_id, seq, action, at, to_status, recorded_at)
                VALUES ($1, $2, 'comment', now(), 'received', coalesce($3::timestamptz, now()))`;

interface PlanNode {
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Every dossier_events partition a plan reads. */
function partitionsRead(plan: PlanNode): string[] {
  const out = new Set<string>();
  const walk = (n: PlanNode) => {
    if (n['Relation Name']?.startsWith('dossier_events')) out.add(n['Relation Name']);
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(plan);
  return [...out].sort();
}

describe('the event log across monthly partitions', () => {
  let api: Api;
  let p: Province;
  let ds: DataSource;
  let repo: DossiersRepository;
  const clients: Client[] = [];

  const intake = async (): Promise<DossierRow> => {
    const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    expect(res.status).toBe(201);
    return (await repo.findById(res.body.id as string))!;
  };
  const connect = async () => {
    const c = new Client({ connectionString: api.env.DATABASE_URL });
    await c.connect();
    clients.push(c);
    return c;
  };
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (e: { code?: string; constraint?: string }) => ({ code: e.code, constraint: e.constraint }),
    );
  /** A local instant inside the month `k` months after the current one. */
  const inMonth = (k: number) => new Date(localMonthStart(new Date(), k).getTime() + 86_400_000);
  const seqs = async (id: string) =>
    (await ds.query(
      `SELECT seq, tableoid::regclass::text AS part FROM dossier_events WHERE dossier_id = $1 ORDER BY seq, part`,
      [id],
    )) as {
      seq: number;
      part: string;
    }[];

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    ds = api.app.get(DataSource);
    repo = api.app.get(DossiersRepository);
  });
  afterAll(async () => {
    for (const c of clients) await c.end();
    await api.close();
  });

  it('refuses the same seq from a concurrent transaction writing it into another month: the second waits, then fails', async () => {
    const d = await intake();
    const a = await connect();
    const b = await connect();
    await a.query('BEGIN');
    await b.query('BEGIN');
    await a.query(INSERT, [d.id, 2, null]);
    const bPid = (await b.query(`SELECT pg_backend_pid() AS pid`)).rows[0].pid as number;
    // Next month's partition: the per-partition primary key cannot see A's row.
    const second = failure(b.query(INSERT, [d.id, 2, inMonth(1)]));
    await waitFor(
      async () =>
        (await ds.query(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [bPid]))[0]?.wait_event_type ===
        'Lock'
          ? true
          : null,
      20_000,
      'the second transaction waiting for the first',
    );
    await a.query('COMMIT');
    expect(await second).toEqual({ code: '23505', constraint: 'dossier_events_seq_next' });
    await b.query('ROLLBACK');
    expect((await seqs(d.id)).map((r) => r.seq)).toEqual([1, 2]);
    expect(await ds.query(`SELECT last_seq FROM dossier_event_heads WHERE dossier_id = $1`, [d.id])).toEqual([
      { last_seq: 2 },
    ]);
  });

  it('lets the waiting transaction through when the first one rolls back', async () => {
    const d = await intake();
    const a = await connect();
    const b = await connect();
    await a.query('BEGIN');
    await b.query('BEGIN');
    await a.query(INSERT, [d.id, 2, null]);
    const bPid = (await b.query(`SELECT pg_backend_pid() AS pid`)).rows[0].pid as number;
    const second = failure(b.query(INSERT, [d.id, 2, inMonth(1)]));
    await waitFor(
      async () =>
        (await ds.query(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [bPid]))[0]?.wait_event_type ===
        'Lock'
          ? true
          : null,
      20_000,
      'the second transaction waiting for the first',
    );
    await a.query('ROLLBACK');
    expect(await second).toBeNull();
    await b.query('COMMIT');
    const rows = await seqs(d.id);
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
    expect(rows[1].part).not.toBe(rows[0].part);
  });

  it('refuses a duplicate in another month, a gap, and a repeated seq within one statement', async () => {
    const d = await intake();
    const refused = { code: '23505', constraint: 'dossier_events_seq_next' };
    // seq 1 again, in a month whose partition has no seq 1 of this dossier.
    expect(await failure(ds.query(INSERT, [d.id, 1, inMonth(2)]))).toEqual(refused);
    // A gap: 3 after 1.
    expect(await failure(ds.query(INSERT, [d.id, 3, null]))).toEqual(refused);
    // Two rows with seq 2 in one statement, in two months.
    expect(
      await failure(
        ds.query(
          `INSERT INTO dossier_events (dossier_id, seq, action, at, to_status, recorded_at)
           VALUES ($1, 2, 'comment', now(), 'received', now()), ($1, 2, 'comment', now(), 'received', $2)`,
          [d.id, inMonth(1)],
        ),
      ),
    ).toEqual(refused);
    // The next seqs, several in one statement and across months, are accepted.
    await ds.query(
      `INSERT INTO dossier_events (dossier_id, seq, action, at, to_status, recorded_at)
       VALUES ($1, 2, 'comment', now(), 'received', now()), ($1, 3, 'comment', now(), 'received', $2)`,
      [d.id, inMonth(1)],
    );
    expect((await seqs(d.id)).map((r) => r.seq)).toEqual([1, 2, 3]);
    // The live path continues from there (the projection's version is behind: the API refuses, it does not fork).
    expect(await ds.query(`SELECT last_seq FROM dossier_event_heads WHERE dossier_id = $1`, [d.id])).toEqual([
      { last_seq: 3 },
    ]);
  });

  it("keeps every head equal to its dossier's last seq through the API's writes (intake, actions, import)", async () => {
    const d = await intake();
    const fwd = await api.request('POST', `/dossiers/${d.id}/actions/forward`, {
      token: p.tokens.clerk,
      body: { expectedVersion: 1 },
    });
    expect(fwd.status).toBe(200);
    const imported = await api.request('POST', '/imports/dossiers', {
      token: p.admin,
      body: {
        dossiers: [{ ...intakeBody(), code: 'H15.50-250310-0077', receivedAt: '2025-03-10T02:00:00.000Z', events: [] }],
      },
    });
    expect(imported.body).toMatchObject({ imported: 1, failed: [] });
    const off = await ds.query(
      `SELECT d.id FROM dossiers d LEFT JOIN dossier_event_heads h ON h.dossier_id = d.id
       WHERE h.last_seq IS DISTINCT FROM (SELECT max(seq) FROM dossier_events e WHERE e.dossier_id = d.id)`,
    );
    expect(off).toEqual([]);
    expect((await ds.query(`SELECT count(*)::int AS n FROM dossier_event_heads`))[0].n).toBeGreaterThan(1);
  });

  it("refuses a source item's identity stored twice for a dossier, in another month or within one statement", async () => {
    const d = await intake();
    const other = await intake();
    const refused = { code: '23505', constraint: 'dossier_events_external_once' };
    const withId = `INSERT INTO dossier_events (dossier_id, seq, action, at, to_status, recorded_at, external_id)
                    VALUES ($1, $2, 'comment', now(), 'received', coalesce($3::timestamptz, now()), $4)`;
    await ds.query(withId, [d.id, 2, null, 'item-1']);
    // The same identity next month: the partition's own unique index cannot see this month's row.
    expect(await failure(ds.query(withId, [d.id, 3, inMonth(1), 'item-1']))).toEqual(refused);
    // Two rows with one identity in one statement, in two months.
    expect(
      await failure(
        ds.query(
          `INSERT INTO dossier_events (dossier_id, seq, action, at, to_status, recorded_at, external_id)
           VALUES ($1, 3, 'comment', now(), 'received', now(), 'item-2'), ($1, 4, 'comment', now(), 'received', $2, 'item-2')`,
          [d.id, inMonth(1)],
        ),
      ),
    ).toEqual(refused);
    // Another identity next month, and the same identity on another dossier, are accepted.
    await ds.query(withId, [d.id, 3, inMonth(1), 'item-3']);
    await ds.query(withId, [other.id, 2, inMonth(1), 'item-1']);
    expect((await seqs(d.id)).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(
      (await ds.query(`SELECT external_id FROM dossier_events WHERE dossier_id = $1 ORDER BY seq`, [d.id])).map(
        (r: { external_id: string | null }) => r.external_id,
      ),
    ).toEqual([null, 'item-1', 'item-3']);
  });

  it("refuses an event recorded before its dossier's month, and a created_at moved later", async () => {
    const d = await intake();
    const month = localMonthStart(d.created_at);
    expect(await failure(ds.query(INSERT, [d.id, 2, new Date(month.getTime() - 1000)]))).toEqual({
      code: '23514',
      constraint: 'dossier_events_recorded_bound',
    });
    expect(
      await failure(ds.query(`UPDATE dossiers SET created_at = created_at + interval '40 days' WHERE id = $1`, [d.id])),
    ).toEqual({ code: '23514', constraint: 'dossiers_created_at_earlier_only' });
    await ds.query(`UPDATE dossiers SET created_at = created_at - interval '40 days' WHERE id = $1`, [d.id]);
    await ds.query(INSERT, [d.id, 2, new Date(month.getTime() - 1000)]);
    expect((await seqs(d.id)).map((r) => r.seq)).toEqual([1, 2]);
  });

  describe("reads of one dossier's events", () => {
    let old: DossierRow;
    let fresh: DossierRow;
    let all: string[];
    /** The partitions from `from`'s local month on, and DEFAULT. */
    let from: (at: Date) => string[];
    const plans: PlanNode[] = [];
    /** Runs the repository's own statements as EXPLAIN (FORMAT JSON), keeping the plans. */
    const explaining = {
      query: async (sql: string, params: unknown[] = []) => {
        const [row] = await ds.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
        plans.push((row['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan);
        return [];
      },
    };
    const planOf = async (read: () => Promise<unknown>) => {
      plans.length = 0;
      await read();
      expect(plans).toHaveLength(1);
      return partitionsRead(plans[0]);
    };

    beforeAll(async () => {
      const partitions = new PartitionsRepository(ds);
      for (let m = 1; m <= 12; m++) await partitions.createMonth(new Date(Date.UTC(2025, m - 1, 15)));
      // A dossier created in June 2025 (an older created_at is allowed), with events in three months.
      const d = await intake();
      await ds.query(`UPDATE dossiers SET created_at = '2025-06-15T03:00:00Z' WHERE id = $1`, [d.id]);
      await ds.query(INSERT, [d.id, 2, '2025-07-10T03:00:00Z']);
      await ds.query(INSERT, [d.id, 3, '2025-09-10T03:00:00Z']);
      old = (await repo.findById(d.id))!;
      fresh = await intake();
      all = (await partitions.list()).filter((x) => x.table === 'dossier_events').map((x) => x.partition);
      from = (at: Date) => {
        const local = new Date(localMonthStart(at).getTime() + 7 * 3_600_000 + 1);
        const first = `dossier_events_p${local.getUTCFullYear()}_${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
        return all.filter((x) => x === 'dossier_events_default' || x >= first).sort();
      };
    });

    it('gives the same events as the unbounded read, from three months', async () => {
      const unbounded = `SELECT dossier_id, seq, action, at, actor_user_id, from_status, to_status, payload, external_id
                         FROM dossier_events WHERE dossier_id = $1 ORDER BY at, seq`;
      for (const d of [old, fresh]) expect(await repo.events(d)).toEqual(await ds.query(unbounded, [d.id]));
      expect((await repo.events(old)).length).toBe(3);
      expect(new Set((await seqs(old.id)).map((r) => r.part)).size).toBe(3);
      const both = await ds.transaction((m) => repo.eventsOf(m, [old, fresh]));
      expect(both.get(old.id)).toEqual(
        await ds.query(`${unbounded.replace('ORDER BY at, seq', 'ORDER BY seq')}`, [old.id]),
      );
      expect(both.get(fresh.id)).toHaveLength(1);
    });

    it('plans only the partitions from the dossier creation month on (EXPLAIN of the repositories’ statements)', async () => {
      const since2025 = from(old.created_at);
      const sinceNow = from(fresh.created_at);
      // The months before June 2025 exist and are left out.
      expect(all).toEqual(expect.arrayContaining(['dossier_events_p2025_01', 'dossier_events_p2025_05']));
      expect(since2025).not.toContain('dossier_events_p2025_05');
      expect(since2025).toContain('dossier_events_p2025_06');
      expect(sinceNow.length).toBeLessThan(since2025.length);
      const m = explaining as unknown as EntityManager;

      expect(await planOf(() => repo.events(old, m))).toEqual(since2025);
      expect(await planOf(() => repo.events(fresh, m))).toEqual(sinceNow);
      expect(await planOf(() => repo.eventByExternalId(m, fresh, 'x'))).toEqual(sinceNow);
      // A batch: from the earliest dossier's month.
      expect(await planOf(() => repo.eventsOf(m, [fresh, old]))).toEqual(since2025);
      expect(await planOf(() => repo.eventsOf(m, [fresh]))).toEqual(sinceNow);
      const integrations = new IntegrationsRepository(ds);
      expect(await planOf(() => integrations.eventsOf(m, [fresh.id], fresh.created_at))).toEqual(sinceNow);
      // The portal sync and the public lookup read through their own DataSource.
      const sync = new PortalSyncRepository(explaining as unknown as DataSource);
      expect(await planOf(() => sync.events(fresh, 0, 5))).toEqual(sinceNow);
      expect(await planOf(() => sync.result(old))).toEqual(since2025);
      const citizens = new CitizensRepository(explaining as unknown as DataSource, api.app.get(ReadReplicas));
      expect(await planOf(() => citizens.lastEvent(fresh, 'request_supplement'))).toEqual(sinceNow);

      // Without the bound, every partition.
      plans.length = 0;
      await explaining.query(`SELECT * FROM dossier_events WHERE dossier_id = $1 ORDER BY at, seq`, [fresh.id]);
      expect(partitionsRead(plans[0])).toEqual([...all].sort());
    });

    it('prunes at run time where the bound comes from the joined dossier (the directive comment of an alert)', async () => {
      const [alert] = await ds.query(
        `INSERT INTO alerts (kind, dossier_id, unit_id, deadline_at, created_at)
         SELECT 'directive_comment', id, handling_unit_id, now(), now() FROM dossiers WHERE id = $1 RETURNING id`,
        [fresh.id],
      );
      const captured: { sql: string; params: unknown[] }[] = [];
      const delivery = new DeliveryRepository({
        query: async (sql: string, params: unknown[]) => {
          captured.push({ sql, params });
          return [];
        },
      } as unknown as DataSource);
      await delivery.alertContext(alert.id as string);
      const [{ 'QUERY PLAN': out }] = await ds.query(
        `EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) ${captured[0].sql}`,
        captured[0].params,
      );
      const executed = new Set<string>();
      const planned = new Set<string>();
      const walk = (n: PlanNode & { 'Actual Loops'?: number }) => {
        const r = n['Relation Name'];
        if (r?.startsWith('dossier_events')) {
          planned.add(r);
          if ((n['Actual Loops'] ?? 0) > 0) executed.add(r);
        }
        for (const c of n.Plans ?? []) walk(c);
      };
      walk(out[0].Plan);
      expect(planned.size).toBe(all.length);
      expect([...executed].sort()).toEqual(from(fresh.created_at));
      expect(executed.size).toBeLessThan(planned.size);
    });
  });

  // Last: it leaves 1,500 copies of a dossier (events cannot be deleted).
  it("plans its triggers' lookups per dossier, whatever the first batch of events on the connection (migration 1766980000000)", async () => {
    const d = await intake();
    const copies = 1500;
    await ds.query(
      `INSERT INTO dossiers
       SELECT (jsonb_populate_record(x, jsonb_build_object('id', gen_random_uuid(), 'code', x.code || '-' || g))).*
       FROM dossiers x, generate_series(1, $2) g WHERE x.id = $1`,
      [d.id, copies],
    );
    await ds.query(
      `INSERT INTO dossier_events (dossier_id, seq, action, at, to_status)
       SELECT id, 1, 'intake', now(), 'received' FROM dossiers WHERE code LIKE $1 || '-%'`,
      [d.code],
    );
    await ds.query(`ANALYZE dossiers`);
    // A fresh connection whose first insert of events is a batch of every copy (rolled back: the
    // plans its triggers made stay), then one event: the plans of that one, printed by auto_explain.
    const c = await connect();
    const plans: string[] = [];
    c.on('notice', (n) => {
      if (n.message?.includes('Query Text:')) plans.push(n.message);
    });
    await c.query(`LOAD 'auto_explain'`);
    await c.query(`SET auto_explain.log_level = 'notice'`);
    await c.query(`SET auto_explain.log_nested_statements = on`);
    const insert = (filter: string, params: unknown[]) =>
      c.query(
        `INSERT INTO dossier_events (dossier_id, seq, action, at, to_status, external_id)
         SELECT id, 2, 'comment', now(), 'received', 'item:' || id FROM dossiers WHERE ${filter}`,
        params,
      );
    await c.query('BEGIN');
    expect((await insert(`code LIKE $1 || '-%'`, [d.code])).rowCount).toBe(copies);
    await c.query('ROLLBACK');
    await c.query(`SET auto_explain.log_min_duration = 0`);
    await c.query('BEGIN');
    expect((await insert(`code = $1 || '-1'`, [d.code])).rowCount).toBe(1);
    await c.query('ROLLBACK');
    const of = (head: string) => plans.filter((x) => x.includes(`Query Text: ${head}`));
    const enqueue = of('INSERT INTO portal_sync');
    const external = of('SELECT n.dossier_id, n.external_id');
    expect(enqueue).toHaveLength(1);
    expect(external).toHaveLength(1);
    for (const plan of [...enqueue, ...external]) {
      expect(plan).not.toMatch(/Hash (Semi |Left |)Join|Seq Scan on dossiers/);
      expect(plan).toMatch(/Index Scan using dossiers_pkey on dossiers/);
    }
    // The probe for an earlier event with the same identity uses both columns of its index.
    expect(external[0]).toMatch(/Index Cond: \(\(dossier_id = n\.dossier_id\) AND \(external_id = n\.external_id\)\)/);
  });
});
