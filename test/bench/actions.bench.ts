// The write path over HTTP against the minimal work in PostgreSQL (issue 18's targets).
// The real API (createHttpApp: Fastify, the whole Nest pipeline, TypeORM, pg) on 127.0.0.1, driven by
// 50 closed-loop keep-alive clients (a worker thread), each phase paired with pgbench doing the least
// the database must do for the same result, in the same run, right after it, on the same server:
// - intake, all at one unit / spread over 20 units: bump a per-unit counter row, insert a dossier row
//   (jsonb applicant, two indexes), insert an event row, one transaction (pgbench: unit = client % units);
// - forward and resolve: update the dossier row, insert an event row, one transaction;
// - GET /dossiers?limit=50 as a counter clerk, GET /units?limit=50: the one SELECT of that page.
// Targets: API >= 0.5x pgbench; for intake and actions p99 <= 2x pgbench's p99; no errors.
// Then unmeasured passes under the profiler, one per route: where the API's main thread spends its time.
// BENCH_PROFILE_DIR=dir keeps those profiles as .cpuprofile files (Chrome DevTools, speedscope).
// BENCH_ACTIONS_SQL runs on the database before the phases (an experiment: a trigger disabled, say).
// Run alone: build, start servers (docker/services.sh), export DATABASE_URL/REDIS_URL, then
// node dist/test/bench/actions.bench.js
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Client } from 'pg';
import { DEFAULT_DATABASE_POOL_SIZE } from '../../src/config/app-config';
import type { Api } from '../support/http';
import { buildProvince, intakeBody } from '../support/province';
import type { LoadInput, LoadKind, LoadMessage, LoadOutput } from './support/action-load.worker';
import {
  apiEnv,
  BenchEnv,
  BenchResult,
  Check,
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
import { PgRecorder } from './support/pg-recorder';
import { PgbenchRun, PgbenchScript, runPgbench } from './support/pgbench';
import { printProfile, profile } from './support/profiler';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 20);
const PROFILE_S = 5;
/** Where to keep the raw profiles of the unmeasured passes (.cpuprofile), if set. */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
/**
 * The API's own default (DATABASE_POOL_SIZE): the clients are as many as pgbench's, the pool is the
 * product's. Measured both ways on one server (pool 10 and pool 50, one run each): throughput
 * -2% to +9% with 10, the API's event loop 89-92% busy against 98-99%, the writes' p99 107-116 ms
 * against 119-165 ms.
 */
const POOL_SIZE = DEFAULT_DATABASE_POOL_SIZE;
const SPREAD_UNITS = 20;
const TARGET_RATIO = 0.5;
const TARGET_P99 = 2;
const PAGE = 50;

interface Province {
  admin: string;
  tokens: { clerk: string; officer: string; signer: string };
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
  p99: number;
}

