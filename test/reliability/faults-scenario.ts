// The faults scenario of issue 8, shared by the faults suite (faults.integration-spec.ts: nothing
// acknowledged lost, every dossier equal to its replay, no alert or e-mail twice) and the recovery
// benchmark (test/bench/recovery.bench.ts: how long the service took to answer again after each
// fault). Intakes and actions run through two API processes while Redis dies and comes back,
// PostgreSQL crashes and comes back, the worker is killed mid-recomputation and an API process is
// killed mid-request, on servers of the scenario's own.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, PoolClient } from 'pg';
import { createHttpApp } from '../../src/http-app';
import { deliveryMessageId } from '../../src/sla/delivery/email.sender';
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
  InvariantReport,
  Mail,
  escalateAtOncePolicy,
  missingAlerts,
  OwnServices,
  replayMismatches,
  startHookReceiver,
  startSmtp,
  startWorker,
  stopProc,
} from './support';

/** Open dossiers a calendar edit recomputes while the worker is killed. */
export const FRESH_OPEN = 4000;
/** Dossiers received a month ago: overdue, stalled and escalated, so the scan raises alerts with deliveries. */
export const OVERDUE = 100;

/** Seconds from the end of each fault until the service answered again (readiness, a write, a worker's job). */
export interface RecoveryFigures {
  redisRecoveryS: number;
  postgresRecoveryS: number;
  workerRecoveryS: number;
  apiRecoveryS: number;
  /** The worker's share of workerRecoveryS: from its spawn to its "workers started" line. */
  workerStartS: number;
  recomputeCompletedAfterS: number;
  recomputedBeforeKill: number;
  openDossiersAtKill: number;
  inflightAtApiKill: number;
}

export interface FaultRun {
  figures: RecoveryFigures;
  /** Seconds from the start of the load at which each fault began. */
  marks: Record<string, number>;
  summary: ReturnType<Load['summary']>;
  refused: Load['refused'];
  lostIntakes: string[];
  lostActionKeys: string[];
  /** Dossiers the clerk received, and distinct dossiers answered for their idempotency keys (equal: one per key). */
  clerkDossiers: number;
  clerkKeys: number;
  invariants: InvariantReport;
  /** Every alert_deliveries row once all were sent. */
  deliveries: { id: string; channel: string; status: string }[];
  mails: Mail[];
  hookCalls: string[];
  /** The load's start (epoch ms), for reading `mails[].at`. */
  startedAt: number;
}

export class FaultScenario {
  services!: OwnServices;
  smtp!: Awaited<ReturnType<typeof startSmtp>>;
  hooks!: Awaited<ReturnType<typeof startHookReceiver>>;
  env!: Record<string, string>;
  apis: ApiProcess[] = [];
  worker: Proc | null = null;
  readonly oldWorkers: Proc[] = [];
  pool!: Pool;
  p!: Province;
  overdueIds: string[] = [];
  private verifier: NestFastifyApplication | null = null;

  withClient = async <T>(fn: (c: PoolClient) => Promise<T>): Promise<T> => {
    const c = await this.pool.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  };

  sql = async <T = any>(text: string, params: unknown[] = []): Promise<T[]> =>
    (await this.pool.query(text, params)).rows as T[];

