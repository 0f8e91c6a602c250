// Soak benchmark: BENCH_SOAK_MINUTES (default 10) of mixed traffic at half the peak
// throughput measured at the start of the same run, against the built API and worker running as
// their own processes (dist/src/main.js, dist/src/worker.js), as in production.
//   Mix (weights): intake 18, forward at the counter 18, forward by the officer 18, resolve 18,
//   dossier lists 12 (unit head: all, received, overdue), public lookups 12 (by code, each from its
//   own loopback address, as citizens come from many), form 06a for the month 4 (reform board).
//   Peak: closed-loop ramp of 2, 4, 8, 16, 32 clients for BENCH_SOAK_RAMP_S (6) s each; the best
//   completed operations per second. Soak: open loop at half of it (a fixed arrival rate: a slow
//   answer does not slow the arrivals down).
//   Sampled every BENCH_SOAK_SAMPLE_S (60) s: the API's resident memory (/proc) and V8 heap (its
//   own /metrics), the worker's resident memory, operations per second, p50/p99 latency, errors.
// Targets (issue 18): for every operation p99 <= 10 x p50 over the soak; the API's event-loop delay
// <= 50 ms in every sample; resident memory of the last sample <= 1.1 x the second's (the first is
// warm-up); p99 of the last sample <= 1.5 x the second's; no errors; the API keeps up with the
// arrival rate.
// Where slow answers come from (printed after the figures): PostgreSQL's active statements and
// their waits, and the backends holding a transaction open, sampled every 250 ms; a round trip to
// the API's /health (answered from memory) and a Redis PING every 250 ms on their own connections;
// the API's garbage collections by kind (how many paused over 10 ms and 100 ms); the worst seconds
// of latency with the statements, backends and round trips of then;
// with BENCH_SOAK_CPU_PROF=1 the API runs under `node --cpu-prof` and the longest stretches during
// which its main thread never went idle are printed with the functions that ran. (The GIN pending
// lists it once watched are gone: `dossiers` has no GIN index since migration 1766940000000.)
// BENCH_SOAK_RATE=n soaks at n operations/s instead of half the peak (to compare two runs at one rate).
// Experiments: BENCH_SOAK_SQL runs on the soak's database before the soak (an index setting, say);
// BENCH_SOAK_NODE_ARGS are extra node options for the API and the worker (V8 heap flags, say).
// Run alone: build, start servers (docker/services.sh), export DATABASE_URL/REDIS_URL, then
// BENCH_SOAK_MINUTES=2 node dist/test/bench/soak.bench.js
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { DEFAULT_DATABASE_POOL_SIZE } from '../../src/config/app-config';
import type { Api } from '../support/http';
import { buildProvince, intakeBody } from '../support/province';
import { freePort } from '../support/servers';
import {
  apiEnv,
  BenchEnv,
  BenchResult,
  check,
  createMigratedDatabase,
  DIST,
  fmt,
  HttpClient,
  percentile,
  provinceApi,
  round,
  runStandalone,
  sortedNumbers,
} from './support/bench-kit';
import { cpuWindow, describeCpu, postmasterPid } from './support/cpu';
import IORedis from 'ioredis';
import { longestBusyStretches, PgActivitySampler, profileTotals, RoundTripProbe } from './support/stalls';

const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 10);
const SAMPLE_S = Number(process.env.BENCH_SOAK_SAMPLE_S ?? 60);
const RAMP_S = Number(process.env.BENCH_SOAK_RAMP_S ?? 6);
const RAMP_CLIENTS = [2, 4, 8, 16, 32];
const SEED = Number(process.env.BENCH_SOAK_SEED ?? 3000);
/**
 * A fixed arrival rate for the soak instead of half the ramp's peak: the 6-second ramp's peak varied
 * from 297 to 542 operations/s between runs of one commit on this machine, so soaks of two commits
 * (or of one setting and another) are compared at the same rate only this way. The ramp still runs.
 */
