import { Job, Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { QUEUE_NAMES, TICKS as TICK_DEFINITIONS } from '../../src/jobs/job-catalogue';
import { logLines, Proc, waitFor } from '../support/processes';
import { intakeBody, Province } from '../support/province';
import { freePort } from '../support/servers';
import { createTestDatabase, testEnv } from '../support/test-env';
import { Load } from './load';
import {
  ApiProcess,
  buildAlertingProvince,
  checkInvariants,
  http,
  importItems,
  escalateAtOncePolicy,
  missingAlerts,
  startHookReceiver,
  startSmtp,
  startWorker,
  stopProc,
} from './support';

// Every periodic trigger of the job catalogue: a tick that fired must have made exactly one job.
const TICKS = TICK_DEFINITIONS.map((t) => t.name);

/** Sum of a counter's samples in a Prometheus text exposition, over the lines matching `labels`. */
function counter(text: string, name: string, labels: RegExp): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && labels.test(l))
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/**
 * Scale-out: two API processes and two worker processes on one PostgreSQL and one Redis.
 * Intakes and actions go through both APIs alternately, overdue dossiers arrive in waves, both
 * workers fire every tick each second (SLA scan, heartbeat, report compaction, sweeps). No alert,
 * delivery or job may take effect twice, and nothing may be missed.
 */