  /** Servers, two APIs, the province, 100 overdue and 4,000 open dossiers, a worker, the first alerts. */
  async setUp(): Promise<void> {
    this.services = await OwnServices.start();
    this.smtp = await startSmtp();
    this.hooks = await startHookReceiver();
    this.pool = new Pool({ connectionString: this.services.databaseUrl, max: 4, idleTimeoutMillis: 1000 });
    this.pool.on('error', () => undefined);
    this.env = testEnv(this.services.databaseUrl, {
      REDIS_URL: this.services.redisUrl,
      SMTP_URL: this.smtp.url,
      LOG_LEVEL: 'warn',
      DELIVERY_BACKOFF_MS: '200',
      DELIVERY_MAX_ATTEMPTS: '20',
      // Six-field expressions: every second (scan, heartbeat), every 2 s (sweeps), every 5 s (report deltas).
      SLA_SCAN_CRON: '* * * * * *',
      HEARTBEAT_CRON: '* * * * * *',
      SWEEP_CRON: '*/2 * * * * *',
      REPORTS_COMPACT_CRON: '*/5 * * * * *',
      SLA_POLICY_FILE: escalateAtOncePolicy(),
    });
    const [a, b] = await Promise.all([ApiProcess.start('api-a', this.env), ApiProcess.start('api-b', this.env)]);
    this.apis = [a, b];
    this.p = await buildAlertingProvince(a.url, this.hooks.url);
    const now = Date.now();
    const imported = async (n: number, receivedAt: Date) => {
      const res = await http(a.url, 'POST', '/imports/dossiers', {
        token: this.p.admin,
        body: { dossiers: importItems(n, receivedAt, intakeBody()) },
        timeoutMs: 120_000,
      });
      if (res.status !== 200 || res.body.failed.length) throw new Error(`import: ${JSON.stringify(res.body)}`);
    };
    await imported(OVERDUE, new Date(now - 30 * 24 * 3600_000));
    this.overdueIds = (await this.sql<{ id: string }>(`SELECT id FROM dossiers ORDER BY id`)).map((r) => r.id);
    for (let i = 0; i < FRESH_OPEN; i += 2000) await imported(Math.min(2000, FRESH_OPEN - i), new Date(now - 60_000));
    this.worker = await startWorker(this.env);
    // The first scans raise the alerts of the overdue dossiers before the load starts acting on them.
    const started = new Date();
    await waitFor(
      () => this.withClient(async (c) => (await missingAlerts(c, started)).length === 0),
      60_000,
      'alerts of the overdue dossiers',
    );
  }