const FIXED_RATE = process.env.BENCH_SOAK_RATE ? Number(process.env.BENCH_SOAK_RATE) : null;
/** The API's own default (DATABASE_POOL_SIZE): the soak measures the product as it ships. */
const POOL_SIZE = DEFAULT_DATABASE_POOL_SIZE;
const MAX_INFLIGHT = 256;
const TARGET_RSS_RATIO = 1.1;
const TARGET_P99_RATIO = 1.5;
const TARGET_TAIL_RATIO = 10;
const TARGET_LOOP_DELAY_MS = 50;
const CPU_PROF = process.env.BENCH_SOAK_CPU_PROF === '1';
/** How often the API's event-loop delay is read (each read resets its histogram). */
const LAG_EVERY_MS = 5000;

const OPS = ['intake', 'forward_counter', 'forward_officer', 'resolve', 'list', 'lookup', 'report'] as const;
type Op = (typeof OPS)[number];
const WEIGHTS: Record<Op, number> = {
  intake: 18,
  forward_counter: 18,
  forward_officer: 18,
  resolve: 18,
  list: 12,
  lookup: 12,
  report: 4,
};

interface Done {
  op: Op;
  end: number;
  ms: number;
  ok: boolean;
}

/** A child process of the build with its output kept (for the error message if it dies). */
function startNode(
  entry: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [...nodeArgs, path.join(DIST, entry)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => out };
}

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

/** Sum of the samples of a metric whose line starts with `prefix` (all label sets). */
function total(text: string, prefix: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/**
 * The API's garbage collections by kind from prom-client's histogram (cumulative buckets): how many,
 * and how many took longer than 10 ms and 100 ms (a pause of the event loop for the major ones).
 */
function gcPauses(text: string): Map<string, { n: number; over10ms: number; over100ms: number }> {
  const out = new Map<string, { n: number; over10ms: number; over100ms: number }>();
  const re = /^nodejs_gc_duration_seconds_bucket\{le="([^"]+)",kind="([^"]+)"\} (\d+)/;
  const buckets = new Map<string, Map<string, number>>();
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    if (!buckets.has(m[2])) buckets.set(m[2], new Map());
    buckets.get(m[2])!.set(m[1], Number(m[3]));
  }
  for (const [kind, b] of buckets) {
    const n = b.get('+Inf') ?? 0;
    out.set(kind, { n, over10ms: n - (b.get('0.01') ?? n), over100ms: n - (b.get('0.1') ?? n) });
  }
  return out;
}

function gauge(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}

/** The traffic: dossiers move through the lifecycle queues one operation at a time (never two on one dossier). */
class Traffic {
  readonly received: string[] = [];
  readonly atOfficer: string[] = [];
  readonly atSigner: string[] = [];
  readonly codes: string[] = [];
  readonly errors: string[] = [];
  errorCount = 0;
  private lookups = 0;
  private lists = 0;
  // A citizen makes one request: one connection per lookup, closed after it (kept-alive sockets
  // from thousands of addresses would pile up in the API and read as a memory leak).
  private readonly lookupAgent = new http.Agent({ keepAlive: false });
  private readonly total = OPS.reduce((s, o) => s + WEIGHTS[o], 0);

  constructor(
    private readonly client: HttpClient,
    private readonly baseUrl: URL,
    private readonly tokens: { clerk: string; officer: string; signer: string; head: string; board: string },
    private readonly period: string,
  ) {}

  pick(): Op {
    let r = Math.random() * this.total;
    for (const op of OPS) {
      r -= WEIGHTS[op];
      if (r < 0) return op;
    }
    return 'intake';
  }

  /** Runs one operation (an intake when the lifecycle queue it needs is empty). */
  async run(wanted: Op): Promise<Done> {
    let op = wanted;
    let id: string | undefined;
    if (op === 'forward_counter') id = this.received.shift();
    if (op === 'forward_officer') id = this.atOfficer.shift();
    if (op === 'resolve') id = this.atSigner.shift();
    if (op === 'lookup' && this.codes.length === 0) op = 'intake';
    if ((op === 'forward_counter' || op === 'forward_officer' || op === 'resolve') && !id) op = 'intake';
    const t0 = performance.now();
    let ok = false;
    try {
      ok = await this.send(op, id);
    } catch (err) {
      this.error(`${op}: ${(err as Error).message}`);
    }
    const end = performance.now();
    return { op, end, ms: end - t0, ok };
  }

  private error(what: string): void {
    this.errorCount++;
    if (this.errors.length < 10) this.errors.push(what);
  }

