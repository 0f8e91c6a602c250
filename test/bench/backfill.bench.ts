// Benchmark of the backfill from the tracking book: `npm run import` (the built CLI as a child
// process, with the node flags of package.json's "import" script, as an operator runs it) loads a
// CSV export of 100,000 rows spread over a year (received, in progress, resolved, returned), each
// row mapped to its DongBoHoSoMC record and folded into a dossier and its events. Figures: rows per
// second, and memory. "Flat" means two things, both checked between the same two windows of the run
// (the first quarter, 10-30 % of it after start-up, and the last, 75-100 %):
//  - retained heap: heapUsed right after a forced full GC in the child (--expose-gc and
//    test/bench/support/heap-probe.ts, every BENCH_HEAP_PROBE_MS, reported over IPC). What survives a
//    full GC is what the process holds; a leak (rows, caches or promises kept per row) grows it.
//    Its growth must stay under RETAINED_MB: ~90 bytes kept per row would exceed it.
//  - resident memory (RSS from /proc every 250 ms): what the machine pays, garbage not yet collected
//    and V8's reserved pages included. Its median must not grow more than FLAT_MB.
// The forced GCs cost the child time (their total is printed) and make RSS a little lower than
// without them; BENCH_HEAP_PROBE_MS=0 runs the import without the probe (RSS only).
// BENCH_HEAP_SNAPSHOTS=DIR also writes heap snapshots of the child at 20 % and 90 % of the file.
// Baseline in the same run: the very dossier and event rows the import wrote (values pre-computed:
// no parsing, mapping, fold or projection), inserted again into the emptied tables with plain
// multi-row INSERTs, one transaction of 250 dossiers and their events each (the import's batch).
// Run alone: build, start servers (docker/services.sh), export DATABASE_URL/REDIS_URL, then
// node dist/test/bench/backfill.bench.js          (BENCH_BACKFILL_ROWS=100000)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { Api } from '../support/http';
import { buildProvince, BUILDING_PERMIT } from '../support/province';
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
  projectDir,
  round,
  runStandalone,
  startApi,
  sortedNumbers,
} from './support/bench-kit';
import { cpuWindow, describeCpu, disturbanceNote, postmasterPid } from './support/cpu';
import type { HeapSample } from './support/heap-probe';

const ROWS = Number(process.env.BENCH_BACKFILL_ROWS ?? 100_000);
const BATCH = 250;
/** Resident memory may grow this much from the first quarter of the run to the last (MB). */
const FLAT_MB = 64;
/** The heap left after a full GC may grow this much between the same windows (MB). */
const RETAINED_MB = 5;
/** How often the child forces a full GC and reports the heap that survives it (ms; 0 = no probe). */
const PROBE_MS = Number(process.env.BENCH_HEAP_PROBE_MS ?? 5000);
/** A directory for two heap snapshots of the child (at 20% and 90% of the file), to diff by hand. */
const SNAPSHOTS = process.env.BENCH_HEAP_SNAPSHOTS ?? '';

const HEADER = [
  'STT',
  'Số hồ sơ',
  'Mã TTHC',
  'Tên thủ tục',
  'Người nộp',
  'Đơn vị',
  'Ngày nhận',
  'Ngày hẹn trả',
  'Ngày có kết quả',
  'Ngày trả kết quả',
  'Trạng thái',
];
const STATUS = ['Đã trả kết quả', 'Đã trả kết quả', 'Đã xử lý xong', 'Đang xử lý', 'Mới tiếp nhận'];

/** Weekdays from 2025-03-03 to 2026-02-27 (a year of history), as dd/MM/yyyy. */
function workingDays(): string[] {
  const out: string[] = [];
  for (let t = Date.UTC(2025, 2, 3); t <= Date.UTC(2026, 1, 27); t += 86_400_000) {
    const d = new Date(t);
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
    out.push(
      `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`,
    );
  }
  return out;
}

