// Benchmark of dossier actions over HTTP: the real API (createHttpApp: Fastify, the whole
// Nest pipeline, TypeORM, pg) listening on 127.0.0.1, driven by 50 concurrent keep-alive clients
// looping intake -> forward (counter) -> forward (officer) -> resolve on their own dossiers.
// Baseline in the same run, same database: pgbench with scripts built from the statements the API
// sent for one such cycle (recorded at the driver), 50 clients, the same mix.
// Targets: API requests/s >= 0.5 x pgbench TPS (-M prepared); API p99 <= 25 ms; no errors.
// A diagnostic pair follows (not a target): the same without intake (forward, forward, resolve of
// imported received dossiers) on both sides, which takes the per-unit code counter out.
// Run alone: build, start servers (docker/services.sh), export DATABASE_URL/REDIS_URL, then
// node dist/test/bench/actions.bench.js
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Client } from 'pg';
import type { Api } from '../support/http';
import { buildProvince, intakeBody } from '../support/province';
import type { LoadInput, LoadMessage, LoadOutput, Step } from './support/action-load.worker';
import {
  apiEnv,
  BenchEnv,
  BenchResult,
  check,
  createMigratedDatabase,
  fmt,
  HttpClient,
  percentile,
  progress,
  provinceApi,
  round,
  runStandalone,
  sortedNumbers,
  startApi,
} from './support/bench-kit';
import { CpuUsage, cpuWindow, describeCpu, disturbanceNote, postmasterPid } from './support/cpu';
import { PgRecorder, RecordedStatement } from './support/pg-recorder';
import { PgbenchRun, PgbenchScript, runPgbench, scriptFromStatements } from './support/pgbench';
import { printProfile, profile } from './support/profiler';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 20);
const SHORT_S = Math.max(5, Math.round(DURATION_S / 2));
const PROFILE_S = 5;
const POOL_SIZE = 50;
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 25;
const STEPS: Step[] = ['intake', 'forward_counter', 'forward_officer', 'resolve'];
const NO_INTAKE: Step[] = ['forward_counter', 'forward_officer', 'resolve'];

interface Province {
  admin: string;
  tokens: { clerk: string; officer: string; signer: string };
}

/** One cycle over HTTP; `recorder` records the statements each request sent. */
async function sampleCycle(
  http: HttpClient,
  p: Province,
  recorder: PgRecorder,
): Promise<{ id: string; code: string; statements: Record<Step, RecordedStatement[]> }> {
  const ok = (what: string, res: { status: number; body: any }, status: number) => {
    if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const act = (id: string, action: string, token: string, body: Record<string, unknown>) =>
    recorder.record(() => http.request('POST', `/dossiers/${id}/actions/${action}`, { token, body }));
  const intake = await recorder.record(() =>
    http.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() }),
  );
  const d = ok('intake', intake.result, 201).body;
  const f1 = await act(d.id, 'forward', p.tokens.clerk, { expectedVersion: 1 });
  ok('forward (counter)', f1.result, 200);
  const f2 = await act(d.id, 'forward', p.tokens.officer, { expectedVersion: 2 });
  ok('forward (officer)', f2.result, 200);
  const r = await act(d.id, 'resolve', p.tokens.signer, {
    expectedVersion: 3,
    resultSummary: 'Cấp giấy phép xây dựng',
    electronicResult: true,
  });
  ok('resolve', r.result, 200);
  return {
    id: d.id,
    code: d.code,
    statements: {
      intake: intake.statements,
      forward_counter: f1.statements,
      forward_officer: f2.statements,
      resolve: r.statements,
    },
  };
}

function runLoad(input: LoadInput, onWindow: (phase: 'start' | 'end') => void): Promise<LoadOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'support', 'action-load.worker.js'), { workerData: input });
    let result: LoadOutput | null = null;
    worker.on('message', (m: LoadMessage) => {
      if (m.type === 'window-start') onWindow('start');
      else if (m.type === 'window-end') onWindow('end');
      else result = m.result;
    });
    worker.on('error', reject);
    worker.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`load generator exited with ${code} and no result`)),
    );
  });
}

interface Measured {
  load: LoadOutput;
  cpu: CpuUsage;
  apiElu: number;
  statements: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  perStep: Partial<Record<Step, { n: number; p50: number; p95: number; p99: number }>>;
}