  private async send(op: Op, id?: string): Promise<boolean> {
    const expect = (res: { status: number; body: any }, status: number) => {
      if (res.status === status) return true;
      this.error(`${op}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      return false;
    };
    const t = this.tokens;
    switch (op) {
      case 'intake': {
        const res = await this.client.request('POST', '/dossiers', { token: t.clerk, body: intakeBody() });
        if (!expect(res, 201)) return false;
        this.received.push(res.body.id);
        this.codes.push(res.body.code);
        if (this.codes.length > 20_000) this.codes.splice(0, 10_000);
        return true;
      }
      case 'forward_counter': {
        const res = await this.client.request('POST', `/dossiers/${id}/actions/forward`, {
          token: t.clerk,
          body: { expectedVersion: 1 },
        });
        if (expect(res, 200)) this.atOfficer.push(id!);
        return res.status === 200;
      }
      case 'forward_officer': {
        const res = await this.client.request('POST', `/dossiers/${id}/actions/forward`, {
          token: t.officer,
          body: { expectedVersion: 2 },
        });
        if (expect(res, 200)) this.atSigner.push(id!);
        return res.status === 200;
      }
      case 'resolve': {
        const res = await this.client.request('POST', `/dossiers/${id}/actions/resolve`, {
          token: t.signer,
          body: { expectedVersion: 3, resultSummary: 'Cấp giấy phép xây dựng', electronicResult: true },
        });
        return expect(res, 200);
      }
      case 'list': {
        const filter = ['', '&status=received', '&timeliness=overdue'][this.lists++ % 3];
        return expect(await this.client.request('GET', `/dossiers?limit=20${filter}`, { token: t.head }), 200);
      }
      case 'report':
        return expect(
          await this.client.request('GET', `/reports/processing?period=${this.period}`, { token: t.board }),
          200,
        );
      case 'lookup': {
        const code = this.codes[Math.floor(Math.random() * this.codes.length)];
        // Each lookup from one of 64,516 loopback addresses: the public rate limit is per address.
        const n = this.lookups++;
        const local = `127.1.${Math.floor(n / 254) % 254}.${(n % 254) + 1}`;
        return expect(await this.lookup(code, local), 200);
      }
    }
  }

  private lookup(code: string, localAddress: string): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.baseUrl.hostname,
          port: Number(this.baseUrl.port),
          path: `/api/v1/public/dossiers/${encodeURIComponent(code)}`,
          localAddress,
          agent: this.lookupAgent,
          headers: { accept: 'application/json', connection: 'close' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.lookupAgent.destroy();
  }
}

/** Closed loop: `clients` loops back to back for `seconds`; completed operations per second. */
async function closedLoop(traffic: Traffic, clients: number, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const d = await traffic.run(traffic.pick());
        if (d.ok && d.end <= end) done++;
      }
    }),
  );
  return done / seconds;
}

interface Sample {
  minute: number;
  ops: number;
  opsPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  apiRssMb: number;
  /** The least of the API's resident memory read during the sample (every LAG_EVERY_MS): its floor between collections. */
  apiRssFloorMb: number;
  apiHeapMb: number;
  workerRssMb: number;
  late: number;
  /** Garbage collection in the API during the sample, and its event loop's longest delay (since the previous scrape). */
  gcSeconds: number;
  loopLagMaxMs: number;
}

export async function run(env: BenchEnv): Promise<BenchResult> {
  console.log(
    `soak: ${MINUTES} min of mixed traffic at ${FIXED_RATE ? `${FIXED_RATE}/s (BENCH_SOAK_RATE)` : 'half the peak measured now'}; samples every ${SAMPLE_S} s (API and worker as processes)`,
  );
  const db = await createMigratedDatabase(env, 'bench_soak');
  const port = await freePort();
  const metricsPort = await freePort();
  const processEnv = {
    ...apiEnv(db.url, env.redisUrl, POOL_SIZE),
    PORT: String(port),
    HOST: '127.0.0.1',
    WORKER_METRICS_PORT: String(metricsPort),
  };
  // Outside the run's temp dir (removed at the end), so the profile can be opened afterwards.
  const profDir = CPU_PROF ? fs.mkdtempSync(path.join(os.tmpdir(), 'soak-api-prof-')) : null;
  // Experiments: node options for both processes (e.g. V8 heap settings).
  const nodeArgs = (process.env.BENCH_SOAK_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  if (nodeArgs.length) console.log(`  node options of the API and the worker: ${nodeArgs.join(' ')}`);
  const api = startNode(
    'src/main.js',
    processEnv,
    profDir ? [...nodeArgs, '--cpu-prof', `--cpu-prof-dir=${profDir}`] : nodeArgs,
  );
  const worker = startNode('src/worker.js', processEnv, nodeArgs);
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  const client = new HttpClient(`http://127.0.0.1:${port}`, MAX_INFLIGHT);
  let traffic: Traffic | null = null;
  let sampler: PgActivitySampler | null = null;
  let probe: RoundTripProbe | null = null;
  // The probe's own socket to the API and connection to Redis, outside the load's queue.
  const probeHttp = new HttpClient(`http://127.0.0.1:${port}`, 1);
  const probeRedis = new IORedis(env.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let lagTimer: NodeJS.Timeout | null = null;
  try {
    const until = Date.now() + 60_000;
    for (;;) {
      if (api.child.exitCode !== null) throw new Error(`the API exited: ${api.output()}`);
      if (worker.child.exitCode !== null) throw new Error(`the worker exited: ${worker.output()}`);
      const ready = await client.request('GET', '/health/ready').catch(() => null);
      if (ready?.status === 200) break;
      if (Date.now() > until) throw new Error(`the API did not become ready: ${api.output()}`);
      await sleep(200);
    }
    const province = await buildProvince(provinceApi(client) as unknown as Api);
    // A province with history: SEED dossiers received over the last 60 days (open), then one scan
    // raises their alerts before anything is measured.
    const now = Date.now();
    for (let i = 0; i < SEED; i += 1000) {
      const n = Math.min(1000, SEED - i);
      const items = Array.from({ length: n }, (_, k) => ({
        ...intakeBody(),
        receivedAt: new Date(now - ((i + k) % 60) * 24 * 3600_000 - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
        events: [],
      }));
      const res = await client.request('POST', '/imports/dossiers', {
        token: province.admin,
        body: { dossiers: items },
      });
      if (res.status !== 200 || res.body.imported !== n) throw new Error(`seed import: ${res.status}`);
    }
    await client.request('POST', '/sla/scan', { token: province.admin });
    const local = new Date(now + 7 * 3600_000).toISOString();
    traffic = new Traffic(client, new URL(`http://127.0.0.1:${port}`), { ...province.tokens }, `${local.slice(0, 7)}`);
    traffic.codes.push(
      ...(await sql.query<{ code: string }>(`SELECT code FROM dossiers ORDER BY random() LIMIT 5000`)).rows.map(
        (r) => r.code,
      ),
    );
    const postmaster = await postmasterPid((q) => sql.query(q));
    // Experiments: SQL run on the soak's database before the soak (e.g. index storage settings).
    if (process.env.BENCH_SOAK_SQL) {
      console.log(`  before the soak: ${process.env.BENCH_SOAK_SQL}`);
      await sql.query(process.env.BENCH_SOAK_SQL);
    }

    // --- 1. The peak: closed-loop ramp.
    const ramp: { clients: number; opsPerSec: number }[] = [];
    for (const clients of RAMP_CLIENTS) {
      const opsPerSec = await closedLoop(traffic, clients, RAMP_S);
      ramp.push({ clients, opsPerSec });
      console.log(`  ramp: ${clients} clients -> ${fmt(opsPerSec, 1)} operations/s`);
      const best = Math.max(...ramp.map((r) => r.opsPerSec));
      if (ramp.length >= 3 && opsPerSec < 0.9 * best) break;
    }
    const peak = Math.max(...ramp.map((r) => r.opsPerSec));
    const rate = FIXED_RATE ?? peak / 2;
    const errorsBeforeSoak = traffic.errorCount;
    console.log(
      `  peak ${fmt(peak, 1)} operations/s; soaking at ${fmt(rate, 1)}/s${FIXED_RATE ? ' (BENCH_SOAK_RATE)' : ''} for ${MINUTES} min`,
    );

    // --- 2. The soak: open loop at half the peak, sampled.
    const samples: Sample[] = [];
    const cpu = cpuWindow(postmaster);
    const began = performance.now();
    const endAt = began + MINUTES * 60_000;
    let window: Done[] = [];
    let launched = 0;
    let completed = 0;
    let inflight = 0;
    let late = 0;
    let windowLate = 0;
    let windowErrors = traffic.errorCount;
    const byOp = new Map<Op, number[]>(OPS.map((o) => [o, []]));
    const t = traffic;
    // A scrape now: GC time and the loop-delay histogram count from the start of the soak.
    const metricsAtStart = String((await client.request('GET', '/metrics')).body);
    let gcBefore = total(metricsAtStart, 'nodejs_gc_duration_seconds_sum');
    sampler = await PgActivitySampler.start(db.url, began);
    await probeRedis.connect();
    probe = new RoundTripProbe(
      () => probeHttp.request('GET', '/health'),
      () => probeRedis.ping(),
      began,
    );
    // The API's event-loop delay, read every LAG_EVERY_MS (prom-client resets its histogram at
    // each read): the largest per sample, and the timeline to set against the slow seconds.
    const lagTimeline: { at: number; maxMs: number }[] = [];
    let windowLagMax = 0;
    let windowRssFloor = Infinity;
    const readLag = async () => {
      const text = await client
        .request('GET', '/metrics')
        .then((r) => String(r.body))
        .catch(() => '');
      windowRssFloor = Math.min(windowRssFloor, rssBytes(api.child.pid!));
      const ms = gauge(text, 'nodejs_eventloop_lag_max_seconds') * 1000;
      if (Number.isFinite(ms)) {
        lagTimeline.push({ at: performance.now() - began, maxMs: ms });
        windowLagMax = Math.max(windowLagMax, ms);
      }
      return text;
    };
    let lagBusy = false;
    lagTimer = setInterval(() => {
      if (lagBusy) return;
      lagBusy = true;
      void readLag().finally(() => (lagBusy = false));
    }, LAG_EVERY_MS);
    // Per second of the soak: operations, the slowest and which it was.
    const bySecond = new Map<number, { n: number; maxMs: number; op: Op }>();
    const sample = async (index: number, seconds: number) => {
      const lat = sortedNumbers(window.filter((d) => d.ok).map((d) => d.ms));
      while (lagBusy) await sleep(5);
      const metrics = await readLag();
      const s: Sample = {
        minute: round((index * SAMPLE_S) / 60, 2),
        ops: window.length,
        opsPerSec: round(window.length / seconds, 1),
        p50: round(percentile(lat, 50), 2),
        p99: round(percentile(lat, 99), 2),
        errors: t.errorCount - windowErrors,
        apiRssMb: round(rssBytes(api.child.pid!) / 2 ** 20, 1),
        apiRssFloorMb: round(windowRssFloor / 2 ** 20, 1),
        apiHeapMb: round(gauge(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20, 1),
        workerRssMb: round(rssBytes(worker.child.pid!) / 2 ** 20, 1),
        late: windowLate,
        gcSeconds: round(total(metrics, 'nodejs_gc_duration_seconds_sum') - gcBefore, 2),
        loopLagMaxMs: round(windowLagMax, 1),
      };
      windowLagMax = 0;
      windowRssFloor = Infinity;
      gcBefore = total(metrics, 'nodejs_gc_duration_seconds_sum');
      samples.push(s);
      console.log(
        `  ${s.minute.toFixed(2).padStart(6)} min: ${fmt(s.opsPerSec, 1)} ops/s  p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  ` +
          `errors ${s.errors}  API RSS ${s.apiRssMb} MB (floor ${s.apiRssFloorMb}), heap ${s.apiHeapMb} MB, GC ${s.gcSeconds} s, loop delay max ${s.loopLagMaxMs} ms; worker RSS ${s.workerRssMb} MB`,
      );
      window = [];
      windowLate = 0;
      windowErrors = t.errorCount;
    };
    let nextSample = began + SAMPLE_S * 1000;
    let sampleIndex = 1;
    let lastSampleAt = began;
    while (performance.now() < endAt) {
      const now2 = performance.now();
      const due = Math.floor(((now2 - began) / 1000) * rate);
      for (; launched < due; launched++) {
        if (inflight >= MAX_INFLIGHT) {
          late++;
          windowLate++;
          continue;
        }
        inflight++;
        void traffic.run(traffic.pick()).then((d) => {
          inflight--;
          completed++;
          window.push(d);
          if (d.ok) byOp.get(d.op)!.push(d.ms);
          const sec = Math.floor((d.end - d.ms - began) / 1000);
          const cur = bySecond.get(sec);
          if (!cur) bySecond.set(sec, { n: 1, maxMs: d.ms, op: d.op });
          else {
            cur.n++;
            if (d.ms > cur.maxMs) Object.assign(cur, { maxMs: d.ms, op: d.op });
          }
        });
      }
      if (now2 >= nextSample) {
        await sample(sampleIndex++, (now2 - lastSampleAt) / 1000);
        lastSampleAt = now2;
        nextSample += SAMPLE_S * 1000;
      }
      await sleep(5);
    }
    while (inflight > 0) await sleep(10);
    // The last window, unless the loop already closed it at the end (then only the drain is left).
    if (performance.now() - lastSampleAt >= (SAMPLE_S * 1000) / 2)
      await sample(sampleIndex, (performance.now() - lastSampleAt) / 1000);
    const usage = cpu();
    clearInterval(lagTimer);
    lagTimer = null;
    await sampler.stop();
    await probe.stop();

    // --- Report: the second sample against the last (the first includes warm-up).
    const second = samples[Math.min(1, samples.length - 1)];
    const last = samples[samples.length - 1];
    // Resident memory moves with garbage collection (a collection can return 100 MB): compare the
    // floors of the samples (the least read in each), which a leak raises and collection does not.
    const rssRatio = last.apiRssFloorMb / second.apiRssFloorMb;
    const p99Ratio = last.p99 / second.p99;
    const soakOps = completed;
    const soakErrors = traffic.errorCount - errorsBeforeSoak;
    const achieved = soakOps / ((performance.now() - began) / 1000);
    console.log(`  ${describeCpu(usage, 'node: load generator')}`);
    const perOp = OPS.map((o) => {
      const v = sortedNumbers(byOp.get(o)!);
      return { op: o, n: v.length, p50: percentile(v, 50), p99: percentile(v, 99), max: v[v.length - 1] ?? NaN };
    });
    for (const x of perOp)
      console.log(
        `    ${x.op.padEnd(16)} ${fmt(x.n).padStart(8)} ops  p50 ${x.p50.toFixed(1)} ms  p99 ${x.p99.toFixed(1)} ms  max ${x.max.toFixed(0)} ms`,
      );
    const maxLag = Math.max(...samples.map((x) => x.loopLagMaxMs));
    const checks = [
      check(
        `API resident memory floor, last sample vs second (${second.apiRssFloorMb} -> ${last.apiRssFloorMb} MB)`,
        `${rssRatio.toFixed(2)}x`,
        `<= ${TARGET_RSS_RATIO}x`,
        rssRatio <= TARGET_RSS_RATIO,
      ),
      check(
        `p99 latency, last sample vs second (${second.p99} -> ${last.p99} ms)`,
        `${p99Ratio.toFixed(2)}x`,
        `<= ${TARGET_P99_RATIO}x`,
        p99Ratio <= TARGET_P99_RATIO,
      ),
      ...perOp.map((x) =>
        check(
          `${x.op}: p99 vs p50 (${x.p50.toFixed(1)} -> ${x.p99.toFixed(1)} ms)`,
          `${(x.p99 / x.p50).toFixed(1)}x`,
          `<= ${TARGET_TAIL_RATIO}x`,
          x.p99 <= TARGET_TAIL_RATIO * x.p50,
        ),
      ),
      check(
        `API event-loop delay, largest of the samples (${samples.map((x) => x.loopLagMaxMs).join(', ')} ms)`,
        `${maxLag} ms`,
        `<= ${TARGET_LOOP_DELAY_MS} ms`,
        maxLag <= TARGET_LOOP_DELAY_MS,
      ),
      check('errors during the soak', String(soakErrors), '0', soakErrors === 0),
      check(
        'operations/s achieved vs arrival rate',
        `${fmt(achieved, 1)} / ${fmt(rate, 1)}`,
        '>= 0.95x, none late',
        achieved >= 0.95 * rate && late === 0,
      ),
    ];
    if (traffic.errors.length) console.log(`  first errors: ${traffic.errors.join(' | ')}`);
    // --- Where the slow answers came from.
    // The API's collections during the soak, by kind (the histogram counts from the start).
    const gcStart = gcPauses(metricsAtStart);
    const gcEnd = gcPauses(String((await client.request('GET', '/metrics')).body));
    console.log(
      `  API garbage collections during the soak: ${[...gcEnd.entries()]
        .map(([kind, e]) => {
          const b = gcStart.get(kind) ?? { n: 0, over10ms: 0, over100ms: 0 };
          return `${kind} ${e.n - b.n} (over 10 ms: ${e.over10ms - b.over10ms}, over 100 ms: ${e.over100ms - b.over100ms})`;
        })
        .join('; ')}`,
    );
    const waits = [...sampler.waits.entries()].sort((a, b) => b[1] - a[1]);
    const waitTotal = waits.reduce((a, [, n]) => a + n, 0);
    console.log(
      `  PostgreSQL, ${sampler.samples} samples of the active statements: ${fmt(waitTotal / Math.max(1, sampler.samples), 2)} active on average; ` +
        `by wait: ${waits
          .slice(0, 8)
          .map(([w, n]) => `${w} ${((100 * n) / Math.max(1, waitTotal)).toFixed(0)}%`)
          .join(', ')}`,
    );
    console.log('  longest-running statements seen:');
    for (const x of sampler.longest(8))
      console.log(
        `    ${x.ms.toFixed(0).padStart(6)} ms  ${x.wait.padEnd(22)} at ${(x.at / 1000).toFixed(0)} s  ${x.query}` +
          (x.blockedBy ? `  [blocked by: ${x.blockedBy}]` : ''),
      );
    const worst = [...bySecond.entries()].sort((a, b) => b[1].maxMs - a[1].maxMs).slice(0, 8);
    console.log(
      '  the slowest seconds (slowest answer; API loop delay of that 5 s window; the slowest /health and Redis PING begun then;\n' +
        '  the most PostgreSQL backends active and idle in a transaction then; the longest statements running then):',
    );
    for (const [sec, w] of worst.sort((a, b) => a[0] - b[0])) {
      const lag = lagTimeline.find((l) => l.at >= sec * 1000)?.maxMs;
      const during = sampler.during(sec * 1000, sec * 1000 + 1000 + w.maxMs, 2);
      const trips = probe.during(sec * 1000, sec * 1000 + 1000 + w.maxMs);
      const backends = sampler.backendsDuring(sec * 1000, sec * 1000 + 1000 + w.maxMs);
      console.log(
        `    ${String(sec).padStart(5)} s: ${w.op} ${w.maxMs.toFixed(0)} ms (${w.n} ops that second); loop delay ${lag?.toFixed(0) ?? '?'} ms; ` +
          `/health ${trips.healthMs.toFixed(0)} ms, Redis ${trips.redisMs.toFixed(0)} ms; ` +
          `backends ${backends.active} active, ${backends.idleInTransaction} idle in transaction; ` +
          (during.length
            ? during.map((d) => `${d.ms.toFixed(0)} ms ${d.wait} ${d.query.slice(0, 70)}`).join(' | ')
            : 'no statement seen'),
      );
    }
    const figures: Record<string, number> = {
      minutes: MINUTES,
      sampleSeconds: SAMPLE_S,
      peakOpsPerSec: round(peak, 1),
      targetOpsPerSec: round(rate, 1),
      achievedOpsPerSec: round(achieved, 1),
      operations: soakOps,
      errors: soakErrors,
      rampErrors: errorsBeforeSoak,
      late,
      rssRatioLastVsSecond: round(rssRatio, 3),
      p99RatioLastVsSecond: round(p99Ratio, 3),
      machineCores: round(usage.machineCores, 2),
      postgresCores: round(usage.postgresCores, 2),
    };
    for (const r of ramp) figures[`ramp${r.clients}OpsPerSec`] = round(r.opsPerSec, 1);
    for (const x of perOp) {
      figures[`${x.op}P50Ms`] = round(x.p50, 2);
      figures[`${x.op}P99Ms`] = round(x.p99, 2);
    }
    samples.forEach((s, i) => {
      figures[`s${i + 1}P50Ms`] = s.p50;
      figures[`s${i + 1}P99Ms`] = s.p99;
      figures[`s${i + 1}ApiRssMb`] = s.apiRssMb;
      figures[`s${i + 1}ApiRssFloorMb`] = s.apiRssFloorMb;
      figures[`s${i + 1}ApiHeapMb`] = s.apiHeapMb;
      figures[`s${i + 1}WorkerRssMb`] = s.workerRssMb;
      figures[`s${i + 1}ApiGcSeconds`] = s.gcSeconds;
      figures[`s${i + 1}ApiLoopDelayMaxMs`] = s.loopLagMaxMs;
    });
    const [{ dossiers }] = (await sql.query(`SELECT count(*)::int AS dossiers FROM dossiers`)).rows;
    figures.dossiersAtEnd = dossiers;
    const notes = [
      `API (dist/src/main.js, pool ${POOL_SIZE}) and worker (dist/src/worker.js, default ticks: SLA scan and report compaction every minute) as child processes; the load generator is this process (keep-alive node:http, up to ${MAX_INFLIGHT} requests in flight).`,
      `Mix by weight: ${OPS.map((o) => `${o} ${WEIGHTS[o]}`).join(', ')}; an action takes the next dossier waiting for it (an intake when none waits). Public lookups come from rotating loopback addresses (the public rate limit is per address).`,
      `Peak: closed loop, ${ramp.map((r) => `${r.clients} clients ${fmt(r.opsPerSec, 1)}/s`).join(', ')} (${RAMP_S} s each). Soak: open loop at ${fmt(rate, 1)}/s; latency = client-side time of each operation.`,
      `Memory: VmRSS of the API process (at the sample, and its floor: the least of the reads every ${LAG_EVERY_MS / 1000} s in the sample, which the drift compares); heap = nodejs_heap_size_used_bytes from its /metrics (moves with garbage collection). The first sample includes warm-up (JIT, caches, pools), so the drift compares the last sample with the second; with BENCH_SOAK_MINUTES=2 and 60 s samples these are the same minute (ratio 1): use the default 10 minutes, or shorter samples (BENCH_SOAK_SAMPLE_S).`,
      `The database grows by the intakes during the soak (${fmt(dossiers)} dossiers at the end, ${fmt(SEED)} seeded).`,
    ];
    return { name: 'soak', figures, checks, pass: checks.every((c) => c.ok), notes };
  } finally {
    if (lagTimer) clearInterval(lagTimer);
    await sampler?.stop();
    await probe?.stop();
    probeHttp.close();
    probeRedis.disconnect();
    traffic?.close();
    client.close();
    for (const p of [api, worker]) {
      if (p.child.exitCode === null) {
        p.child.kill('SIGTERM');
        const t = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
        await new Promise((r) => p.child.once('exit', r));
        clearTimeout(t);
      }
    }
    await sql.end().catch(() => undefined);
    await db.drop().catch(() => undefined);
    if (profDir) {
      // Written by the API when it exited.
      for (const f of fs.readdirSync(profDir).filter((x) => x.endsWith('.cpuprofile'))) {
        const all = profileTotals(path.join(profDir, f));
        console.log(
          `  API CPU profile ${path.join(profDir, f)}: ${all.seconds.toFixed(0)} s, main thread idle ${(100 * all.idle).toFixed(0)}%; ` +
            `of the busy time: garbage collection ${(100 * all.gc).toFixed(0)}%, ${all.areas.join(', ')}`,
        );
        console.log('  the longest stretches with its main thread never idle:');
        for (const b of longestBusyStretches(path.join(profDir, f), 6)) {
          console.log(
            `    ${b.ms.toFixed(0).padStart(5)} ms at ${(b.startMs / 1000).toFixed(1)} s of the profile; under ${b.roots.join(', ')}`,
          );
          console.log(`          self: ${b.top.map((t) => `${t.name} ${t.where} ${t.ms.toFixed(0)} ms`).join('; ')}`);
        }
      }
    }
  }
}

if (require.main === module) runStandalone(run);
