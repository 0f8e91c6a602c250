import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, PoolClient } from 'pg';
import { createHttpApp } from '../../src/http-app';
import { Proc, waitFor } from '../support/processes';
import { intakeBody, Province } from '../support/province';
import { applyEnv, testEnv } from '../support/test-env';
import { Load } from './load';
import {
  ApiProcess,
  buildAlertingProvince,
  checkInvariants,
  http,
  importItems,
  missingAlerts,
  OwnServices,
  replayMismatches,
  startHookReceiver,
  startSmtp,
  startWorker,
  stopProc,
} from './support';

/** The service must answer again (readiness, a write, the worker taking jobs) within this long of a fault ending. */
const RECOVERY_LIMIT_S = 10;
/** Open dossiers a calendar edit recomputes while the worker is killed. */
const FRESH_OPEN = 4000;
/** Dossiers received a month ago: overdue, stalled and escalated, so the scan raises alerts with deliveries. */
const OVERDUE = 100;

/**
 * Faults under load: intakes and actions run through two API processes while Redis dies
 * and comes back, PostgreSQL crashes and comes back, the worker is killed mid-recomputation and an
 * API process is killed mid-request. The servers are the suite's own. Afterwards PostgreSQL must
 * hold every acknowledged write, every dossier must equal the replay of its gap-free events, and
 * every alert must exist once and be delivered.
 */
