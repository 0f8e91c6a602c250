import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { createRedis } from 'src/jobs/redis';
import { Proc, waitFor } from '../support/processes';
import { intakeBody, Province } from '../support/province';
import { createTestDatabase, testEnv } from '../support/test-env';
import { Load } from './load';
import { SentinelGroup, MASTER_NAME } from './sentinels';
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

/**
 * Redis high availability: the API and two workers reach Redis only through three Sentinels
 * (REDIS_SENTINELS, REDIS_SENTINEL_MASTER). Under a load of intakes and actions, with waves of
 * overdue dossiers raising alerts whose e-mails and webhooks the workers deliver, the master is
 * killed (kill -9) and the Sentinels promote its replica. No alert may be missed, every delivery
 * must reach its receiver exactly once (sending is the one job that is not idempotent), and every
 * request the clients made must have been answered.
 */
describe('Redis through Sentinel, with a master failover under load', () => {
  let db: { url: string; drop: () => Promise<void> };
  let pg: Client;
  let redis: SentinelGroup;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hooks: Awaited<ReturnType<typeof startHookReceiver>>;
  let api: ApiProcess;
  const workers: Proc[] = [];
  let p: Province;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    redis = await SentinelGroup.start();
    smtp = await startSmtp();
    hooks = await startHookReceiver();
    env = testEnv(db.url, {
      // Nothing listens here: every client must go through the Sentinels.
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_SENTINELS: redis.sentinels,
      REDIS_SENTINEL_MASTER: MASTER_NAME,
      SLA_POLICY_FILE: escalateAtOncePolicy(),
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'warn',
      DELIVERY_BACKOFF_MS: '200',
      SLA_SCAN_CRON: '* * * * * *',
      HEARTBEAT_CRON: '* * * * * *',
      REPORTS_COMPACT_CRON: '* * * * * *',
      SWEEP_CRON: '*/2 * * * * *',
    });
    api = await ApiProcess.start('api', env);
    for (let i = 0; i < 2; i++) workers.push(await startWorker(env));
    p = await buildAlertingProvince(api.url, hooks.url);
  }, 240_000);

  afterAll(async () => {
    for (const w of workers) await stopProc(w);
    await api?.stop();
    await pg?.end();
    await smtp?.close();
    await hooks?.close();
    await redis?.stop();
    await db?.drop();
  }, 60_000);

  it('loses no alert or delivery and sends none twice when the master dies and its replica takes over', async () => {
    const admin = (await pg.query(`SELECT id FROM users WHERE username = 'admin'`)).rows[0].id as string;
    const firstMaster = redis.masterPort();
    const load = new Load([api], p.tokens, randomBytes(3).toString('hex'));
    load.start(2);
    const now = Date.now();
    const seen: string[] = [];
    let killedAt = 0;
    for (let wave = 0; wave < 4; wave++) {
      const res = await http(api.url, 'POST', '/imports/dossiers', {
        token: p.admin,
        body: { dossiers: importItems(10, new Date(now - 30 * 24 * 3600_000), intakeBody()) },
        timeoutMs: 60_000,
      });
      // The import writes PostgreSQL only: it succeeds whatever Redis is doing.
      expect(res.status).toBe(200);
      expect(res.body.failed).toEqual([]);
      const ids = (
        await pg.query<{ id: string }>(`SELECT id FROM dossiers WHERE created_by = $1 AND NOT (id = ANY($2::uuid[]))`, [
          admin,
          seen,
        ])
      ).rows.map((r) => r.id);
      seen.push(...ids);
      if (wave === 1) {
        // The scans of the first waves are raising alerts and the workers sending them: kill the master now.
        await waitFor(
          async () => (await pg.query(`SELECT count(*)::int AS n FROM alert_deliveries`)).rows[0].n > 0,
          30_000,
          'deliveries under way',
        );
        await redis.killMaster();
        killedAt = Date.now();
      }
      await sleep(1500);
    }
    // The Sentinels promoted the replica; the API's clients found it.
    await waitFor(() => redis.masterPort() !== firstMaster, 60_000, 'failover');
    const newMaster = redis.masterPort();
    expect(redis.role(newMaster)).toBe('master');
    // The clients retry with a backoff and ask the Sentinels again: on a loaded machine (the whole
    // suite on two cores) that can take longer than the failover itself, so the wait is generous.
    let lastReady: unknown = null;
    await waitFor(
      async () => {
        const res = await http(api.url, 'GET', '/health/ready').catch((e: Error) => ({ body: String(e) }));
        lastReady = res?.body;
        return (res?.body as { checks?: { redis?: string } })?.checks?.redis === 'up';
      },
      120_000,
      'API sees Redis again',
    ).catch((e: Error) => {
      throw new Error(`${e.message}; last readiness answer: ${JSON.stringify(lastReady)}`);
    });
    await load.stop(30_000);
    const flowEnded = new Date();

    await waitFor(async () => (await missingAlerts(pg, flowEnded)).length === 0, 60_000, 'alerts raised');
    await waitFor(
      async () =>
        (await pg.query(`SELECT count(*)::int AS n FROM alert_deliveries WHERE status <> 'sent'`)).rows[0].n === 0,
      90_000,
      'deliveries sent',
    );
    // Nothing is left in the delivery queue on the new master: no job waiting, delayed or active
    // (a job that was active on the dead master stays active until its lock runs out, then BullMQ
    // moves it back to wait and runs it again: the claim in PostgreSQL must turn that into a no-op).
    const connection = createRedis(
      { REDIS_URL: env.REDIS_URL, REDIS_SENTINELS: env.REDIS_SENTINELS.split(','), REDIS_SENTINEL_MASTER: MASTER_NAME },
      'producer',
    );
    const deliveryQueue = new Queue('delivery', { connection, prefix: env.QUEUE_PREFIX });
    let counts: Record<string, number> = {};
    try {
      await waitFor(
        async () => {
          counts = await deliveryQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          return Object.values(counts).every((n) => n === 0);
        },
        120_000,
        'delivery queue drained',
      ).catch((e: Error) => {
        throw new Error(`${e.message}: ${JSON.stringify(counts)}`);
      });
    } finally {
      await deliveryQueue.close();
      connection.disconnect();
    }

    const inv = await checkInvariants(pg);
    expect(inv.halfChanged).toEqual([]);
    expect(inv.gaps).toEqual([]);
    expect(inv.duplicateAlerts).toBe(0);
    expect(inv.duplicateAlertDeadlines).toBe(0);
    expect(inv.alerts).toBeGreaterThanOrEqual(3 * seen.length);
    expect(load.refused).toEqual([]);
    expect(load.summary().writesNeverAcknowledged).toBe(0);

    const deliveries = (
      await pg.query<{ id: string; channel: string }>(`SELECT id::text, channel FROM alert_deliveries ORDER BY id`)
    ).rows;
    const mails = deliveries.filter((d) => d.channel === 'email').map((d) => d.id);
    const calls = deliveries.filter((d) => d.channel === 'webhook').map((d) => d.id);
    expect(mails.length).toBeGreaterThan(0);
    expect(calls.length).toBeGreaterThan(0);
    expect(smtp.mails.map((m) => m.deliveryId).sort()).toEqual([...mails].sort());
    expect([...hooks.calls].sort()).toEqual([...calls].sort());
    // Deliveries raised after the failover were sent too: the workers took jobs from the new master.
    const [{ late }] = (
      await pg.query(`SELECT count(*)::int AS late FROM alert_deliveries WHERE created_at > $1`, [new Date(killedAt)])
    ).rows;
    expect(late).toBeGreaterThan(0);
    for (const w of workers) expect(w.child.exitCode).toBeNull();
    console.log(
      `sentinel failover: ${JSON.stringify({
        requests: load.summary(),
        dossiers: inv.dossiers,
        alerts: inv.alerts,
        emails: mails.length,
        webhooks: calls.length,
        deliveriesAfterFailover: late,
        master: [firstMaster, newMaster],
      })}`,
    );
  }, 480_000);
});