/** A load run with the CPU, the API's event-loop use and the statements counted over its window. */
async function measuredLoad(
  input: LoadInput,
  steps: Step[],
  recorder: PgRecorder,
  postmaster: number | null,
): Promise<Measured> {
  let stopCpu: (() => CpuUsage) | null = null;
  let cpu: CpuUsage | null = null;
  let elu0 = performance.eventLoopUtilization();
  let apiElu = NaN;
  let statements0 = 0;
  let statements = 0;
  let stopProgress: (() => void) | null = null;
  const load = await runLoad(input, (phase) => {
    if (phase === 'start') {
      if (input.warmupMs) console.log(`  warm-up done; measuring ${input.durationMs / 1000} s`);
      stopProgress = progress('measuring', input.durationMs);
      stopCpu = cpuWindow(postmaster);
      elu0 = performance.eventLoopUtilization();
      statements0 = recorder.count;
    } else {
      stopProgress?.();
      cpu = stopCpu!();
      apiElu = performance.eventLoopUtilization(elu0).utilization;
      statements = recorder.count - statements0;
    }
  });
  const all = sortedNumbers(steps.flatMap((s) => load.latencies[s]));
  const perStep: Measured['perStep'] = {};
  for (const s of steps) {
    const v = sortedNumbers(load.latencies[s]);
    perStep[s] = { n: v.length, p50: percentile(v, 50), p95: percentile(v, 95), p99: percentile(v, 99) };
  }
  return {
    load,
    cpu: cpu!,
    apiElu,
    statements,
    requests: all.length,
    rps: all.length / (load.windowMs / 1000),
    p50: percentile(all, 50),
    p95: percentile(all, 95),
    p99: percentile(all, 99),
    perStep,
  };
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

function printApi(title: string, m: Measured, steps: Step[]): void {
  const seconds = m.load.windowMs / 1000;
  console.log(`  ${title}`);
  console.log(
    `    ${fmt(m.requests)} requests in ${seconds} s = ${fmt(m.rps, 1)} actions/s (${fmt(m.load.cyclesCompleted)} dossiers taken to resolved, ${fmt(m.load.cyclesCompleted / seconds, 1)}/s)`,
  );
  console.log(`    latency p50 ${ms(m.p50)}  p95 ${ms(m.p95)}  p99 ${ms(m.p99)}   errors ${m.load.errors}`);
  for (const s of steps) {
    const x = m.perStep[s]!;
    console.log(
      `      ${s.padEnd(16)} ${fmt(x.n).padStart(7)} req   p50 ${ms(x.p50)}  p95 ${ms(x.p95)}  p99 ${ms(x.p99)}`,
    );
  }
  console.log(`    SQL statements per request: ${(m.statements / Math.max(1, m.requests)).toFixed(2)}`);
  console.log(
    `    ${describeCpu(m.cpu, 'node: API + load generator')}; API event loop busy ${(m.apiElu * 100).toFixed(0)}%`,
  );
  if (m.load.exhausted) console.log('    (the prepared dossiers ran out before the end of the window)');
  if (m.load.errorSamples.length) console.log(`    first errors: ${m.load.errorSamples.join(' | ')}`);
}

function printPgbench(title: string, r: PgbenchRun, cpu: CpuUsage): void {
  console.log(`  ${title}`);
  console.log(
    `    ${fmt(r.transactions)} transactions = ${fmt(r.tps, 1)} TPS   p50 ${ms(r.p50)}  p95 ${ms(r.p95)}  p99 ${ms(r.p99)}   failed ${r.failed}`,
  );
  for (const s of r.scripts)
    console.log(`      ${s.name.padEnd(16)} ${fmt(s.tps, 1).padStart(7)} TPS   average ${ms(s.latencyAvgMs)}`);
  console.log(`    ${describeCpu(cpu, 'node (idle)')}`);
}

export async function run(env: BenchEnv): Promise<BenchResult> {
  if (!env.pgBin) throw new Error('pgbench not found (PostgreSQL bin directory); install postgresql');
  console.log(
    `actions over HTTP: ${CLIENTS} clients, ${WARMUP_S} s warm-up + ${DURATION_S} s measured; pgbench; then a diagnostic without intake`,
  );
  const db = await createMigratedDatabase(env, 'bench_actions');
  const recorder = PgRecorder.install();
  const api = await startApi(apiEnv(db.url, env.redisUrl, POOL_SIZE));
  let apiOpen = true;
  const closeApi = async () => {
    if (!apiOpen) return;
    apiOpen = false;
    recorder.uninstall();
    await api.close();
  };
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  try {
    const postmaster = await postmasterPid((q) => sql.query(q));
    const setup = new HttpClient(api.baseUrl, 4);
    const province = (await buildProvince(provinceApi(setup) as unknown as Api)) as unknown as Province;
    await sampleCycle(setup, province, recorder); // warms the caches (procedure version, users)
    const sample = await sampleCycle(setup, province, recorder);
    const loadInput = (over: Partial<LoadInput>): LoadInput => ({
      baseUrl: api.baseUrl,
      clients: CLIENTS,
      warmupMs: WARMUP_S * 1000,
      durationMs: DURATION_S * 1000,
      tokens: province.tokens,
      intakeBody: intakeBody(),
      ...over,
    });

    // --- 1. The API under the mixed load.
    await sql.query('CHECKPOINT');
    const app = await measuredLoad(loadInput({}), STEPS, recorder, postmaster);

    // --- 2. Unmeasured: where the API's main thread spends its time (sampling profile).
    console.log(`  profiling the API for ${PROFILE_S} s more (not measured)`);
    const prof = await profile(() =>
      runLoad(loadInput({ warmupMs: 0, durationMs: PROFILE_S * 1000 }), () => undefined),
    );

    // --- 3. Diagnostic: no intake. Received dossiers made by the import, then forward, forward, resolve.
    const stock = Math.max(3000, Math.round(app.rps * 4 * SHORT_S));
    const receivedAt = new Date(Date.now() - 10 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    console.log(`  diagnostic without intake: importing ${fmt(stock)} received dossiers`);
    for (let i = 0; i < stock; i += 2000) {
      const n = Math.min(2000, stock - i);
      const items = Array.from({ length: n }, () => ({ ...intakeBody(), receivedAt, events: [] }));
      const res = await setup.request('POST', '/imports/dossiers', {
        token: province.admin,
        body: { dossiers: items },
      });
      if (res.status !== 200 || res.body.imported !== n)
        throw new Error(`import: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    const { rows: received } = await sql.query<{ id: string }>(
      `SELECT id FROM dossiers WHERE status = 'received' AND version = 1 AND created_by = (SELECT id FROM users WHERE username = 'admin')`,
    );
    setup.close();
    await sql.query('CHECKPOINT');
    const diag = await measuredLoad(
      loadInput({ warmupMs: 1000, durationMs: SHORT_S * 1000, existing: received.map((r) => r.id) }),
      NO_INTAKE,
      recorder,
      postmaster,
    );
    await closeApi();

    // --- 4. pgbench on the same database: the dossiers the API made, the same statements.
    await sql.query(`CREATE TABLE bench_ids AS SELECT (row_number() OVER (ORDER BY id))::int AS n, id FROM dossiers`);
    await sql.query(`ALTER TABLE bench_ids ADD PRIMARY KEY (n)`);
    await sql.query(`ANALYZE bench_ids`);
    const nids = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_ids`)).rows[0].n;
    const scripts = Object.fromEntries(
      STEPS.map((s) => [
        s,
        scriptFromStatements(sample.statements[s], {
          name: s,
          dossierId: sample.id,
          code: s === 'intake' ? sample.code : undefined,
          pickFromBenchIds: s !== 'intake',
        }),
      ]),
    ) as Record<Step, PgbenchScript>;
    const pgb = async (title: string, mode: 'prepared' | 'extended', secs: number, steps: Step[]) => {
      await sql.query('CHECKPOINT');
      console.log(`  pgbench -M ${mode}, ${title}: ${CLIENTS} clients, 2 threads, ${secs} s`);
      const stop = cpuWindow(postmaster);
      const r = await runPgbench({
        bin: env.pgBin!,
        databaseUrl: db.url,
        workDir: env.workDir,
        scripts: steps.map((s) => ({ script: scripts[s], weight: 1 })),
        clients: CLIENTS,
        threads: 2,
        seconds: secs,
        mode,
        extraDefines: { nids: String(nids) },
      });
      return { run: r, cpu: stop() };
    };
    const prepared = await pgb('mixed', 'prepared', DURATION_S, STEPS);
    const extended = await pgb('mixed', 'extended', SHORT_S, STEPS);
    const pgDiag = await pgb('without intake', 'prepared', SHORT_S, NO_INTAKE);

    // --- Report.
    const ratio = app.rps / prepared.run.tps;
    const ratioExtended = app.rps / extended.run.tps;
    const ratioDiag = diag.rps / pgDiag.run.tps;
    const sampleStatements = STEPS.reduce((a, s) => a + sample.statements[s].length, 0) / STEPS.length;
    console.log('');
    printApi(
      `API over HTTP, mixed (${CLIENTS} clients, pool ${POOL_SIZE}, fsync ${env.fsync}; sample cycle: ${sampleStatements.toFixed(2)} statements per request):`,
      app,
      STEPS,
    );
    printPgbench(
      `pgbench -M prepared, same statements and mix (${CLIENTS} clients, -j 2, ${DURATION_S} s):`,
      prepared.run,
      prepared.cpu,
    );
    printPgbench(
      `pgbench -M extended (unnamed statements, as node-postgres sends them; ${SHORT_S} s):`,
      extended.run,
      extended.cpu,
    );
    console.log('  pgbench -M prepared, average latency of each statement (ms):');
    for (const s of prepared.run.scripts) {
      console.log(`    ${s.name}:`);
      for (const st of s.statements) console.log(`      ${st.ms.toFixed(3).padStart(8)}  ${st.sql.slice(0, 100)}`);
    }
    printProfile(`API CPU profile under the same load (${PROFILE_S} s, unmeasured)`, prof);
    console.log(
      `  ratio API / pgbench, mixed: ${ratio.toFixed(2)} (-M prepared), ${ratioExtended.toFixed(2)} (-M extended)`,
    );
    console.log('  diagnostic, no intake (forward, forward, resolve of received dossiers; not a target):');
    printApi(`API over HTTP (${SHORT_S} s):`, diag, NO_INTAKE);
    printPgbench(`pgbench -M prepared (${SHORT_S} s):`, pgDiag.run, pgDiag.cpu);
    console.log(`    ratio API / pgbench without intake: ${ratioDiag.toFixed(2)}`);

    // Evidence for the reading of the mixed figures: how long pgbench's intakes waited for the counter row.
    const intakeScript = prepared.run.scripts.find((s) => s.name === 'intake');
    const counter = intakeScript?.statements.find((s) => /dossier_code_sequences/.test(s.sql));
    const apiIntakes = app.perStep.intake!.n / DURATION_S;
    if (counter && intakeScript) {
      console.log(
        `  the intake's counter upsert (dossier_code_sequences, one row per unit and day) took ${ms(counter.ms)} on average in pgbench: ` +
          `each intake holds that row lock until its COMMIT, so intakes of one unit run one at a time ` +
          `(pgbench ${fmt(intakeScript.tps, 1)} intakes/s, API ${fmt(apiIntakes, 1)}/s), and with the 1:3 mix they bound both sides' totals`,
      );
    }
    const checks = [
      check(
        'API actions/s vs pgbench TPS (-M prepared)',
        `${ratio.toFixed(2)}x`,
        `>= ${TARGET_RATIO}x`,
        ratio >= TARGET_RATIO,
      ),
      check('API p99 latency (mixed)', ms(app.p99), `<= ${TARGET_P99_MS} ms`, app.p99 <= TARGET_P99_MS),
      check('API errors in the window', String(app.load.errors), '0', app.load.errors === 0),
    ];
    const notes = [
      `API side: ${CLIENTS} keep-alive clients (node:http, in a worker thread of the bench process) loop intake -> forward (counter clerk) -> forward (officer) -> resolve (signer) on their own dossiers over real HTTP to the in-process API (createHttpApp, pool ${POOL_SIZE}, all intakes at one unit, H15.50); ${WARMUP_S} s warm-up discarded, ${DURATION_S} s measured; latency = client-side request time.`,
      `pgbench side: 4 scripts (weight 1 each = the API mix), generated from the statements the API sent to PostgreSQL for one sample cycle (recorded in pg.Client.query), with the same parameter values: every statement of the request, in order (reads outside the transaction, BEGIN, the row lock or the one-statement intake, inserts, update, COMMIT; the per-request statement count is in the figures). Differences: actions first pick a random dossier among the ${fmt(nids)} in bench_ids (one extra primary-key read); intake makes id and code in SQL (gen_random_uuid(), lpad of the counter) instead of in Node; version and seq come from the locked row.`,
      `-M prepared (the target's baseline) parses and plans each statement once per connection; node-postgres sends unnamed statements (parse and plan every time), as -M extended does: API / extended = ${ratioExtended.toFixed(2)}.`,
      `Diagnostic without intake (not a target): the same on both sides for forward, forward, resolve only, on dossiers imported as received: API ${fmt(diag.rps, 1)}/s, p99 ${ms(diag.p99)}; pgbench ${fmt(pgDiag.run.tps, 1)} TPS, p99 ${ms(pgDiag.run.p99)}; ratio ${ratioDiag.toFixed(2)}.`,
      `Machine: ${app.cpu.nproc} cores shared by the API (one Node event loop), its load-generator thread, PostgreSQL and pgbench over loopback; with ${CLIENTS} closed-loop clients, mean latency = ${CLIENTS} / throughput (Little's law).`,
    ];
    const disturbance = disturbanceNote({
      'the API run': app.cpu,
      'pgbench -M prepared': prepared.cpu,
      'pgbench -M extended': extended.cpu,
      'the diagnostic API run': diag.cpu,
      'the diagnostic pgbench run': pgDiag.cpu,
    });
    if (disturbance) {
      console.log(`  ${disturbance}`);
      notes.unshift(disturbance);
    }
    const figures: Record<string, number> = {
      clients: CLIENTS,
      seconds: DURATION_S,
      requests: app.requests,
      actionsPerSec: round(app.rps, 1),
      dossierCyclesPerSec: round(app.load.cyclesCompleted / DURATION_S, 1),
      p50Ms: round(app.p50, 2),
      p95Ms: round(app.p95, 2),
      p99Ms: round(app.p99, 2),
      errors: app.load.errors,
      statementsPerRequest: round(app.statements / Math.max(1, app.requests), 2),
      pgbenchPreparedTps: round(prepared.run.tps, 1),
      pgbenchPreparedP50Ms: round(prepared.run.p50, 2),
      pgbenchPreparedP99Ms: round(prepared.run.p99, 2),
      pgbenchExtendedTps: round(extended.run.tps, 1),
      pgbenchExtendedP99Ms: round(extended.run.p99, 2),
      ratioToPgbenchPrepared: round(ratio, 3),
      ratioToPgbenchExtended: round(ratioExtended, 3),
    };
    for (const s of STEPS) {
      figures[`${s}P50Ms`] = round(app.perStep[s]!.p50, 2);
      figures[`${s}P99Ms`] = round(app.perStep[s]!.p99, 2);
    }
    if (counter) figures.pgbenchIntakeCounterUpsertAvgMs = round(counter.ms, 2);
    Object.assign(figures, {
      apiMachineCores: round(app.cpu.machineCores, 2),
      apiNodeCores: round(app.cpu.nodeCores, 2),
      apiPostgresCores: round(app.cpu.postgresCores, 2),
      apiOtherCores: round(app.cpu.otherCores, 2),
      apiEventLoopUtilization: round(app.apiElu, 3),
      pgbenchMachineCores: round(prepared.cpu.machineCores, 2),
      pgbenchPostgresCores: round(prepared.cpu.postgresCores, 2),
      pgbenchOtherCores: round(prepared.cpu.otherCores, 2),
      noIntakeActionsPerSec: round(diag.rps, 1),
      noIntakeP50Ms: round(diag.p50, 2),
      noIntakeP99Ms: round(diag.p99, 2),
      noIntakeErrors: diag.load.errors,
      noIntakeEventLoopUtilization: round(diag.apiElu, 3),
      noIntakePgbenchTps: round(pgDiag.run.tps, 1),
      noIntakePgbenchP99Ms: round(pgDiag.run.p99, 2),
      noIntakeRatio: round(ratioDiag, 3),
    });
    return { name: 'actions over HTTP', figures, checks, pass: checks.every((c) => c.ok), notes };
  } finally {
    await closeApi().catch(() => undefined);
    await sql.end().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

if (require.main === module) runStandalone(run);
