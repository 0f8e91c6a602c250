// Shared pieces of the benchmarks: the environment they run in (servers started by docker/bench.sh,
// or by hand with docker/services.sh), fresh migrated databases, the real API on a socket, a
// keep-alive HTTP client, percentiles, and the result shape the runner collects.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { createHttpApp } from '../../../src/http-app';

/** One line of a benchmark's verdict: a figure against its target. */
export interface Check {
  what: string;
  value: string;
  target: string;
  ok: boolean;
}

export interface BenchResult {
  name: string;
  figures: Record<string, number>;
  /** Targets; absent for benchmarks that report figures only. */
  checks?: Check[];
  pass: boolean;
  /** What was measured, how, and caveats: printed in the summary and stored in the JSON. */
  notes?: string[];
}

/** Where the benchmarks run: a PostgreSQL server (a maintenance database URL) and a Redis. */
export interface BenchEnv {
  databaseUrl: string;
  redisUrl: string;
  /** Directory with pgbench, psql (PostgreSQL's bin); null when pgbench is not installed. */
  pgBin: string | null;
  /** Where pgbench scripts and logs go; removed by the caller. */
  workDir: string;
  /** 'on' or 'off': how the server was started (reported, not changed here). */
  fsync: string;
}

/** The build's root (this file is <build>/test/bench/support/bench-kit.js once built). */
export const DIST = path.join(__dirname, '../../..');

/** The project root: the nearest folder above the build holding package.json. */
export function projectDir(): string {
  for (let dir = DIST; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** PostgreSQL's bin directory holding pgbench: $PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function findPgBin(): string | null {
  const given = process.env.PG_BIN;
  if (given && fs.existsSync(path.join(given, 'pgbench'))) return given;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(bin, 'pgbench'))) return bin;
  }
  return null;
}

/** The environment from process variables (set by docker/bench.sh, or by `. DIR/env` for a lone run). */
export function envFromProcess(): BenchEnv {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    throw new Error(
      'DATABASE_URL and REDIS_URL must point at throwaway servers: run `npm run bench`, or ' +
        '`bash docker/services.sh start /tmp/b && set -a && . /tmp/b/env && set +a` first',
    );
  }
  const workDir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'sla-bench-'));
  return { databaseUrl, redisUrl, pgBin: findPgBin(), workDir, fsync: process.env.PG_FSYNC ?? 'on' };
}

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh database on the bench server, migrated with the built migration script. */
export async function createMigratedDatabase(env: BenchEnv, prefix: string): Promise<BenchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: env.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(env.databaseUrl);
  url.pathname = `/${name}`;
  execFileSync(process.execPath, [path.join(DIST, 'scripts/migrate.js')], {
    env: { ...process.env, DATABASE_URL: url.toString() },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new Client({ connectionString: env.databaseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export const BENCH_ADMIN = { username: 'admin', password: 'bench-admin-password-1' };

/** The process environment of the in-process API (configuration is read once, at creation). */
export function apiEnv(databaseUrl: string, redisUrl: string, poolSize: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(poolSize),
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `bench${randomBytes(3).toString('hex')}`,
    JWT_SECRET: `bench-secret-${randomBytes(16).toString('hex')}`,
    ADMIN_USERNAME: BENCH_ADMIN.username,
    ADMIN_PASSWORD: BENCH_ADMIN.password,
    LOG_LEVEL: 'silent',
    SWAGGER_ENABLED: 'false',
  };
}

export interface RunningApi {
  baseUrl: string;
  close(): Promise<void>;
}

/** The real HTTP application (createHttpApp, as main.ts builds it) listening on 127.0.0.1, a free port. */
export async function startApi(env: Record<string, string>): Promise<RunningApi> {
  // The configuration reads process.env once, when the app is created.
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  const app = await createHttpApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('the API is not listening on a TCP port');
  return { baseUrl: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

export interface HttpResponse {
  status: number;
  body: any;
  ms: number;
}

/** A keep-alive JSON client over node:http (no dependency; one socket per concurrent request). */
export class HttpClient {
  readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets: number) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** `json` is a body serialised beforehand (kept out of a timed section); `body` is serialised here. */
  request(
    method: string,
    url: string,
    opts: { token?: string; body?: unknown; json?: Buffer; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    const payload = opts.json ?? (opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body)));
    const headers: Record<string, string | number> = { accept: 'application/json', ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const path = url.startsWith('/api') ? url : `/api/v1${url}`;
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = http.request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = performance.now() - t0;
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            if ((res.headers['content-type'] ?? '').includes('json') && text) body = JSON.parse(text);
            resolve({ status: res.statusCode ?? 0, body, ms });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The API shape test/support/province.ts drives (request and login), over a real socket. */
export function provinceApi(client: HttpClient) {
  const api = {
    request: (
      method: string,
      url: string,
      opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) => client.request(method, url, opts).then((r) => ({ status: r.status, body: r.body, headers: {} })),
    async login(username = BENCH_ADMIN.username, password = BENCH_ADMIN.password): Promise<string> {
      const res = await client.request('POST', '/auth/login', { body: { username, password } });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.accessToken as string;
    },
  };
  return api;
}

/** Nearest-rank percentile of ascending values. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function sortedNumbers(values: Iterable<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export const round = (n: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Prints a check line and returns it. */
export function check(what: string, value: string, target: string, ok: boolean): Check {
  console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${what}: ${value} (target ${target})`);
  return { what, value, target, ok };
}

/** A countdown for long phases: "about N s left". */
export function progress(label: string, totalMs: number, everyMs = 5000): () => void {
  const began = Date.now();
  const timer = setInterval(() => {
    const left = Math.max(0, (totalMs - (Date.now() - began)) / 1000);
    console.log(`  ${label}: ${((Date.now() - began) / 1000).toFixed(0)} s, about ${left.toFixed(0)} s left`);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Standalone entry (`node dist/test/bench/x.bench.js`): runs the benchmark (against the servers of
 * the environment when it needs them) and, with BENCH_RESULT_FILE set (the runner), writes the
 * result there as JSON. Exit code: 0 targets met, 1 targets missed, 2 crashed.
 */
export function runStandalone(
  run: (env: BenchEnv) => Promise<BenchResult>,
  opts: { servers: boolean } = { servers: true },
): void {
  const main = async () => {
    const env: BenchEnv = opts.servers
      ? envFromProcess()
      : { databaseUrl: '', redisUrl: '', pgBin: null, workDir: fs.mkdtempSync('/tmp/sla-bench-'), fsync: '' };
    try {
      const result = await run(env);
      if (process.env.BENCH_RESULT_FILE)
        fs.writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(result, null, 2));
      return result;
    } finally {
      fs.rmSync(env.workDir, { recursive: true, force: true });
    }
  };
  main().then(
    (result) => {
      process.exitCode = result.pass ? 0 : 1;
      // Pools and sockets the app may leave behind must not keep a finished benchmark alive.
      setTimeout(() => process.exit(), 500).unref();
    },
    (err: unknown) => {
      console.error(err);
      process.exit(2);
    },
  );
}