describe('two APIs and two workers on one PostgreSQL and Redis', () => {
  let db: { url: string; drop: () => Promise<void> };
  let pg: Client;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hooks: Awaited<ReturnType<typeof startHookReceiver>>;
  let env: Record<string, string>;
  let apis: ApiProcess[] = [];
  const workers: { proc: Proc; metricsPort: number }[] = [];
  const queues = new Map<string, Queue>();
  let p: Province;

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    smtp = await startSmtp();
    hooks = await startHookReceiver();
    env = testEnv(db.url, {
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'warn',
      DELIVERY_BACKOFF_MS: '200',
      SLA_SCAN_CRON: '* * * * * *',
      HEARTBEAT_CRON: '* * * * * *',
      REPORTS_COMPACT_CRON: '* * * * * *',
      SWEEP_CRON: '*/2 * * * * *',
      SLA_POLICY_FILE: escalateAtOncePolicy(),
    });
    apis = await Promise.all([ApiProcess.start('api-a', env), ApiProcess.start('api-b', env)]);
    for (let i = 0; i < 2; i++) {
      const metricsPort = await freePort();
      workers.push({ proc: await startWorker({ ...env, WORKER_METRICS_PORT: String(metricsPort) }), metricsPort });
    }
    p = await buildAlertingProvince(apis[0].url, hooks.url);
  }, 240_000);

  afterAll(async () => {
    for (const q of queues.values()) await q.close();
    for (const w of workers) await stopProc(w.proc);
    for (const a of apis) await a.stop();
    await pg?.end();
    await smtp?.close();
    await hooks?.close();
    await db?.drop();
  }, 60_000);

  it('raises each alert once, sends each delivery once and runs each tick job once, whichever process does the work', async () => {
    const run = randomBytes(3).toString('hex');
    const began = new Date();
    const admin = (await pg.query(`SELECT id FROM users WHERE username = 'admin'`)).rows[0].id as string;
    const load = new Load(apis, p.tokens, run);
    load.start(2);
    // Waves of overdue dossiers (received a month ago), imported through one API then the other;
    // the previous wave is acted on through the other API while the workers scan.
    const now = Date.now();
    let previous: string[] = [];
    const waveIds: string[] = [];
    for (let wave = 0; wave < 5; wave++) {
      const api = apis[wave % 2];
      const other = apis[(wave + 1) % 2];
      const res = await http(api.url, 'POST', '/imports/dossiers', {
        token: p.admin,
        body: { dossiers: importItems(20, new Date(now - 30 * 24 * 3600_000), intakeBody()) },
        timeoutMs: 60_000,
      });
      expect(res.status).toBe(200);
      expect(res.body.failed).toEqual([]);
      const ids = (
        await pg.query<{ id: string }>(
          `SELECT id FROM dossiers WHERE created_by = $1 AND NOT (id = ANY($2::uuid[])) ORDER BY id`,
          [admin, waveIds],
        )
      ).rows.map((r) => r.id);
      waveIds.push(...ids);
      await sleep(1500);
      // Half of the previous wave moves on to the next step (its stalled alert closes, a new step
      // deadline starts); a quarter is resolved (its alerts close).
      for (const [i, id] of previous.entries()) {
        if (i % 2) continue;
        const f = await http(other.url, 'POST', `/dossiers/${id}/actions/forward`, {
          token: p.tokens.clerk,
          body: { expectedVersion: 1 },
        });
        expect(f.status).toBe(200);
        if (i % 4) continue;
        const g = await http(api.url, 'POST', `/dossiers/${id}/actions/forward`, {
          token: p.tokens.officer,
          body: { expectedVersion: 2 },
        });
        expect(g.status).toBe(200);
        const r = await http(other.url, 'POST', `/dossiers/${id}/actions/resolve`, {
          token: p.tokens.signer,
          body: { expectedVersion: 3, resultSummary: 'Cấp giấy phép xây dựng', electronicResult: true },
        });
        expect(r.status).toBe(200);
      }
      previous = ids;
      await sleep(1500);
    }
    await load.stop(30_000);
    const flowEnded = new Date();

    // Every alert due is raised, every delivery sent; then two more sweeps must send nothing again.
    await waitFor(async () => (await missingAlerts(pg, flowEnded)).length === 0, 30_000, 'alerts raised');
    await waitFor(
      async () =>
        (await pg.query(`SELECT count(*)::int AS n FROM alert_deliveries WHERE status <> 'sent'`)).rows[0].n === 0,
      60_000,
      'deliveries sent',
    );
    await sleep(4500);

    const inv = await checkInvariants(pg);
    expect(inv.halfChanged).toEqual([]);
    expect(inv.gaps).toEqual([]);
    expect(inv.duplicateAlerts).toBe(0);
    expect(inv.duplicateAlertDeadlines).toBe(0);
    // Overdue, stalled and escalated for each imported dossier at least (more for new step deadlines).
    expect(inv.alerts).toBeGreaterThanOrEqual(3 * waveIds.length);
    expect(load.refused).toEqual([]);
    expect(load.summary().writesNeverAcknowledged).toBe(0);

    // Each delivery reached its receiver exactly once.
    const deliveries = (
      await pg.query<{ id: string; channel: string }>(`SELECT id::text, channel FROM alert_deliveries ORDER BY id`)
    ).rows;
    const mails = deliveries.filter((d) => d.channel === 'email').map((d) => d.id);
    const calls = deliveries.filter((d) => d.channel === 'webhook').map((d) => d.id);
    expect(mails.length).toBeGreaterThan(0);
    expect(calls.length).toBeGreaterThan(0);
    expect(smtp.mails.map((m) => m.deliveryId).sort()).toEqual([...mails].sort());
    expect([...hooks.calls].sort()).toEqual([...calls].sort());

    // Both workers fired the same ticks; each tick made one job, which ran once.
    const fired = workers.map(
      (w) =>
        new Set(
          logLines(w.proc)
            .filter((l) => l.msg === 'tick enqueued')
            .map((l) => String(l.tickId)),
        ),
    );
    const firedByBoth = [...fired[0]].filter((t) => fired[1].has(t));
    const allFired = new Set([...fired[0], ...fired[1]]);
    const jobs: Job[] = [];
    const completedBefore = await completedCount();
    for (const name of QUEUE_NAMES) {
      const q = queue(name);
      jobs.push(...(await q.getJobs(['completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized'])));
    }
    const metrics = await Promise.all(
      workers.map(async (w) => (await fetch(`http://127.0.0.1:${w.metricsPort}/metrics`)).text()),
    );
    const completedAfter = await completedCount();
    const tickJobs = jobs.filter((j) => TICKS.some((t) => String(j.id).startsWith(`${t}-`)));
    const byTick = new Map<string, number>();
    for (const t of tickJobs) byTick.set(String(t.id), (byTick.get(String(t.id)) ?? 0) + 1);
    const ranTwice = jobs.filter((j) => j.attemptsStarted > 1 || j.stalledCounter > 0).map((j) => j.id);
    const failed = jobs.filter((j) => j.failedReason).map((j) => `${j.id}: ${j.failedReason}`);
    const notEnqueued = [...allFired].filter((t) => !byTick.has(t));
    const processed = metrics.reduce((s, m) => s + counter(m, 'jobs_processed_total', /result="completed"/), 0);
    const scans = metrics.map((m) => counter(m, 'jobs_processed_total', /job="sla.scan",result="completed"/));
    const [{ probes }] = (await pg.query(`SELECT count(*)::int AS probes FROM job_probes`)).rows;
    const heartbeatsDone = tickJobs.filter((j) => String(j.id).startsWith('heartbeat-') && j.finishedOn).length;

    // The processing report, through either API, counts each dossier once (compactions ran in both workers).
    const from = new Date(Date.now() - 40 * 24 * 3600_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() + 24 * 3600_000).toISOString().slice(0, 10);
    const reports = await Promise.all(
      apis.map((a) => http(a.url, 'GET', `/reports/processing?from=${from}&to=${to}`, { token: p.tokens.board })),
    );
    const [truth] = (
      await pg.query(
        `SELECT count(*)::int AS received, count(*) FILTER (WHERE ended_at IS NOT NULL AND status <> 'withdrawn')::int AS resolved,
                count(*) FILTER (WHERE ended_at IS NULL)::int AS open FROM dossiers`,
      )
    ).rows;
    const [{ compacted }] = (await pg.query(`SELECT count(*)::int AS compacted FROM report_daily`)).rows;

    console.log(
      `scale-out: ${JSON.stringify({
        requests: load.summary(),
        dossiers: inv.dossiers,
        events: inv.events,
        alerts: inv.alerts,
        emails: mails.length,
        webhooks: calls.length,
        ticksFired: allFired.size,
        ticksFiredByBoth: firedByBoth.length,
        tickJobs: tickJobs.length,
        scansPerWorker: scans,
        jobsCompleted: [completedBefore, processed, completedAfter],
        heartbeatProbes: probes,
        reportDailyRows: compacted,
      })}`,
    );
    expect(failed).toEqual([]);
    expect(ranTwice).toEqual([]);
    expect(notEnqueued).toEqual([]);
    expect([...byTick.values()].every((n) => n === 1)).toBe(true);
    expect(firedByBoth.length).toBeGreaterThan(20);
    // Scans ran in both workers, and every tick's scan in only one of them.
    expect(scans.every((n) => n > 0)).toBe(true);
    expect(scans[0] + scans[1]).toBeLessThanOrEqual(
      tickJobs.filter((j) => String(j.id).startsWith('sla-scan-') && j.finishedOn).length + 2,
    );
    // Jobs counted by the workers' metrics = jobs completed in the queues (not twice as many).
    expect(processed).toBeGreaterThanOrEqual(completedBefore);
    expect(processed).toBeLessThanOrEqual(completedAfter + 2 * 4 * QUEUE_NAMES.length);
    expect(probes).toBeGreaterThanOrEqual(heartbeatsDone);
    expect(probes).toBeLessThanOrEqual(heartbeatsDone + 2);
    for (const r of reports) {
      expect(r.status).toBe(200);
      expect(r.body.total.receivedTotal).toBe(truth.received);
      expect(r.body.total.resolvedTotal).toBe(truth.resolved);
      expect(r.body.total.inProgressTotal).toBe(truth.open);
    }
    expect(compacted).toBeGreaterThan(0);
    expect(began.getTime()).toBeLessThan(flowEnded.getTime());
  }, 300_000);

  function queue(name: string): Queue {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: { url: env.REDIS_URL }, prefix: env.QUEUE_PREFIX });
      queues.set(name, q);
    }
    return q;
  }

  async function completedCount(): Promise<number> {
    let n = 0;
    for (const name of QUEUE_NAMES) n += (await queue(name).getJobCounts('completed')).completed;
    return n;
  }
});