/** A load run with the CPU, the API's event-loop use and the statements counted over its window. */
async function measuredLoad(input: LoadInput, recorder: PgRecorder, postmaster: number | null): Promise<Measured> {
  let stopCpu: (() => CpuUsage) | null = null;
  let cpu: CpuUsage | null = null;
  let elu0 = performance.eventLoopUtilization();
  let apiElu = NaN;
  let statements0 = 0;
  let statements = 0;
  let stopProgress: (() => void) | null = null;
  const load = await runLoad(input, (phase) => {
    if (phase === 'start') {
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
  const all = sortedNumbers(Object.values(load.latencies).flat());
  return {
    load,
    cpu: cpu!,
    apiElu,
    statements,
    requests: all.length,
    rps: all.length / (load.windowMs / 1000),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
  };
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

/** CPU time of the API's event loop (the bench's main thread) per request of the window. */
const cpuMsPerRequest = (m: Measured) => (m.cpu.mainThreadCores * m.cpu.seconds * 1000) / Math.max(1, m.requests);

/** The minimal schema of the baselines, beside the app's tables (the same server and database). */
const MINIMAL_SCHEMA = `
  CREATE TABLE bench_min_counters (unit_id int NOT NULL, day date NOT NULL, last int NOT NULL, PRIMARY KEY (unit_id, day));
  CREATE TABLE bench_min_dossiers (
    id bigserial PRIMARY KEY, code text NOT NULL UNIQUE, unit_id int NOT NULL, status text NOT NULL,
    version int NOT NULL, received_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, applicant jsonb NOT NULL);
  CREATE TABLE bench_min_events (
    dossier_id bigint NOT NULL, seq int NOT NULL, action text NOT NULL, at timestamptz NOT NULL, payload jsonb NOT NULL,
    PRIMARY KEY (dossier_id, seq));`;

/** Intake: the counter row, the dossier row (its code from the counter), the event row; one transaction. */
const intakeScript = (units: number, applicant: string): PgbenchScript => ({
  name: `intake_${units}`,
  text: `\\set u 1 + :client_id % ${units}
BEGIN;
INSERT INTO bench_min_counters AS s (unit_id, day, last) VALUES (:u, current_date, 1) ON CONFLICT (unit_id, day) DO UPDATE SET last = s.last + 1 RETURNING last \\gset
INSERT INTO bench_min_dossiers (code, unit_id, status, version, received_at, updated_at, applicant) VALUES (:u || '-' || to_char(current_date, 'YYMMDD') || '-' || lpad(:last::text, greatest(4, length(:last::text)), '0'), :u, 'received', 1, now(), now(), :applicant::jsonb) RETURNING id \\gset
INSERT INTO bench_min_events (dossier_id, seq, action, at, payload) VALUES (:id, 1, 'intake', now(), '{}');
END;
`,
  defines: { applicant },
});

/** An action: update a random dossier row (its version moves), insert its event row; one transaction. */
const actionScript: PgbenchScript = {
  name: 'action',
  text: `\\set id random(1, :nids)
BEGIN;
UPDATE bench_min_dossiers SET status = 'in_progress', version = version + 1, updated_at = now() WHERE id = :id RETURNING version \\gset
INSERT INTO bench_min_events (dossier_id, seq, action, at, payload) VALUES (:id, :version, 'forward', now(), '{}');
END;
`,
  defines: {},
};

/** The page GET /dossiers?limit=50 shows a counter clerk: visible by unit, newest first, on its index. */
const listScript = (unitId: string): PgbenchScript => ({
  name: 'list_dossiers',
  text: `SELECT id, code, procedure_code, procedure_version, receiving_unit_id, channel, status, version, received_at, applicant, summary, flags, state FROM dossiers d WHERE EXISTS (SELECT 1 FROM dossier_units du WHERE du.dossier_id = d.id AND du.unit_id = :unit) ORDER BY received_at DESC, id DESC LIMIT ${PAGE};
`,
  defines: { unit: unitId },
});

const unitsScript: PgbenchScript = {
  name: 'list_units',
  text: `SELECT id, code, name, portal_code, parent_id, head_user_id, active FROM units ORDER BY code LIMIT ${PAGE};
`,
  defines: {},
};

interface Pair {
  key: string;
  title: string;
  api: Measured;
  pg: { run: PgbenchRun; cpu: CpuUsage };
  p99Target: boolean;
}

export async function run(env: BenchEnv): Promise<BenchResult> {
  if (!env.pgBin) throw new Error('pgbench not found (PostgreSQL bin directory); install postgresql');
  console.log(
    `write path over HTTP vs the minimal work in pgbench: ${CLIENTS} clients, ${WARMUP_S} s warm-up + ${DURATION_S} s measured per phase`,
  );
  const db = await createMigratedDatabase(env, 'bench_actions');
  // Experiments: BENCH_ACTIONS_SQL runs on the bench's database before the phases (a trigger
  // disabled, an index setting), to measure what one piece of the write path costs.
  if (process.env.BENCH_ACTIONS_SQL) {
    console.log(`  before the phases: ${process.env.BENCH_ACTIONS_SQL}`);
    const c = new Client({ connectionString: db.url });
    await c.connect();
    await c.query(process.env.BENCH_ACTIONS_SQL);
    await c.end();
  }
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
    const papi = provinceApi(setup);
    const province = (await buildProvince(papi as unknown as Api)) as unknown as Province;
    // 19 more receiving units under the province, each with a counter clerk (Decree 118: any unit
    // may receive online dossiers of the procedure).
    const intakes: { token: string; body: Record<string, unknown> }[] = [
      { token: province.tokens.clerk, body: intakeBody() },
    ];
    for (let i = 1; i < SPREAD_UNITS; i++) {
      const code = `H15.70.${String(i).padStart(2, '0')}`;
      const u = await setup.request('POST', '/units', {
        token: province.admin,
        body: { code, name: `Bộ phận một cửa ${i}`, parentCode: 'H15' },
      });
      if (u.status !== 201) throw new Error(`unit ${code}: ${u.status} ${JSON.stringify(u.body)}`);
      const username = `clerk${i}`;
      const c = await setup.request('POST', '/users', {
        token: province.admin,
        body: {
          username,
          password: `${username}-password`,
          fullName: 'Nguyễn Văn An',
          role: 'counter_staff',
          unitCode: code,
        },
      });
      if (c.status !== 201) throw new Error(`user ${username}: ${c.status} ${JSON.stringify(c.body)}`);
      intakes.push({
        token: await papi.login(username, `${username}-password`),
        body: intakeBody({ receivingUnitCode: code, channel: 'online' }),
      });
    }
    // One intake and one cycle as a sample: the statements each request sends.
    const sampleIntake = await recorder.record(() =>
      setup.request('POST', '/dossiers', { token: province.tokens.clerk, body: intakeBody() }),
    );
    if (sampleIntake.result.status !== 201) throw new Error(`intake: ${JSON.stringify(sampleIntake.result.body)}`);
    const sid = sampleIntake.result.body.id as string;
    const sampleForward = await recorder.record(() =>
      setup.request('POST', `/dossiers/${sid}/actions/forward`, {
        token: province.tokens.clerk,
        body: { expectedVersion: 1 },
      }),
    );
    const unitId = (await sql.query<{ id: string }>(`SELECT id FROM units WHERE code = 'H15.50'`)).rows[0].id;
    await sql.query(MINIMAL_SCHEMA);
    const applicant = JSON.stringify(intakeBody().applicant);

    const base = { baseUrl: api.baseUrl, clients: CLIENTS, warmupMs: WARMUP_S * 1000, durationMs: DURATION_S * 1000 };
    const apiPhase = async (title: string, kind: LoadKind): Promise<Measured> => {
      await sql.query('CHECKPOINT');
      console.log(`  API: ${title}`);
      return measuredLoad({ ...base, ...kind } as LoadInput, recorder, postmaster);
    };
    const pgPhase = async (title: string, script: PgbenchScript, extra: Record<string, string> = {}) => {
      await sql.query('CHECKPOINT');
      console.log(`  pgbench -M prepared: ${title}`);
      const stop = cpuWindow(postmaster);
      const r = await runPgbench({
        bin: env.pgBin!,
        databaseUrl: db.url,
        workDir: env.workDir,
        scripts: [{ script, weight: 1 }],
        clients: CLIENTS,
        threads: 2,
        seconds: DURATION_S,
        mode: 'prepared',
        extraDefines: extra,
      });
      return { run: r, cpu: stop() };
    };

    const pairs: Pair[] = [];
    // --- Intake at one unit, then spread over 20 units.
    const one = await apiPhase('intake, all at one unit', { kind: 'intake', intakes: intakes.slice(0, 1) });
    pairs.push({
      key: 'intakeOneUnit',
      title: 'intake, all at one unit',
      api: one,
      pg: await pgPhase('intake, one unit', intakeScript(1, applicant)),
      p99Target: true,
    });
    const spread = await apiPhase(`intake, spread over ${SPREAD_UNITS} units`, { kind: 'intake', intakes });
    pairs.push({
      key: 'intakeSpread',
      title: `intake, spread over ${SPREAD_UNITS} units`,
      api: spread,
      pg: await pgPhase(`intake, ${SPREAD_UNITS} units`, intakeScript(SPREAD_UNITS, applicant)),
      p99Target: true,
    });
    const codes = [...one.load.codes, ...spread.load.codes];
    const duplicates = codes.length - new Set(codes).size;

    // --- Forward, forward, resolve of the received dossiers of the one-unit phase (its clerk's unit).
    const { rows: received } = await sql.query<{ id: string }>(
      `SELECT id FROM dossiers WHERE status = 'received' AND version = 1 AND receiving_unit_id = $1 ORDER BY received_at`,
      [unitId],
    );
    const actions = await apiPhase(`forward, forward, resolve (${fmt(received.length)} received dossiers)`, {
      kind: 'actions',
      existing: received.map((r) => r.id),
      tokens: province.tokens,
    });
    const nids = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_min_dossiers`)).rows[0].n;
    pairs.push({
      key: 'actions',
      title: 'forward and resolve',
      api: actions,
      pg: await pgPhase('action (update + event)', actionScript, { nids: String(nids) }),
      p99Target: true,
    });

    // --- Lists.
    await sql.query('ANALYZE');
    const list = await apiPhase(`GET /dossiers?limit=${PAGE} as the clerk`, {
      kind: 'get',
      path: `/dossiers?limit=${PAGE}`,
      token: province.tokens.clerk,
    });
    pairs.push({
      key: 'listDossiers',
      title: `GET /dossiers?limit=${PAGE} (clerk)`,
      api: list,
      pg: await pgPhase('the page of dossiers', listScript(unitId)),
      p99Target: false,
    });
    const units = await apiPhase(`GET /units?limit=${PAGE}`, {
      kind: 'get',
      path: `/units?limit=${PAGE}`,
      token: province.admin,
    });
    pairs.push({
      key: 'listUnits',
      title: `GET /units?limit=${PAGE}`,
      api: units,
      pg: await pgPhase('the page of units', unitsScript),
      p99Target: false,
    });
    // --- The HTTP floor: a route that reads nothing and needs no token, through the same stack and
    // load generator. No route can serve more than this on this machine, whatever its SQL costs:
    // its ratio to a pgbench baseline is the ceiling of that route's ratio (reported, not a target).
    const floor = await apiPhase('GET /health (no token, no database): the HTTP floor', {
      kind: 'get',
      path: '/health',
      token: '',
    });

    // --- Unmeasured: where the API's main thread spends its time, route by route (after the
    // measured phases, so the profiler's cost is in no figure). The actions take the one-unit
    // phase's received dossiers that the measured phase left.
    const { rows: left } = await sql.query<{ id: string }>(
      `SELECT id FROM dossiers WHERE status = 'received' AND version = 1 AND receiving_unit_id = $1 ORDER BY received_at`,
      [unitId],
    );
    const profiled: { title: string; kind: LoadKind }[] = [
      { title: `intake over ${SPREAD_UNITS} units`, kind: { kind: 'intake', intakes } },
      {
        title: 'forward, forward, resolve',
        kind: { kind: 'actions', existing: left.map((r) => r.id), tokens: province.tokens },
      },
      {
        title: `GET /dossiers?limit=${PAGE} (clerk)`,
        kind: { kind: 'get', path: `/dossiers?limit=${PAGE}`, token: province.tokens.clerk },
      },
      { title: `GET /units?limit=${PAGE}`, kind: { kind: 'get', path: `/units?limit=${PAGE}`, token: province.admin } },
    ];
    const profiles: { title: string; prof: Awaited<ReturnType<typeof profile>> }[] = [];
    for (const p of profiled) {
      console.log(`  profiling the API for ${PROFILE_S} s more (${p.title}; not measured)`);
      const saveTo = PROFILE_DIR && path.join(PROFILE_DIR, `actions-${p.kind.kind}-${profiles.length + 1}.cpuprofile`);
      const prof = await profile(
        () => runLoad({ ...base, warmupMs: 0, durationMs: PROFILE_S * 1000, ...p.kind } as LoadInput, () => undefined),
        12,
        saveTo,
      );
      if (saveTo) console.log(`    raw profile: ${saveTo}`);
      profiles.push({ title: p.title, prof });
    }
    setup.close();
    await closeApi();

    // --- Report.
    console.log('');
    console.log(
      `  statements per request (sample, at the driver): intake ${sampleIntake.statements.length}, forward ${sampleForward.statements.length}`,
    );
    for (const [name, st] of [
      ['intake', sampleIntake.statements],
      ['forward', sampleForward.statements],
    ] as const)
      for (const s of st) console.log(`    ${name}: ${s.text.replace(/\s+/g, ' ').slice(0, 110)}`);
    const checks: Check[] = [];
    const figures: Record<string, number> = { clients: CLIENTS, seconds: DURATION_S, duplicateCodes: duplicates };
    const cpuWindows: Record<string, CpuUsage> = {};
    for (const p of pairs) {
      const ratio = p.api.rps / p.pg.run.tps;
      const p99Ratio = p.api.p99 / p.pg.run.p99;
      console.log(`  ${p.title}:`);
      console.log(
        `    API      ${fmt(p.api.rps, 1).padStart(8)} requests/s  p50 ${ms(p.api.p50)}  p99 ${ms(p.api.p99)}  errors ${p.api.load.errors}` +
          `  statements/request ${(p.api.statements / Math.max(1, p.api.requests)).toFixed(2)}  API event loop busy ${(p.api.apiElu * 100).toFixed(0)}%` +
          (p.api.load.exhausted ? '  (ran out of dossiers before the end)' : ''),
      );
      console.log(`             ${describeCpu(p.api.cpu, 'node: API + load generator')}`);
      console.log(
        `             API main thread: ${p.api.cpu.mainThreadCores.toFixed(2)} cores, ${cpuMsPerRequest(p.api).toFixed(2)} ms of CPU per request`,
      );
      console.log(
        `    pgbench  ${fmt(p.pg.run.tps, 1).padStart(8)} TPS         p50 ${ms(p.pg.run.p50)}  p99 ${ms(p.pg.run.p99)}  failed ${p.pg.run.failed}`,
      );
      console.log(`             ${describeCpu(p.pg.cpu, 'node (idle)')}`);
      for (const s of p.pg.run.scripts[0]?.statements ?? [])
        console.log(`      ${s.ms.toFixed(3).padStart(8)} ms  ${s.sql.slice(0, 100)}`);
      if (p.api.load.errorSamples.length) console.log(`    first errors: ${p.api.load.errorSamples.join(' | ')}`);
      checks.push(
        check(`${p.title}: API / pgbench`, `${ratio.toFixed(2)}x`, `>= ${TARGET_RATIO}x`, ratio >= TARGET_RATIO),
      );
      if (p.p99Target)
        checks.push(
          check(
            `${p.title}: p99 API / pgbench`,
            `${ms(p.api.p99)} / ${ms(p.pg.run.p99)} = ${p99Ratio.toFixed(2)}x`,
            `<= ${TARGET_P99}x`,
            p99Ratio <= TARGET_P99,
          ),
        );
      checks.push(check(`${p.title}: API errors`, String(p.api.load.errors), '0', p.api.load.errors === 0));
      Object.assign(figures, {
        [`${p.key}ApiPerSec`]: round(p.api.rps, 1),
        [`${p.key}ApiP50Ms`]: round(p.api.p50, 2),
        [`${p.key}ApiP99Ms`]: round(p.api.p99, 2),
        [`${p.key}ApiErrors`]: p.api.load.errors,
        [`${p.key}ApiStatementsPerRequest`]: round(p.api.statements / Math.max(1, p.api.requests), 2),
        [`${p.key}ApiEventLoopUtilization`]: round(p.api.apiElu, 3),
        [`${p.key}ApiMainThreadCpuMsPerRequest`]: round(cpuMsPerRequest(p.api), 3),
        [`${p.key}ApiMachineCores`]: round(p.api.cpu.machineCores, 2),
        [`${p.key}ApiOtherCores`]: round(p.api.cpu.otherCores, 2),
        [`${p.key}PgbenchTps`]: round(p.pg.run.tps, 1),
        [`${p.key}PgbenchP50Ms`]: round(p.pg.run.p50, 2),
        [`${p.key}PgbenchP99Ms`]: round(p.pg.run.p99, 2),
        [`${p.key}PgbenchOtherCores`]: round(p.pg.cpu.otherCores, 2),
        [`${p.key}Ratio`]: round(ratio, 3),
        [`${p.key}P99Ratio`]: round(p99Ratio, 3),
      });
      cpuWindows[`the API's ${p.title}`] = p.api.cpu;
      cpuWindows[`pgbench's ${p.title}`] = p.pg.cpu;
    }
    checks.push(check('dossier codes given twice', String(duplicates), '0', duplicates === 0));
    // The ceiling each ratio can reach on this machine: the HTTP floor's throughput over its baseline.
    console.log(`  GET /health (the HTTP floor: no token, no database, same stack and load generator):`);
    console.log(
      `    API      ${fmt(floor.rps, 1).padStart(8)} requests/s  p50 ${ms(floor.p50)}  p99 ${ms(floor.p99)}  errors ${floor.load.errors}` +
        `  API main thread ${cpuMsPerRequest(floor).toFixed(3)} ms of CPU per request`,
    );
    Object.assign(figures, {
      healthApiPerSec: round(floor.rps, 1),
      healthApiMainThreadCpuMsPerRequest: round(cpuMsPerRequest(floor), 3),
    });
    for (const p of pairs) {
      const ceiling = floor.rps / p.pg.run.tps;
      figures[`${p.key}Ceiling`] = round(ceiling, 3);
      console.log(
        `    ceiling of "${p.title}": ${ceiling.toFixed(2)}x (the floor's ${fmt(floor.rps, 0)}/s over pgbench's ${fmt(p.pg.run.tps, 0)}/s)`,
      );
    }
    for (const p of profiles) printProfile(`API CPU profile under ${p.title} (${PROFILE_S} s, unmeasured)`, p.prof);
    const notes = [
      `API side: ${CLIENTS} closed-loop keep-alive clients (node:http, a worker thread of the bench process) over real HTTP to the in-process API (createHttpApp, pool ${POOL_SIZE}); ${WARMUP_S} s warm-up discarded, ${DURATION_S} s measured per phase; latency = client-side request time. Intake spread: client i at unit i % ${SPREAD_UNITS}, each with its own counter clerk. Actions: forward (counter), forward (officer), resolve of the one-unit phase's received dossiers.`,
      `pgbench side (-M prepared, ${CLIENTS} clients, -j 2, ${DURATION_S} s, right after its API phase on the same server and database): the minimal work by hand. Intake: BEGIN; counter upsert (unit = client_id % units, today) RETURNING last; INSERT a dossier row (code from the counter, jsonb applicant; 2 indexes: primary key, unique code); INSERT its event row; END. Action: BEGIN; UPDATE a random dossier row (status, version, updated_at) RETURNING version; INSERT its event row; END. Lists: the page's one SELECT (dossiers seen by the clerk's unit through dossier_units, newest first; units by code).`,
      `HTTP floor: GET /health (public, answers from memory) through the same Fastify/Nest stack and load generator; its throughput over a pair's pgbench TPS is the highest ratio that pair could reach on this machine if its route cost nothing beyond HTTP ("ceiling", reported, not a target).`,
      `Machine: ${pairs[0].api.cpu.nproc} cores shared by the API (one Node event loop), its load-generator thread, PostgreSQL and pgbench over loopback, and whatever else runs on the machine ("other" in each CPU line); with ${CLIENTS} closed-loop clients, mean latency = ${CLIENTS} / throughput.`,
    ];
    const disturbance = disturbanceNote(cpuWindows);
    if (disturbance) {
      console.log(`  ${disturbance}`);
      notes.unshift(disturbance);
    }
    return { name: 'write path over HTTP', figures, checks, pass: checks.every((c) => c.ok), notes };
  } finally {
    await closeApi().catch(() => undefined);
    await sql.end().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

if (require.main === module) runStandalone(run);
