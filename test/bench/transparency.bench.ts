// Benchmark of the transparency answers under a crowd: 1,000 concurrent viewers (lobby boards and
// readers of the statistics) against two API instances sharing one PostgreSQL and one Redis, for
// BENCH_TRANSPARENCY_SECONDS (default 60). Each viewer asks for the board every 2 s and for the
// statistics every 10th time (think time jittered with a fixed seed). Measured: the database
// statements per minute while they watch (pg_stat_database transactions of the bench database: every
// statement the API sends outside a transaction is one), the answers actually computed, and the
// latency. Baseline in the same run: the statements one uncomputed answer costs (measured by
// computing each answer once with the cache cold), times the answers the viewers asked for: what the
// database would carry without the shared cache. Target: database statements per minute independent
// of the number of viewers (<= answers' keys × instances' one computation per interval, plus the
// probes), i.e. a ratio to the uncached baseline well under 1%.
// Run alone: build, start servers (docker/services.sh), export DATABASE_URL/REDIS_URL, then
// node dist/test/bench/transparency.bench.js
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { TransparencyService } from '../../src/transparency/transparency.service';
import { createHttpApp } from '../../src/http-app';
import { buildProvince, intakeBody } from '../support/province';
import {
  apiEnv,
  BenchEnv,
  BenchResult,
  check,
  createMigratedDatabase,
  fmt,
  HttpClient,
  percentile,
  provinceApi,
  round,
  runStandalone,
  sortedNumbers,
} from './support/bench-kit';

const VIEWERS = Number(process.env.BENCH_TRANSPARENCY_VIEWERS ?? 1000);
const SECONDS = Number(process.env.BENCH_TRANSPARENCY_SECONDS ?? 60);
const INTERVAL_S = 30;

