import { Queue } from 'bullmq';
import { Client } from 'pg';
import { logLines, Proc, startProcess, waitFor } from '../support/processes';
import { freePort } from '../support/servers';
import { createTestDatabase, testEnv } from '../support/test-env';

describe('worker process', () => {
  let db: { url: string; drop: () => Promise<void> };
  let pg: Client;
  const procs: Proc[] = [];
  const queues: Queue[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    for (const q of queues) await q.close();
    await pg.end();
    await db.drop();
  });

  function systemQueue(env: Record<string, string>): Queue {
    const q = new Queue('system', { connection: { url: env.REDIS_URL }, prefix: env.QUEUE_PREFIX });
    queues.push(q);
    return q;
  }

  async function probe(id: string) {
    const r = await pg.query('SELECT probe_id, job_id, worker_pid FROM job_probes WHERE probe_id = $1', [id]);
    return r.rows[0] as { probe_id: string; job_id: string; worker_pid: number } | undefined;
  }

  it('processes a job put on the queue, its effect is visible in PostgreSQL and in the worker metrics', async () => {
    const metricsPort = await freePort();
    const env = testEnv(db.url, { LOG_LEVEL: 'info', WORKER_METRICS_PORT: String(metricsPort) });
    const worker = startProcess('src/worker.js', env);
    procs.push(worker);
    await waitFor(() => /workers started/.test(worker.output()), 90_000, 'worker start');
    await systemQueue(env).add('system.probe', { probeId: 'probe-1' }, { jobId: 'probe-1' });
    const row = await waitFor(() => probe('probe-1'), 15_000, 'probe row');
    expect(row.job_id).toBe('probe-1');
    expect(row.worker_pid).toBe(worker.child.pid);
    const metrics = await waitFor(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        return /jobs_processed_total\{queue="system",job="system.probe",result="completed"\} 1/.test(text)
          ? text
          : null;
      },
      10_000,
      'worker metrics',
    );
    expect(metrics).toMatch(/job_duration_seconds_count\{queue="system",job="system.probe"\} 1/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).not.toBeNull();
  }, 180_000);

  it('enqueues one job per tick however many worker processes fire it', async () => {
    // Both workers fire every second; each tick's job id is derived from the tick instant.
    const env = testEnv(db.url, { LOG_LEVEL: 'info', HEARTBEAT_CRON: '* * * * * *' });
    const a = startProcess('src/worker.js', env);
    const b = startProcess('src/worker.js', env);
    procs.push(a, b);
    const ticks = (p: Proc) =>
      new Set(
        logLines(p)
          .filter((l) => l.msg === 'tick enqueued')
          .map((l) => String(l.tickId)),
      );
    // Both started first (a start on a busy machine has its own budget), then three common ticks.
    for (const w of [a, b]) await waitFor(() => /workers started/.test(w.output()), 90_000, 'worker start');
    const common = await waitFor(
      () => {
        const both = [...ticks(a)].filter((t) => ticks(b).has(t));
        return both.length >= 3 ? both : null;
      },
      30_000,
      'three ticks fired by both workers',
    );
    // Their jobs run before the workers stop (a job still waiting at SIGTERM is not taken).
    await waitFor(
      async () =>
        (await pg.query('SELECT count(DISTINCT probe_id)::int AS n FROM job_probes WHERE probe_id = ANY($1)', [common]))
          .rows[0].n === common.length,
      30_000,
      'the common ticks run',
    );
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await Promise.all([a.exited, b.exited]);
    const q = systemQueue(env);
    for (const tickId of common) {
      const job = await q.getJob(tickId);
      expect(job?.id).toBe(tickId);
      const rows = await pg.query('SELECT count(*)::int AS n FROM job_probes WHERE probe_id = $1', [tickId]);
      expect(rows.rows[0].n).toBe(1);
    }
    // Exactly as many jobs exist as distinct ticks were fired, although each tick was enqueued twice.
    const allTicks = new Set([...ticks(a), ...ticks(b)]);
    const counts = await q.getJobCounts('completed', 'waiting', 'active', 'delayed', 'failed');
    expect(Object.values(counts).reduce((s, n) => s + n, 0)).toBe(allTicks.size);
  }, 180_000);

  it('finishes an in-flight job on SIGTERM before exiting', async () => {
    const env = testEnv(db.url, { LOG_LEVEL: 'info' });
    const worker = startProcess('src/worker.js', env);
    procs.push(worker);
    await waitFor(() => /workers started/.test(worker.output()), 90_000, 'worker start');
    const q = systemQueue(env);
    await q.add('system.probe', { probeId: 'slow-1', holdMs: 2500 }, { jobId: 'slow-1' });
    await waitFor(async () => (await q.getActiveCount()) === 1, 10_000, 'job active');
    worker.child.kill('SIGTERM');
    expect(await probe('slow-1')).toBeUndefined();
    const code = await worker.exited;
    const row = await probe('slow-1');
    expect(row?.worker_pid).toBe(worker.child.pid);
    expect(await (await q.getJob('slow-1'))?.getState()).toBe('completed');
    expect(worker.output()).toMatch(/workers closed/);
    expect(code).not.toBe(1);
  }, 180_000);
});