function writeBook(file: string, n: number): void {
  const days = workingDays();
  const lines = [HEADER.join(',')];
  for (let i = 0; i < n; i++) {
    const day = days[i % days.length];
    const next = days[(i % days.length) + 1] ?? day;
    const after = days[(i % days.length) + 2] ?? next;
    const status = STATUS[i % STATUS.length];
    const resolved =
      status === 'Đã trả kết quả' || status === 'Đã xử lý xong' ? `${next} 15:${String(i % 60).padStart(2, '0')}` : '';
    const returned = status === 'Đã trả kết quả' ? `${after} 09:00` : '';
    lines.push(
      [
        String(i + 1),
        `BK-${String(i).padStart(7, '0')}`,
        BUILDING_PERMIT.code,
        'Cấp giấy phép xây dựng',
        `Người nộp ${i}`,
        'H15.50',
        `${day} ${String(8 + (i % 8)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
        '',
        resolved,
        returned,
        status,
      ].join(','),
    );
  }
  writeFileSync(file, lines.join('\n'));
}

/** The node flags of package.json's "import" script (`node FLAGS dist/scripts/import-book.js`). */
function importNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(projectDir(), 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = pkg.scripts.import.trim().split(/\s+/);
  if (words[0] !== 'node')
    throw new Error(`package.json "import" script does not start with node: ${pkg.scripts.import}`);
  return words.slice(1).filter((w) => w.startsWith('--'));
}

function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export async function run(env: BenchEnv): Promise<BenchResult> {
  console.log(`backfill: npm run import of a ${fmt(ROWS)}-row CSV book, then raw INSERTs of the same rows`);
  const db = await createMigratedDatabase(env, 'bench_backfill');
  const api = await startApi(apiEnv(db.url, env.redisUrl, 10));
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-book-'));
  try {
    const postmaster = await postmasterPid((q) => sql.query(q));
    const http = new HttpClient(api.baseUrl, 1);
    const p = await buildProvince(provinceApi(http) as unknown as Api);
    const src = await http.request('POST', '/integrations/sources', {
      token: p.admin,
      body: { name: 'Bench book', unitCodes: ['H15.50'] },
    });
    if (src.status !== 201) throw new Error(`source: ${src.status}`);
    http.close();
    await api.close();
    const file = path.join(dir, 'so-theo-doi.csv');
    writeBook(file, ROWS);
    console.log(`  file: ${fmt(statSync(file).size / 1024 / 1024, 1)} MB`);

    // The import as an operator runs it: `node FLAGS dist/scripts/import-book.js FILE --source NAME`.
    const childEnv = { ...apiEnv(db.url, env.redisUrl, 4), PATH: process.env.PATH ?? '' };
    const nodeFlags = importNodeFlags();
    console.log(`  node flags of npm run import: ${nodeFlags.join(' ') || '(none)'}`);
    let stop = cpuWindow(postmaster);
    const t0 = performance.now();
    const samples: { at: number; mb: number }[] = [];
    const heap: HeapSample[] = [];
    const result = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          ...nodeFlags,
          ...(PROBE_MS > 0 ? ['--expose-gc', '--require', path.join(DIST, 'test/bench/support/heap-probe.js')] : []),
          path.join(DIST, 'scripts/import-book.js'),
          file,
          '--source',
          'Bench book',
        ],
        {
          env: { ...childEnv, HEAP_PROBE_MS: String(PROBE_MS) },
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        },
      );
      child.on('message', (m: { heapProbe?: HeapSample }) => {
        if (m.heapProbe) heap.push(m.heapProbe);
      });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const snapshotsLeft = SNAPSHOTS ? [20, 90] : [];
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const pct = /\]\s+(\d+)%/.exec(d.toString());
        if (pct && snapshotsLeft.length && Number(pct[1]) >= snapshotsLeft[0])
          child.send({ heapSnapshot: path.join(SNAPSHOTS, `import-${snapshotsLeft.shift()}pct.heapsnapshot`) });
        process.stdout.write(`  ${d.toString().trim().split('\n').pop()}\n`);
      });
      const timer = setInterval(() => {
        const mb = rssMb(child.pid!);
        if (mb !== null) samples.push({ at: performance.now() - t0, mb });
      }, 250);
      child.on('exit', (code) => {
        clearInterval(timer);
        resolve({ code, out, err });
      });
    });
    const importS = (performance.now() - t0) / 1000;
    const importCpu = stop();
    if (result.code !== 0) throw new Error(`import exited ${result.code}: ${result.err.slice(-2000)}`);
    const summary = JSON.parse(result.out.trim().split('\n').pop()!) as { applied: number; refused: number };
    if (summary.applied !== ROWS) throw new Error(`${summary.applied} of ${ROWS} rows applied: ${result.out}`);

    // Memory: the last quarter of the run against the first quarter (after start-up).
    const q = (from: number, to: number) =>
      sortedNumbers(
        samples.filter((s) => s.at >= from * importS * 1000 && s.at < to * importS * 1000).map((s) => s.mb),
      );
    const firstQ = q(0.1, 0.3);
    const lastQ = q(0.75, 1.01);
    const rss = sortedNumbers(samples.map((s) => s.mb));
    const growth = percentile(lastQ, 50) - percentile(firstQ, 50);
    // The heap after a full GC, between the same windows.
    const h = (from: number, to: number) =>
      sortedNumbers(
        heap.filter((x) => x.at >= from * importS * 1000 && x.at < to * importS * 1000).map((x) => x.heapUsedMb),
      );
    const heapFirstQ = h(0.1, 0.3);
    const heapLastQ = h(0.75, 1.01);
    const retainedGrowth =
      heapFirstQ.length && heapLastQ.length ? percentile(heapLastQ, 50) - percentile(heapFirstQ, 50) : null;
    const gcMs = heap.reduce((a, x) => a + x.gcMs, 0);

    // Baseline: the rows written, inserted again by hand.
    const counts = (
      await sql.query(
        `SELECT (SELECT count(*) FROM dossiers)::int AS d, (SELECT count(*) FROM dossier_events)::int AS e`,
      )
    ).rows[0] as { d: number; e: number };
    await sql.query(`CREATE TABLE bench_d AS SELECT * FROM dossiers ORDER BY code`);
    await sql.query(`CREATE TABLE bench_e AS SELECT * FROM dossier_events`);
    await sql.query(`CREATE INDEX ON bench_e (dossier_id)`);
    await sql.query(`TRUNCATE dossiers, dossier_events, portal_sync CASCADE`);
    await sql.query('VACUUM ANALYZE dossiers');
    await sql.query('VACUUM ANALYZE dossier_events');
    await sql.query('CHECKPOINT');
    const columns = async (table: string) =>
      (
        await sql.query(
          `SELECT column_name, data_type FROM information_schema.columns
           WHERE table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
          [table],
        )
      ).rows as { column_name: string; data_type: string }[];
    const dCols = await columns('dossiers');
    const eCols = await columns('dossier_events');
    const values = (
      rows: Record<string, unknown>[],
      cols: { column_name: string; data_type: string }[],
      params: unknown[],
    ) =>
      rows
        .map(
          (r) =>
            `(${cols
              .map((c) => {
                const v = r[c.column_name];
                params.push(v !== null && (c.data_type === 'jsonb' || c.data_type === 'json') ? JSON.stringify(v) : v);
                return `$${params.length}`;
              })
              .join(', ')})`,
        )
        .join(', ');
    let raw = 0;
    let rawEvents = 0;
    stop = cpuWindow(postmaster);
    const t1 = performance.now();
    let offset = 0;
    for (;;) {
      // Reading the rows back is not timed: the baseline is the INSERTs alone.
      const pause = performance.now();
      const dRows = (await sql.query(`SELECT * FROM bench_d ORDER BY code LIMIT ${BATCH} OFFSET ${offset}`))
        .rows as Record<string, unknown>[];
      if (dRows.length === 0) break;
      const eRows = (await sql.query(`SELECT * FROM bench_e WHERE dossier_id = ANY($1)`, [dRows.map((r) => r.id)]))
        .rows as Record<string, unknown>[];
      const readMs = performance.now() - pause;
      const dParams: unknown[] = [];
      const dSql = `INSERT INTO dossiers (${dCols.map((c) => c.column_name).join(', ')}) VALUES ${values(dRows, dCols, dParams)}`;
      const eParams: unknown[] = [];
      const eSql = `INSERT INTO dossier_events (${eCols.map((c) => c.column_name).join(', ')}) VALUES ${values(eRows, eCols, eParams)}`;
      const w = performance.now();
      await sql.query('BEGIN');
      await sql.query(dSql, dParams);
      await sql.query(eSql, eParams);
      await sql.query('COMMIT');
      raw += performance.now() - w;
      void readMs;
      rawEvents += eRows.length;
      offset += dRows.length;
    }
    void t1;
    const rawS = raw / 1000;
    const rawCpu = stop();
    if (offset !== counts.d || rawEvents !== counts.e) throw new Error('baseline did not re-insert every row');

    const importRate = ROWS / importS;
    const rawRate = counts.d / rawS;
    const ratio = importRate / rawRate;
    console.log('');
    console.log(
      `  import: ${fmt(ROWS)} rows (${fmt(counts.d)} dossiers, ${fmt(counts.e)} events) in ${importS.toFixed(1)} s = ${fmt(importRate)} rows/s (process start and file hashing included)`,
    );
    console.log(
      `  import RSS: ${samples.length} samples, first quarter median ${fmt(percentile(firstQ, 50), 1)} MB, last quarter median ${fmt(percentile(lastQ, 50), 1)} MB, max ${fmt(percentile(rss, 100), 1)} MB (growth ${fmt(growth, 1)} MB)`,
    );
    if (retainedGrowth !== null)
      console.log(
        `  import heap after a forced full GC: ${heap.length} samples every ${PROBE_MS / 1000} s, first quarter median ${fmt(percentile(heapFirstQ, 50), 1)} MB, last quarter median ${fmt(percentile(heapLastQ, 50), 1)} MB, max ${fmt(Math.max(...heap.map((x) => x.heapUsedMb)), 1)} MB (growth ${fmt(retainedGrowth, 1)} MB); the forced GCs took ${fmt(gcMs / 1000, 1)} s of the import's ${importS.toFixed(0)} s`,
      );
    console.log(
      `  flat means: heap after a full GC grows < ${RETAINED_MB} MB and RSS (median) < ${FLAT_MB} MB from the first quarter of the run (10-30 %) to the last (75-100 %)`,
    );
    console.log(
      `  raw multi-row INSERT of the same rows (${BATCH} dossiers + their events per transaction): ${rawS.toFixed(1)} s = ${fmt(rawRate)} rows/s`,
    );
    console.log(`  ratio import / raw INSERT: ${ratio.toFixed(2)}`);
    console.log(`  import: ${describeCpu(importCpu, 'node: bench', 'import')}`);
    console.log(`  raw INSERT: ${describeCpu(rawCpu, 'node: client')}`);
    const disturbance = disturbanceNote({ 'the import': importCpu, 'the raw INSERT baseline': rawCpu });
    if (disturbance) console.log(`  ${disturbance}`);
    const checks = [
      ...(retainedGrowth !== null
        ? [
            check(
              'import heap after full GC, growth first to last quarter (MB)',
              fmt(retainedGrowth, 1),
              `< ${RETAINED_MB}`,
              retainedGrowth < RETAINED_MB,
            ),
          ]
        : []),
      check('import RSS growth, first to last quarter (MB)', fmt(growth, 1), `< ${FLAT_MB}`, growth < FLAT_MB),
    ];
    return {
      name: 'backfill',
      figures: {
        rows: ROWS,
        dossiers: counts.d,
        events: counts.e,
        importSeconds: round(importS, 2),
        importRowsPerSec: round(importRate),
        rssFirstQuarterMb: round(percentile(firstQ, 50), 1),
        rssLastQuarterMb: round(percentile(lastQ, 50), 1),
        rssMaxMb: round(percentile(rss, 100), 1),
        rssGrowthMb: round(growth, 1),
        ...(retainedGrowth !== null
          ? {
              heapAfterGcFirstQuarterMb: round(percentile(heapFirstQ, 50), 1),
              heapAfterGcLastQuarterMb: round(percentile(heapLastQ, 50), 1),
              heapAfterGcGrowthMb: round(retainedGrowth, 1),
              forcedGcSeconds: round(gcMs / 1000, 2),
            }
          : {}),
        rawInsertSeconds: round(rawS, 2),
        rawInsertRowsPerSec: round(rawRate),
        ratio: round(ratio, 3),
      },
      checks,
      pass: checks.every((c) => c.ok),
      notes: [
        ...(disturbance ? [disturbance] : []),
        `Import: the built CLI as a child process with npm run import's node flags (${nodeFlags.join(' ')}) (Nest start-up, file hash, header search included), batches of ${BATCH}, one run; RSS of the child from /proc every 250 ms; ${PROBE_MS > 0 ? `heap after a forced full GC every ${PROBE_MS / 1000} s (the GCs' time is in the import's)` : 'no heap probe'}.`,
        `Baseline: the dossier and event rows the import wrote, re-inserted into the emptied tables with multi-row INSERTs (${BATCH} dossiers and their events per transaction), only the INSERTs timed.`,
      ],
    };
  } finally {
    await sql.end().catch(() => undefined);
    await api.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) runStandalone(run);