/** A fixed-seed generator (mulberry32), so that the viewers' rhythm is the same on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function get(agent: http.Agent, base: URL, path: string, client: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      {
        host: base.hostname,
        port: Number(base.port),
        path,
        method: 'GET',
        agent,
        headers: { 'x-forwarded-for': client },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function transactions(c: Client, db: string): Promise<number> {
  const r = await c.query(`SELECT pg_stat_force_next_flush()`).catch(() => undefined);
  void r;
  const { rows } = await c.query(`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1`, [
    db,
  ]);
  return Number(rows[0].n);
}

export async function run(env: BenchEnv): Promise<BenchResult> {
  const db = await createMigratedDatabase(env, 'bench_transparency');
  const base = {
    ...apiEnv(db.url, env.redisUrl, 10),
    TRUST_PROXY: 'loopback',
    TRANSPARENCY_CACHE_SECONDS: String(INTERVAL_S),
  };
  for (const [k, v] of Object.entries(base)) process.env[k] = v;
  const apps = [await createHttpApp(), await createHttpApp()];
  const urls: URL[] = [];
  for (const app of apps) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const a = app.getHttpServer().address();
    urls.push(new URL(`http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`));
  }
  const setup = new HttpClient(urls[0].toString(), 8);
  const stat = new Client({ connectionString: db.url });
  await stat.connect();
  const agents = urls.map(() => new http.Agent({ keepAlive: true, maxSockets: 256 }));
  try {
    // A province with a few hundred dossiers of today and of this month.
    const api = provinceApi(setup);
    const p = await buildProvince(api as never);
    for (let i = 0; i < 300; i++) {
      const r = await setup.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
      if (r.status !== 201) throw new Error(`intake: ${r.status}`);
    }
    const month = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 7);
    const paths = ['/api/v1/public/board?unitCode=H15.50', `/api/v1/public/stats?period=${month}`];

    // Baseline: what one answer costs the database when it is computed (cold cache, one viewer).
    const perAnswer: number[] = [];
    for (const path of paths) {
      const svc = apps[0].get(TransparencyService);
      const before = await transactions(stat, db.name);
      const computedBefore = svc.cache.stats.computed;
      // A key not asked for yet (the H15 subtree's board; the stats of this month), so the cache is cold.
      const cold = await get(agents[0], urls[0], path.replace('unitCode=H15.50', 'unitCode=H15'), '127.2.0.2');
      if (cold.status !== 200) throw new Error(`cold answer: ${cold.status}`);
      const after = await transactions(stat, db.name);
      const computed = svc.cache.stats.computed - computedBefore;
      perAnswer.push((after - before) / Math.max(1, computed));
    }
    const costPerAnswer = Math.max(...perAnswer);

    // The crowd.
    const random = rng(20261207);
    const latencies: number[] = [];
    let served = 0;
    let failed = 0;
    const until = performance.now() + SECONDS * 1000;
    const before = await transactions(stat, db.name);
    const computedBefore = apps.map((a) => a.get(TransparencyService).cache.stats.computed);
    const t0 = performance.now();
    const viewer = async (v: number) => {
      const instance = v % apps.length;
      const client = `127.1.${(v >> 8) & 255}.${v & 255}`;
      let n = 0;
      await new Promise((r) => setTimeout(r, random() * 2000));
      while (performance.now() < until) {
        const path = n++ % 10 === 9 ? paths[1] : paths[0];
        try {
          const r = await get(agents[instance], urls[instance], path, client);
          if (r.status === 200) {
            served++;
            latencies.push(r.ms);
          } else failed++;
        } catch {
          failed++;
        }
        await new Promise((r) => setTimeout(r, 1500 + random() * 1000));
      }
    };
    await Promise.all(Array.from({ length: VIEWERS }, (_, v) => viewer(v)));
    const elapsedMin = (performance.now() - t0) / 60_000;
    const after = await transactions(stat, db.name);
    const computed = apps.reduce(
      (s, a, i) => s + a.get(TransparencyService).cache.stats.computed - computedBefore[i],
      0,
    );
    const perMinute = (after - before) / elapsedMin;
    const uncachedPerMinute = (served / elapsedMin) * costPerAnswer;
    const ratio = perMinute / uncachedPerMinute;
    const sorted = sortedNumbers(latencies);
    const p99 = percentile(sorted, 0.99);
    // Every key is computed at most once per interval across both instances, plus one per instance
    // at worst when a winner's answer is late (the wait falls back to computing).
    const keyBound = paths.length * Math.ceil((elapsedMin * 60) / INTERVAL_S + 1) * apps.length;
    const checks = [
      check('answers served', fmt(served), '> 0, none failed', served > 0 && failed === 0),
      check('answers computed', fmt(computed), `<= ${keyBound} (keys x intervals x instances)`, computed <= keyBound),
      check(
        'database statements per minute vs uncached',
        `${fmt(perMinute)} vs ${fmt(uncachedPerMinute)} (${fmt(ratio * 100, 3)}%)`,
        '< 1%',
        ratio < 0.01,
      ),
    ];
    const figures = {
      viewers: VIEWERS,
      seconds: round(elapsedMin * 60, 1),
      served,
      failed,
      requestsPerSecond: round(served / (elapsedMin * 60), 1),
      p50Ms: round(percentile(sorted, 0.5), 1),
      p99Ms: round(p99, 1),
      computed,
      dbStatementsPerMinute: round(perMinute, 1),
      statementsPerComputedAnswer: round(costPerAnswer, 1),
      uncachedStatementsPerMinute: round(uncachedPerMinute),
      ratioToUncached: round(ratio, 5),
    };
    console.log(
      `[transparency] ${VIEWERS} viewers, ${fmt(served)} answers (${figures.requestsPerSecond}/s, p99 ${figures.p99Ms} ms), ` +
        `${computed} computed; database ${fmt(perMinute)} statements/min vs ${fmt(uncachedPerMinute)}/min uncached (${fmt(ratio * 100, 3)}%)`,
    );
    return {
      name: 'transparency',
      figures,
      checks,
      pass: checks.every((x) => x.ok),
      notes: [
        'Two API instances in one process share PostgreSQL and Redis; viewers are split between them; the rate limit sees each viewer as its own client (X-Forwarded-For from loopback, TRUST_PROXY=loopback).',
        'Statements are counted as transactions of the bench database in pg_stat_database (each statement sent outside a transaction is one), which includes the few the API sends for its own checks.',
        'The baseline is the statements one computed answer costs (measured in the same run, cold cache) times the answers served.',
      ],
    };
  } finally {
    setup.close();
    for (const a of agents) a.destroy();
    for (const app of apps) await app.close().catch(() => undefined);
    await stat.end();
    await db.drop();
  }
}

if (require.main === module) runStandalone(run);
