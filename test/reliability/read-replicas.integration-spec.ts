import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { waitFor } from '../support/processes';
import { buildProvince, intakeBody, Province } from '../support/province';
import { testEnv } from '../support/test-env';
import { ApiProcess, http, OwnServices, socketApi } from './support';

const run = promisify(execFile);
const SERVICES = join(__dirname, '../../docker/services.sh');

/** Sum of a metric's samples whose labels match. */
function metric(text: string, name: string, labels: RegExp = /.*/): number {
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && labels.test(l))
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/**
 * A real PostgreSQL streaming replica (pg_basebackup -R from the suite's own primary) behind
 * DATABASE_READ_URL: lists, reports and lookups read from it; a user's reads after their own write
 * see that write on any API process; a lagging replica (replay paused) and a killed one are
 * skipped for the primary and shown in readiness and metrics.
 */
describe('read replicas (DATABASE_READ_URL)', () => {
  let services: OwnServices;
  let replicaDir: string;
  let replicaUrl: string;
  let replica: Client | null = null;
  let primary: Client;
  const apis: ApiProcess[] = [];
  let strict: ApiProcess;
  let p: Province;
  // Local days around the suite's start: a run that crosses midnight still counts every dossier it
  // received in one window (a window of today alone would lose them at 00:00).
  const localDay = (offsetDays: number) =>
    new Date(Date.now() + 7 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
  const period = `from=${localDay(-1)}&to=${localDay(1)}`;

  async function replicaClient(): Promise<Client> {
    if (!replica) {
      replica = new Client({ connectionString: replicaUrl });
      replica.on('error', () => undefined);
      await replica.connect();
    }
    return replica;
  }

  /** Waits until the replica has replayed everything the primary has written so far. */
  async function caughtUp(): Promise<void> {
    const { rows } = await primary.query(`SELECT pg_current_wal_insert_lsn()::text AS lsn`);
    const r = await replicaClient();
    await waitFor(
      async () =>
        (await r.query(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok`, [rows[0].lsn])).rows[0].ok === true,
      30_000,
      'replica caught up',
    );
  }

  const metrics = async (a: ApiProcess) => (await fetch(`${a.url}/api/v1/metrics`)).text();
  const ready = (a: ApiProcess) => http(a.url, 'GET', '/health/ready');
  /** Readiness warnings about replicas (the calendar's own warnings depend on today's date). */
  const replicaWarnings = async (a: ApiProcess) =>
    ((await ready(a)).body.warnings as { code: string }[]).filter((w) => w.code.startsWith('READ_REPLICA_'));
  const listCodes = async (a: ApiProcess, token: string) => {
    const res = await http(a.url, 'GET', '/dossiers?limit=100', { token });
    expect(res.status).toBe(200);
    return (res.body.items as { code: string }[]).map((d) => d.code);
  };
  const received = async (a: ApiProcess) => {
    const res = await http(a.url, 'GET', `/reports/processing?${period}`, { token: p.tokens.board });
    expect(res.status).toBe(200);
    return res.body.total.receivedTotal as number;
  };
  const intake = async (a: ApiProcess) => {
    const res = await http(a.url, 'POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    expect(res.status).toBe(201);
    return res.body as { id: string; code: string };
  };

  beforeAll(async () => {
    services = await OwnServices.start();
    replicaDir = mkdtempSync(join(tmpdir(), 'sla-replica-'));
    await run('bash', [SERVICES, 'start-replica', services.dir, replicaDir], {
      env: { ...process.env, PG_FSYNC: 'off' },
    });
    replicaUrl = /DATABASE_URL=(.*)/.exec(readFileSync(join(replicaDir, 'env'), 'utf8'))![1];
    primary = new Client({ connectionString: services.databaseUrl });
    await primary.connect();
    const env = testEnv(services.databaseUrl, {
      REDIS_URL: services.redisUrl,
      DATABASE_READ_URL: replicaUrl,
      // Generous: the stale reads below must come from the replica however slow the machine is.
      DATABASE_READ_MAX_LAG_MS: '120000',
      DATABASE_READ_CHECK_MS: '100',
      LOG_LEVEL: 'warn',
    });
    // One after the other: each start has its own time budget on a busy machine. A third API
    // allows only half a second of lag, to see a lagging replica skipped.
    apis.push(await ApiProcess.start('api-a', env), await ApiProcess.start('api-b', env));
    strict = await ApiProcess.start('api-strict', { ...env, DATABASE_READ_MAX_LAG_MS: '500' });
    p = await buildProvince(socketApi(apis[0].url));
  }, 300_000);

  afterAll(async () => {
    for (const a of [...apis, strict]) await a?.stop();
    await replica?.end().catch(() => undefined);
    await primary?.end();
    await run('bash', [SERVICES, 'stop-postgres', replicaDir]).catch(() => undefined);
    rmSync(replicaDir, { recursive: true, force: true });
    await services?.destroy();
  }, 60_000);

  it('reads lists and reports from the replica, and shows users their own writes at once on any API process', async () => {
    const [a, b] = apis;
    await intake(a);
    await caughtUp();
    const before = await received(b);
    const r = await replicaClient();
    await r.query(`SELECT pg_wal_replay_pause()`);
    try {
      const fresh = await intake(a);
      // The clerk wrote through api-a and reads through api-b: the replica lacks the dossier, so the primary answers.
      expect(await listCodes(b, p.tokens.clerk)).toContain(fresh.code);
      // The unit's head (no write of their own) and the board read the replica: still without it.
      expect(await listCodes(b, p.tokens.head)).not.toContain(fresh.code);
      expect(await listCodes(a, p.tokens.head)).not.toContain(fresh.code);
      expect(await received(b)).toBe(before);
      // A citizen's lookup reads the replica too (a just-received code is not found until it replays).
      expect((await http(b.url, 'GET', `/public/dossiers/${fresh.code}`)).status).toBe(404);
      // The primary has it: the stale answers above came from the replica, within its allowed lag.
      const truth = await primary.query(`SELECT count(*)::int AS n FROM dossiers WHERE code = $1`, [fresh.code]);
      expect(truth.rows[0].n).toBe(1);
      expect(await replicaWarnings(b)).toEqual([]);

      await r.query(`SELECT pg_wal_replay_resume()`);
      await waitFor(async () => (await listCodes(b, p.tokens.head)).includes(fresh.code), 30_000, 'replica replays');
      await waitFor(async () => (await received(b)) === before + 1, 30_000, 'report from the replica');
      expect((await http(b.url, 'GET', `/public/dossiers/${fresh.code}`)).status).toBe(200);
    } finally {
      await r.query(`SELECT pg_wal_replay_resume()`).catch(() => undefined);
    }
    const m = await metrics(b);
    expect(metric(m, 'db_routed_reads_total', /target="replica",reason="fit"/)).toBeGreaterThan(0);
    expect(metric(m, 'db_routed_reads_total', /target="primary",reason="own_write"/)).toBeGreaterThan(0);
    expect(metric(m, 'db_replica_up')).toBe(1);
  });

  it('skips a replica lagging past DATABASE_READ_MAX_LAG_MS for the primary, and says so in readiness and metrics', async () => {
    await caughtUp();
    await waitFor(async () => (await replicaWarnings(strict)).length === 0, 30_000, 'no warning');
    const r = await replicaClient();
    await r.query(`SELECT pg_wal_replay_pause()`);
    try {
      const fresh = await intake(apis[0]);
      const res = await waitFor(
        async () => {
          const x = await ready(strict);
          return x.body.warnings?.some((w: { code: string }) => w.code === 'READ_REPLICA_LAGGING') ? x : null;
        },
        30_000,
        'lagging warning',
      );
      expect(res.status).toBe(200);
      expect(res.body.checks).toEqual({ postgres: 'up', redis: 'up' });
      // The head's read is no longer served by the paused replica.
      expect(await listCodes(strict, p.tokens.head)).toContain(fresh.code);
      const m = await metrics(strict);
      expect(metric(m, 'db_replica_usable')).toBe(0);
      expect(metric(m, 'db_replica_lag_seconds')).toBeGreaterThan(0.5);
      expect(metric(m, 'db_routed_reads_total', /target="primary",reason="none_fit"/)).toBeGreaterThan(0);
    } finally {
      await r.query(`SELECT pg_wal_replay_resume()`).catch(() => undefined);
    }
    await waitFor(async () => (await replicaWarnings(strict)).length === 0, 30_000, 'warning cleared');
    expect(metric(await metrics(strict), 'db_replica_usable')).toBe(1);
  });

  it('answers every read while the replica is killed under load, from the primary, and uses the replica again once it is back', async () => {
    await caughtUp();
    const statuses: number[] = [];
    const errors: string[] = [];
    let stop = false;
    const reads = [
      (a: ApiProcess) => http(a.url, 'GET', '/dossiers?limit=50', { token: p.tokens.head }),
      (a: ApiProcess) => http(a.url, 'GET', `/reports/processing?${period}`, { token: p.tokens.board }),
      (a: ApiProcess) => http(a.url, 'GET', '/units?limit=10', { token: p.tokens.board }),
      (a: ApiProcess) => http(a.url, 'GET', '/dossiers?limit=50', { token: p.tokens.clerk }),
    ];
    const loops = Array.from({ length: 6 }, async (_, i) => {
      let n = 0;
      while (!stop) {
        const a = apis[(i + n) % 2];
        try {
          const res = await reads[(i + n) % reads.length](a);
          statuses.push(res.status);
        } catch (err) {
          errors.push((err as Error).message);
        }
        n++;
      }
    });
    const writer = (async () => {
      while (!stop) await intake(apis[0]);
    })();
    const upBefore = await Promise.all(
      apis.map(async (a) => metric(await metrics(a), 'db_routed_reads_total', /target="replica"/)),
    );
    await waitFor(() => statuses.length >= 40, 60_000, 'load running');
    await replica?.end().catch(() => undefined);
    replica = null;
    await run('bash', [SERVICES, 'crash-postgres', replicaDir]);
    const atKill = statuses.length;
    await waitFor(() => statuses.length >= atKill + 80, 60_000, 'load after the kill');
    for (const a of apis) {
      const res = await waitFor(
        async () => {
          const x = await ready(a);
          return x.body.warnings?.some((w: { code: string }) => w.code === 'READ_REPLICA_DOWN') ? x : null;
        },
        30_000,
        'replica down warning',
      );
      expect(res.status).toBe(200);
      expect(metric(await metrics(a), 'db_replica_up')).toBe(0);
    }
    stop = true;
    await Promise.all([...loops, writer]);
    expect(errors).toEqual([]);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    // Back: the replica catches up and serves reads again.
    await run('bash', [SERVICES, 'start-postgres', replicaDir], { env: { ...process.env, PG_FSYNC: 'off' } });
    for (const a of apis) await waitFor(async () => (await replicaWarnings(a)).length === 0, 60_000, 'replica back');
    await caughtUp();
    for (const a of apis)
      expect((await http(a.url, 'GET', '/dossiers?limit=5', { token: p.tokens.head })).status).toBe(200);
    const m = await Promise.all(apis.map(metrics));
    const after = m.map((t) => metric(t, 'db_routed_reads_total', /target="replica"/));
    expect(after[0] + after[1]).toBeGreaterThan(upBefore[0] + upBefore[1]);
    expect(
      m.reduce(
        (s, t) => s + metric(t, 'db_routed_reads_total', /target="primary",reason="(replica_failed|none_fit)"/),
        0,
      ),
    ).toBeGreaterThan(0);
    console.log(
      `read replicas under a replica kill: ${JSON.stringify({ reads: statuses.length, afterKill: statuses.length - atKill })}`,
    );
  }, 180_000);

  /** The replica's postmaster and every process it started (backends, WAL receiver, ...). */
  function replicaPostmaster(): number {
    return Number(readFileSync(join(replicaDir, 'pg/data/postmaster.pid'), 'utf8').split('\n')[0]);
  }

  function childrenOf(parent: number): number[] {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
          const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
        } catch {
          return false;
        }
      })
      .map(Number);
  }

  /** Sends a signal to a process that may have exited since it was listed (a backend ending its session). */
  function signal(pid: number, sig: NodeJS.Signals): void {
    try {
      process.kill(pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
  }

  it('marks a replica that stops answering (frozen, connections open) down within its check, and reads go to the primary', async () => {
    await caughtUp();
    await replica?.end().catch(() => undefined);
    replica = null;
    // The postmaster first, so that it forks no backend after its children are listed; a child that
    // exits between the listing and its signal (a session ending) is skipped.
    const postmaster = replicaPostmaster();
    const pids = [postmaster];
    try {
      signal(postmaster, 'SIGSTOP');
      for (const pid of childrenOf(postmaster)) {
        pids.push(pid);
        signal(pid, 'SIGSTOP');
      }
      for (const a of apis) {
        await waitFor(
          async () => (await replicaWarnings(a)).some((w) => w.code === 'READ_REPLICA_DOWN') || null,
          30_000,
          'the frozen replica marked down',
        );
        const res = await http(a.url, 'GET', '/dossiers?limit=5', { token: p.tokens.head, timeoutMs: 10_000 });
        expect(res.status).toBe(200);
        expect(metric(await metrics(a), 'db_replica_up')).toBe(0);
      }
    } finally {
      for (const pid of pids) signal(pid, 'SIGCONT');
    }
    for (const a of apis) await waitFor(async () => (await replicaWarnings(a)).length === 0, 60_000, 'replica back');
  }, 120_000);
});