  /** The four faults under load, then what PostgreSQL, the SMTP server and the webhook receiver hold. */
  async run(): Promise<FaultRun> {
    const { apis, p, sql } = this;
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
        90_000,
        'a job run by a worker',
      ).then(() => Date.now());
      const done = await Promise.all([...apiTimes, workerTime]);
      return seconds(Math.max(...done) - endedAt);
    };

    const figures = {} as RecoveryFigures;
    const t0 = Date.now();
    const marks: Record<string, number> = {};
    const mark = (what: string) => (marks[what] = seconds(Date.now() - t0));
    load.start(4, this.overdueIds);
    await sleep(3000);

    // 1. Redis dies for 3 s and comes back (AOF reloaded).
    mark('redis killed');
    await this.services.killRedis();
    await sleep(3000);
    await this.services.startRedis();
    let ended = Date.now();
    figures.redisRecoveryS = await recovery(ended, apis);
    await sleep(2000);

    // 2. PostgreSQL crashes (immediate shutdown) for 3 s, then starts with crash recovery.
    mark('postgres crashed');
    await this.services.crashPostgres();
    await sleep(3000);
    await this.services.startPostgres();
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
    if (edit.status !== 200) throw new Error(`calendar edit: ${edit.status} ${JSON.stringify(edit.body)}`);
    // The dossiers imported open before the edit (new intakes carry the new version from the start).
    const progress = async () =>
      (
        await sql<{ done: number; open: number }>(
          `SELECT count(*) FILTER (WHERE calendar_version > $1)::int AS done, count(*)::int AS open
           FROM dossiers WHERE ended_at IS NULL AND created_by = $2`,
          [before, adminId],
        )
      )[0];
    await waitFor(
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
    this.worker!.child.kill('SIGKILL');
    await this.worker!.exited;
    this.oldWorkers.push(this.worker!);
    const atKill = await progress();
    ended = Date.now();
    this.worker = await startWorker(this.env);
    figures.workerStartS = seconds(Date.now() - ended);
    figures.workerRecoveryS = await recovery(ended, apis, this.worker.child.pid);
    await waitFor(async () => (await progress()).done === (await progress()).open, 90_000, 'recomputation completed');
    figures.recomputeCompletedAfterS = seconds(Date.now() - ended);
    figures.recomputedBeforeKill = atKill.done;
    figures.openDossiersAtKill = atKill.open;
    if (atKill.done >= atKill.open) throw new Error('the worker was killed after the recomputation had ended');

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
    // Retried intakes made one dossier per key: every dossier the clerk received has its key, once.
    const [dup] = await sql<{ dossiers: number; keys: number }>(
      `SELECT (SELECT count(*)::int FROM dossiers WHERE created_by = $1) AS dossiers,
              (SELECT count(DISTINCT response->>'id')::int FROM idempotency_keys WHERE user_id = $1 AND key LIKE '%intake' OR user_id = $1 AND key LIKE '%-probe-%') AS keys`,
      [p.userIds.clerk],
    );

    // --- Whole dossiers, gap-free events; alerts single, complete and delivered.
    await waitFor(
      () => this.withClient(async (c) => (await missingAlerts(c, loadEnded)).length === 0),
      30_000,
      'every alert due raised',
    );
    const invariants = await this.withClient((c) => checkInvariants(c));
    const deliveries = await waitFor(
      async () => {
        const rows = await sql<{ id: string; channel: string; status: string }>(
          `SELECT id::text, channel, status FROM alert_deliveries`,
        );
        return rows.length > 0 && rows.every((r) => r.status === 'sent') ? rows : null;
      },
      120_000,
      'every delivery sent',
    );
    return {
      figures,
      marks,
      summary: load.summary(),
      refused: load.refused,
      lostIntakes: intakeIds.filter((id) => !presentDossiers.has(id)),
      lostActionKeys: actions.filter((w) => !presentEvents.has(`${w.dossierId}:${w.seq}:${w.op}`)).map((w) => w.key),
      clerkDossiers: dup.dossiers,
      clerkKeys: dup.keys,
      invariants,
      deliveries,
      mails: [...this.smtp.mails],
      hookCalls: [...this.hooks.calls],
      startedAt: t0,
    };
  }

  /** Dossiers whose stored projection differs from the replay of their events (an in-process app reads them). */
  async replayMismatches(): Promise<string[]> {
    applyEnv({ ...this.env, LOG_LEVEL: 'silent' });
    this.verifier = await createHttpApp();
    await this.verifier.init();
    return this.withClient((c) => replayMismatches(this.verifier!, c));
  }

  async tearDown(): Promise<void> {
    // RELIABILITY_LOGS=dir keeps the processes' output for a post-mortem.
    const keep = process.env.RELIABILITY_LOGS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      [this.worker, ...this.oldWorkers].forEach(
        (w, i) => w && writeFileSync(join(keep, `worker-${i}.log`), w.output()),
      );
      for (const a of this.apis) if (a.proc) writeFileSync(join(keep, `${a.name}.log`), a.proc.output());
    }
    await this.verifier?.close().catch(() => undefined);
    for (const w of [this.worker, ...this.oldWorkers]) await stopProc(w, 'SIGKILL');
    for (const a of this.apis) await a.kill9();
    await this.pool?.end().catch(() => undefined);
    await this.smtp?.close();
    await this.hooks?.close();
    await this.services?.destroy();
  }
}

/** E-mails counted by Message-ID: a re-send with the same Message-ID is one message to a mail client. */
export function mailCounts(run: Pick<FaultRun, 'mails' | 'deliveries' | 'startedAt'>): {
  received: number;
  distinctMessageIds: number;
  /** Transfers of a Message-ID already received (harmless: dropped by the mail client). */
  resent: number;
  resentAt: string[];
  /** E-mail deliveries whose Message-ID never arrived. */
  notMailed: string[];
  /** Messages whose Message-ID is not the one of their X-Delivery-Id (so a repeat would not be recognised). */
  unstable: string[];
} {
  const ids = new Map<string, number>();
  for (const m of run.mails) ids.set(m.messageId, (ids.get(m.messageId) ?? 0) + 1);
  const seen = new Set<string>();
  const resentAt: string[] = [];
  for (const m of run.mails) {
    if (seen.has(m.messageId)) resentAt.push(`${m.deliveryId}@${seconds(m.at - run.startedAt)}s`);
    seen.add(m.messageId);
  }
  return {
    received: run.mails.length,
    distinctMessageIds: ids.size,
    resent: run.mails.length - ids.size,
    resentAt,
    notMailed: run.deliveries
      .filter((d) => d.channel === 'email' && !ids.has(deliveryMessageId(d.id)))
      .map((d) => d.id),
    unstable: run.mails.filter((m) => m.messageId !== deliveryMessageId(m.deliveryId)).map((m) => m.messageId),
  };
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;