describe('faults under load', () => {
  let services: OwnServices;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hooks: Awaited<ReturnType<typeof startHookReceiver>>;
  let env: Record<string, string>;
  let apis: ApiProcess[] = [];
  let worker: Proc | null = null;
  const oldWorkers: Proc[] = [];
  let pool: Pool;
  let p: Province;
  let overdueIds: string[];
  let verifier: NestFastifyApplication | null = null;

  const withClient = async <T>(fn: (c: PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  };
  const sql = async <T = any>(text: string, params: unknown[] = []): Promise<T[]> =>
    (await pool.query(text, params)).rows as T[];

  beforeAll(async () => {
    services = await OwnServices.start();
    smtp = await startSmtp();
    hooks = await startHookReceiver();
    pool = new Pool({ connectionString: services.databaseUrl, max: 4, idleTimeoutMillis: 1000 });
    pool.on('error', () => undefined);
    env = testEnv(services.databaseUrl, {
      REDIS_URL: services.redisUrl,
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'warn',
      DELIVERY_BACKOFF_MS: '200',
      DELIVERY_MAX_ATTEMPTS: '20',
      // Six-field expressions: every second (scan, heartbeat), every 2 s (sweeps), every 5 s (report deltas).
      SLA_SCAN_CRON: '* * * * * *',
      HEARTBEAT_CRON: '* * * * * *',
      SWEEP_CRON: '*/2 * * * * *',
      REPORTS_COMPACT_CRON: '*/5 * * * * *',
    });
    const [a, b] = await Promise.all([ApiProcess.start('api-a', env), ApiProcess.start('api-b', env)]);
    apis = [a, b];
    p = await buildAlertingProvince(a.url, hooks.url);
    const now = Date.now();
    const imported = async (n: number, receivedAt: Date) => {
      const res = await http(a.url, 'POST', '/imports/dossiers', {
        token: p.admin,
        body: { dossiers: importItems(n, receivedAt, intakeBody()) },
        timeoutMs: 120_000,
      });
      if (res.status !== 200 || res.body.failed.length) throw new Error(`import: ${JSON.stringify(res.body)}`);
    };
    await imported(OVERDUE, new Date(now - 30 * 24 * 3600_000));
    overdueIds = (await sql<{ id: string }>(`SELECT id FROM dossiers ORDER BY id`)).map((r) => r.id);
    for (let i = 0; i < FRESH_OPEN; i += 2000) await imported(Math.min(2000, FRESH_OPEN - i), new Date(now - 60_000));
    worker = await startWorker(env);
    // The first scans raise the alerts of the overdue dossiers before the load starts acting on them.
    const started = new Date();
    await waitFor(
      () => withClient(async (c) => (await missingAlerts(c, started)).length === 0),
      60_000,
      'alerts of the overdue dossiers',
    );
  }, 240_000);

  afterAll(async () => {
    // RELIABILITY_LOGS=dir keeps the processes' output for a post-mortem.
    const keep = process.env.RELIABILITY_LOGS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      [worker, ...oldWorkers].forEach((w, i) => w && writeFileSync(join(keep, `worker-${i}.log`), w.output()));
      for (const a of apis) if (a.proc) writeFileSync(join(keep, `${a.name}.log`), a.proc.output());
    }
    await verifier?.close().catch(() => undefined);
    for (const w of [worker, ...oldWorkers]) await stopProc(w, 'SIGKILL');
    for (const a of apis) await a.kill9();
    await pool?.end().catch(() => undefined);
    await smtp?.close();
    await hooks?.close();
    await services?.destroy();
  }, 60_000);

  it('loses no acknowledged write, keeps every dossier whole and every alert single and delivered, and recovers within 10 s of each fault', async () => {
    const run = randomBytes(3).toString('hex');
    const load = new Load(apis, p.tokens, run);
    let probes = 0;
    const probeWrites: { key: string; id: string }[] = [];

    /** Seconds from the end of a fault until each API is ready and takes a write, and (optionally) a worker ran a job. */
    const recovery = async (endedAt: number, targets: ApiProcess[], workerPid?: number): Promise<number> => {
      const apiTimes = targets.map(async (api) => {
        await waitFor(
          async () =>
            (await http(api.url, 'GET', '/health/ready', { timeoutMs: 1000 }).catch(() => null))?.status === 200,
          60_000,
          `${api.name} ready again`,
        );
        await waitFor(
          async () => {
            const key = `${run}-probe-${probes++}`;
            const res = await http(api.url, 'POST', '/dossiers', {
              token: p.tokens.clerk,
              body: intakeBody(),
              headers: { 'idempotency-key': key },
              timeoutMs: 2000,
            }).catch(() => null);
            if (res?.status !== 201) return false;
            probeWrites.push({ key, id: res.body.id });
            return true;
          },
          60_000,
          `${api.name} takes a write`,
        );
        return Date.now();
      });
      // A heartbeat tick (every second) whose job a worker ran after the fault ended.
      const workerTime = waitFor(
        async () =>
          (
            await sql(`SELECT 1 FROM job_probes WHERE started_at > $1 AND ($2::int IS NULL OR worker_pid = $2)`, [
              new Date(endedAt),
              workerPid ?? null,
            ]).catch(() => [])
          ).length > 0,
        60_000,
        'a job run by a worker',
      ).then(() => Date.now());
      const done = await Promise.all([...apiTimes, workerTime]);
      return Math.round((Math.max(...done) - endedAt) / 100) / 10;
    };

    const figures: Record<string, number> = {};
    const t0 = Date.now();
    const marks: Record<string, number> = {};
    const mark = (what: string) => (marks[what] = Math.round((Date.now() - t0) / 100) / 10);
    load.start(4, overdueIds);
    await sleep(3000);

    // 1. Redis dies for 3 s and comes back (AOF reloaded).
    mark('redis killed');
    await services.killRedis();
    await sleep(3000);
    await services.startRedis();
    let ended = Date.now();
    figures.redisRecoveryS = await recovery(ended, apis);
    await sleep(2000);

    // 2. PostgreSQL crashes (immediate shutdown) for 3 s, then starts with crash recovery.
    mark('postgres crashed');
    await services.crashPostgres();
    await sleep(3000);
    await services.startPostgres();
    ended = Date.now();
    figures.postgresRecoveryS = await recovery(ended, apis);
    await sleep(2000);

    // 3. The worker is killed (SIGKILL) in the middle of the recomputation a calendar edit started.
    const [{ v: before, admin: adminId }] = await sql<{ v: number; admin: string }>(
      `SELECT max(calendar_version)::int AS v, (SELECT id FROM users WHERE username = 'admin') AS admin FROM dossiers`,
    );
    const edit = await http(apis[0].url, 'PUT', '/calendar/days/2027-11-18', {
      token: p.admin,
      body: { kind: 'holiday', name: 'Nghỉ đột xuất (kiểm thử)' },
    });
    expect(edit.status).toBe(200);
    // The dossiers imported open before the edit (new intakes carry the new version from the start).
    const progress = async () =>
      (
        await sql<{ done: number; open: number }>(
          `SELECT count(*) FILTER (WHERE calendar_version > $1)::int AS done, count(*)::int AS open
           FROM dossiers WHERE ended_at IS NULL AND created_by = $2`,
          [before, adminId],
        )
      )[0];
    const partial = await waitFor(
      async () => {
        const pr = await progress();
        if (pr.done >= pr.open)
          throw new Error(`the recomputation ended before the worker could be killed (${pr.done})`);
        return pr.done >= 200 ? pr : null;
      },
      60_000,
      'recomputation under way',
    );
    mark('worker killed');
    worker!.child.kill('SIGKILL');
    await worker!.exited;
    oldWorkers.push(worker!);
    const atKill = await progress();
    ended = Date.now();
    worker = await startWorker(env);
    figures.workerRecoveryS = await recovery(ended, apis, worker.child.pid);
    await waitFor(async () => (await progress()).done === (await progress()).open, 60_000, 'recomputation completed');
    figures.recomputeCompletedAfterS = Math.round((Date.now() - ended) / 100) / 10;
    figures.recomputedBeforeKill = atKill.done;
    figures.openDossiersAtKill = atKill.open;
    expect(partial.done).toBeLessThan(partial.open);

    // 4. An API process is killed (SIGKILL) with requests in flight, and started again.
    const victim = apis[1];
    await waitFor(() => load.inflightOn(victim) > 0, 20_000, 'requests in flight on the victim');
    figures.inflightAtApiKill = load.inflightOn(victim);
    mark('api killed');
    await victim.kill9();
    victim.spawn();
    ended = Date.now();
    figures.apiRecoveryS = await recovery(ended, [victim]);

    await sleep(2000);
    await load.stop(60_000);
    const loadEnded = new Date();

    // --- Every acknowledged write is in PostgreSQL.
    const summary = load.summary();
    expect(load.refused).toEqual([]);
    const acked = load.writes.filter((w) => w.acknowledged);
    const intakeIds = [
      ...acked.filter((w) => w.op === 'intake').map((w) => w.dossierId!),
      ...probeWrites.map((w) => w.id),
    ];
    const presentDossiers = new Set(
      (await sql<{ id: string }>(`SELECT id FROM dossiers WHERE id = ANY($1::uuid[])`, [intakeIds])).map((r) => r.id),
    );
    const actions = acked.filter((w) => w.op !== 'intake');
    const presentEvents = new Set(
      (
        await sql<{ k: string }>(
          `SELECT e.dossier_id || ':' || e.seq || ':' || e.action AS k FROM dossier_events e
           JOIN unnest($1::uuid[], $2::int[]) AS w(id, seq) ON w.id = e.dossier_id AND w.seq = e.seq`,
          [actions.map((w) => w.dossierId), actions.map((w) => w.seq)],
        )
      ).map((r) => r.k),
    );
    const lostIntakes = intakeIds.filter((id) => !presentDossiers.has(id));
    const lostActions = actions.filter((w) => !presentEvents.has(`${w.dossierId}:${w.seq}:${w.op}`));
    const lost = lostIntakes.length + lostActions.length;

    // Retried intakes made one dossier per key: every dossier the clerk received has its key, once.
    const [dup] = await sql<{ dossiers: number; keys: number }>(
      `SELECT (SELECT count(*)::int FROM dossiers WHERE created_by = $1) AS dossiers,
              (SELECT count(DISTINCT response->>'id')::int FROM idempotency_keys WHERE user_id = $1 AND key LIKE '%intake' OR user_id = $1 AND key LIKE '%-probe-%') AS keys`,
      [p.userIds.clerk],
    );

    // --- Whole dossiers, gap-free events; alerts single, complete and delivered.
    await waitFor(
      () => withClient(async (c) => (await missingAlerts(c, loadEnded)).length === 0),
      30_000,
      'every alert due raised',
    );
    const inv = await withClient((c) => checkInvariants(c));
    const deliveredAll = await waitFor(
      async () => {
        const rows = await sql<{ id: string; channel: string; status: string }>(
          `SELECT id::text, channel, status FROM alert_deliveries`,
        );
        return rows.length > 0 && rows.every((r) => r.status === 'sent') ? rows : null;
      },
      120_000,
      'every delivery sent',
    );
    const mailed = new Set(smtp.mails.map((m) => m.deliveryId));
    const hooked = new Set(hooks.calls);
    const notMailed = deliveredAll.filter((d) => d.channel === 'email' && !mailed.has(d.id));
    const notHooked = deliveredAll.filter((d) => d.channel === 'webhook' && !hooked.has(d.id));

    applyEnv({ ...env, LOG_LEVEL: 'silent' });
    verifier = await createHttpApp();
    await verifier.init();
    const mismatches = await withClient((c) => replayMismatches(verifier!, c));

    const report = {
      ...summary,
      lostAcknowledgedWrites: lost,
      ...figures,
      dossiers: inv.dossiers,
      events: inv.events,
      alerts: inv.alerts,
      deliveries: deliveredAll.length,
      emailsReceived: smtp.mails.length,
      emailsRepeated: smtp.mails.length - mailed.size,
      webhookCalls: hooks.calls.length,
      webhookCallsRepeated: hooks.calls.length - hooked.size,
    };
    const seen = new Map<string, number>();
    for (const m of smtp.mails) seen.set(m.deliveryId, (seen.get(m.deliveryId) ?? 0) + 1);
    const repeated = smtp.mails
      .filter((m) => (seen.get(m.deliveryId) ?? 0) > 1)
      .map((m) => `${m.deliveryId}@${Math.round((m.at - t0) / 100) / 10}s`);
    console.log(
      `faults under load:\n${JSON.stringify(report, null, 2)}\nfaults at (s): ${JSON.stringify(marks)}\nrepeated e-mails: ${repeated.join(' ')}`,
    );

    expect({ lostIntakes, lostActions: lostActions.map((w) => w.key) }).toEqual({ lostIntakes: [], lostActions: [] });
    expect(lost).toBe(0);
    expect(summary.writesNeverAcknowledged).toBe(0);
    expect(dup.dossiers).toBe(dup.keys);
    expect(inv.halfChanged).toEqual([]);
    expect(inv.gaps).toEqual([]);
    expect(inv.duplicateAlerts).toBe(0);
    expect(inv.duplicateAlertDeadlines).toBe(0);
    expect(inv.alerts).toBeGreaterThanOrEqual(3 * OVERDUE);
    expect(notMailed).toEqual([]);
    expect(notHooked).toEqual([]);
    expect(mismatches).toEqual([]);
    // Every fault was survived by the service itself, soon enough.
    for (const k of ['redisRecoveryS', 'postgresRecoveryS', 'workerRecoveryS', 'apiRecoveryS'])
      expect({ [k]: figures[k] <= RECOVERY_LIMIT_S }).toEqual({ [k]: true });
    // Each fault did hit the load: some requests failed and were retried.
    expect(summary.requestsFailed).toBeGreaterThan(0);
  }, 300_000);
});
