// `npm run bench` (through docker/bench.sh): runs each benchmark in its own Node process, one after
// another, against the servers named by DATABASE_URL / REDIS_URL; prints a summary table and writes
// every figure as JSON to bench-results/. Targets are reported, not enforced: the exit code is
// non-zero only when a benchmark crashed.   node dist/test/bench/run-all.js [name ...]  (default: all)
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { BenchResult, projectDir } from './support/bench-kit';
import { idleCheck } from './support/cpu';

/** Every test/bench/<name>.bench.ts: these first, in this order, then any other alphabetically. */
const FIRST = ['calendar', 'actions', 'import'];

function discover(): string[] {
  const found = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js'))
    .map((f) => f.slice(0, -'.bench.js'.length));
  return [...FIRST.filter((b) => found.includes(b)), ...found.filter((b) => !FIRST.includes(b)).sort()];
}

/** Rough duration of each benchmark with the current settings, for the "time left" estimate. */
function expectedSeconds(bench: string): number {
  const d = Number(process.env.BENCH_DURATION_S ?? 20);
  const w = Number(process.env.BENCH_WARMUP_S ?? 3);
  if (bench === 'actions') return 30 + 5 * (w + 2 * d) + 5;
  if (bench === 'import') return 25 * (Number(process.env.BENCH_IMPORT_TOTAL ?? 10_000) / 10_000);
  if (bench === 'calendar') return 5;
  if (bench === 'recovery') return 240;
  if (bench === 'soak')
    return 60 + 5 * Number(process.env.BENCH_SOAK_RAMP_S ?? 6) + 60 * Number(process.env.BENCH_SOAK_MINUTES ?? 10);
  return 60;
}

interface Entry {
  bench: string;
  seconds: number;
  crashed: boolean;
  exitCode: number | null;
  result: BenchResult | null;
}

function runOne(bench: string, resultFile: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, `${bench}.bench.js`)], {
      env: { ...process.env, BENCH_RESULT_FILE: resultFile },
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
  });
}

async function machine(): Promise<Record<string, unknown>> {
  let postgres = 'unknown';
  let fsync = process.env.PG_FSYNC ?? 'on';
  if (process.env.DATABASE_URL) {
    const c = new Client({ connectionString: process.env.DATABASE_URL });
    await c.connect();
    postgres = (await c.query<{ v: string }>('SELECT version() AS v')).rows[0].v;
    fsync = (await c.query<{ fsync: string }>('SHOW fsync')).rows[0].fsync;
    await c.end();
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).trim();
    if (dirty) commit += ' (with uncommitted changes)';
  } catch {
    // not a git checkout
  }
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres,
    fsync,
    commit,
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function main(): Promise<void> {
  const all = discover();
  const selected = process.argv.slice(2).length ? process.argv.slice(2) : all;
  for (const b of selected) {
    if (!all.includes(b)) throw new Error(`unknown benchmark ${b} (there are: ${all.join(', ')})`);
  }
  const info = await machine();
  // Other work on the machine (a build, a test run) takes cores from the benchmarks: say so.
  const busy = await idleCheck();
  info.busyCoresBefore = Math.round(busy * 100) / 100;
  if (busy > 0.25) {
    console.log(
      `WARNING: ${busy.toFixed(2)} of ${info.nproc} cores were busy before the benchmarks started (other processes); ` +
        `the figures below are lower than on an idle machine ("other" in the CPU lines shows how much).`,
    );
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sla-bench-results-'));
  const entries: Entry[] = [];
  const began = Date.now();
  for (const [i, bench] of selected.entries()) {
    const elapsed = (Date.now() - began) / 1000;
    const left = selected.slice(i).reduce((a, b) => a + expectedSeconds(b), 0);
    console.log(
      `\n=== ${bench} (${i + 1}/${selected.length}); ${elapsed.toFixed(0)} s so far, about ${left.toFixed(0)} s left ===`,
    );
    const file = path.join(tmp, `${bench}.json`);
    const t0 = Date.now();
    const exitCode = await runOne(bench, file);
    const result = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResult) : null;
    entries.push({ bench, seconds: (Date.now() - t0) / 1000, crashed: !result, exitCode, result });
  }
  fs.rmSync(tmp, { recursive: true, force: true });

  const rows: string[][] = [['benchmark', 'check', 'value', 'target', 'result']];
  for (const e of entries) {
    if (!e.result) {
      rows.push([e.bench, `crashed (exit code ${e.exitCode})`, '-', '-', 'CRASH']);
      continue;
    }
    for (const c of e.result.checks ?? [])
      rows.push([e.result.name, c.what, c.value, c.target, c.ok ? 'PASS' : 'FAIL']);
  }
  const total = (Date.now() - began) / 1000;
  console.log(`\n=== Summary: ${selected.length} benchmarks in ${total.toFixed(0)} s ===`);
  console.log(
    `machine: ${info.nproc} cores (${info.cpu}), ${info.memoryGb} GB, Node ${info.node}, ${String(info.postgres).split(' on ')[0]}, fsync=${info.fsync}; commit ${info.commit}`,
  );
  console.log(table(rows));
  for (const e of entries) {
    if (!e.result) continue;
    console.log(`\n${e.result.name} (${e.seconds.toFixed(0)} s):`);
    console.log(
      '  ' +
        Object.entries(e.result.figures)
          .map(([k, v]) => `${k}=${v}`)
          .join('  '),
    );
    for (const n of e.result.notes ?? []) console.log(`  - ${n}`);
  }

  const outDir = process.env.BENCH_RESULTS_DIR ?? path.join(projectDir(), 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const report = {
    date: new Date().toISOString(),
    machine: info,
    totalSeconds: Math.round(total),
    benchmarks: entries,
  };
  const file = path.join(outDir, `bench-${stamp}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  fs.writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(report, null, 2));
  console.log(`\nfigures written to ${file} (and latest.json beside it)`);
  const crashed = entries.filter((e) => e.crashed).map((e) => e.bench);
  if (crashed.length) {
    console.error(`crashed: ${crashed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
