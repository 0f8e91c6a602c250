// Benchmark of POST /imports/dossiers: 10,000 generated valid histories (six kinds, 0-4
// events each, like test/dossiers/import.e2e-spec.ts) posted over real HTTP to the in-process API,
// once as one call of 10,000 and once as 5 calls of 2,000, into an emptied database each time.
// Baseline in the same run: the very rows the import wrote (dossiers + dossier_events, values
// pre-computed: no validation, no fold, no HTTP), inserted again with multi-row INSERTs in
// transactions of 500 dossiers, as the import's write path batches them.
// Target: >= 5,000 dossiers/s for the single call of 10,000.
// Run alone: build, start servers (docker/services.sh), export DATABASE_URL/REDIS_URL, then
// node dist/test/bench/import.bench.js
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { Api } from '../support/http';
import { buildProvince, intakeBody } from '../support/province';
import {
  apiEnv,
  BenchEnv,
  BenchResult,
  check,
  createMigratedDatabase,
  fmt,
  HttpClient,
  provinceApi,
  round,
  runStandalone,
  startApi,
} from './support/bench-kit';
import { CpuUsage, cpuWindow, describeCpu, disturbanceNote, postmasterPid } from './support/cpu';
import { printProfile, profile } from './support/profiler';

const TOTAL = Number(process.env.BENCH_IMPORT_TOTAL ?? 10_000);
const CALLS = 5;
const BATCH = 500; // dossiers per transaction, as the import writes them
const EVENT_CHUNK = 2000;
const TARGET_PER_SEC = 5000;

/** Valid histories of six kinds (0, 1, 2, 3 and 4 events after the intake), spread over March 2026. */
export function histories(n: number, offset = 0): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let k = 0; k < n; k++) {
    const i = k + offset;
    const d = `2026-03-${String(2 + (i % 20)).padStart(2, '0')}`;
    const receivedAt = `${d}T08:${String((i % 7) * 5).padStart(2, '0')}:00+07:00`;
    const t0 = Date.parse(receivedAt);
    const at = (h: number) => new Date(t0 + h * 3_600_000).toISOString();
    const base = { ...intakeBody({ summary: `Hồ sơ nhập ${i}` }), receivedAt };
    let events: Record<string, unknown>[];
    switch (i % 6) {
      case 0: // resolved and returned
        events = [
          { action: 'forward', at: at(1) },
          { action: 'forward', at: at(5) },
          { action: 'resolve', at: at(20), resultSummary: 'Cấp phép', electronicResult: true },
          { action: 'return', at: at(30) },
        ];
        break;
      case 1: // paused for a supplement
        events = [
          { action: 'forward', at: at(1) },
          { action: 'request_supplement', at: at(2), reason: 'Thiếu bản vẽ', items: ['Bản vẽ'] },
        ];
        break;
      case 2: // just received
        events = [];
        break;
      case 3: // withdrawn
        events = [{ action: 'withdraw', at: at(3), reason: 'Rút hồ sơ' }];
        break;
      case 4: // late, after a payment round
        events = [
          { action: 'request_payment', at: at(1), amount: 500000 },
          { action: 'confirm_payment', at: at(2), paidOnline: true },
          { action: 'resolve', at: at(200), resultSummary: 'Cấp phép', electronicResult: false },
        ];
        break;
      default: // extended, then resolved
        events = [
          {
            action: 'extend',
            at: at(2),
            newPromisedAt: '2026-04-30T17:00:00+07:00',
            reason: 'Phối hợp liên ngành',
            responsibleUnitCode: 'H15.50.01',
          },
          { action: 'resolve', at: at(40), resultSummary: 'Cấp phép', electronicResult: true },
        ];
    }
    out.push({ ...base, events });
  }
  return out;
}

interface ImportOutcome {
  imported: number;
  failed: { index: number; message: string }[];
}

/** The request body, serialised before the clock starts. */
const payload = (items: unknown[]) => Buffer.from(JSON.stringify({ dossiers: items }));

async function postImport(http: HttpClient, token: string, json: Buffer): Promise<ImportOutcome> {
  const res = await http.request('POST', '/imports/dossiers', { token, json });
  if (res.status !== 200) throw new Error(`import: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  return res.body as ImportOutcome;
}

async function empty(sql: Client): Promise<void> {
  await sql.query('TRUNCATE dossiers, dossier_code_sequences CASCADE');
  await sql.query('VACUUM ANALYZE dossiers');
  await sql.query('VACUUM ANALYZE dossier_events');
  await sql.query('CHECKPOINT');
}

async function columnsOf(sql: Client, table: string, skip: string[]): Promise<string[]> {
  const { rows } = await sql.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => r.column_name).filter((c) => !skip.includes(c));
}

/** Values as the repository passes them (objects as JSON text, arrays and dates to the driver). */
const param = (v: unknown) =>
  v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v) ? JSON.stringify(v) : v;

async function insertRows(sql: Client, table: string, columns: string[], rows: Record<string, unknown>[]) {
  const params: unknown[] = [];
  const tuples = rows.map((r, i) => {
    for (const c of columns) params.push(param(r[c]));
    return `(${columns.map((_, k) => `$${i * columns.length + k + 1}`).join(', ')})`;
  });
  await sql.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
}

export async function run(env: BenchEnv): Promise<BenchResult> {
  console.log(
    `import: ${fmt(TOTAL)} histories over HTTP (1 x ${fmt(TOTAL)}, ${CALLS} x ${fmt(TOTAL / CALLS)}), then raw INSERTs`,
  );
  const db = await createMigratedDatabase(env, 'bench_import');
  const api = await startApi(apiEnv(db.url, env.redisUrl, 50));
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  try {
    const postmaster = await postmasterPid((q) => sql.query(q));
    const http = new HttpClient(api.baseUrl, 2);
    const p = await buildProvince(provinceApi(http) as unknown as Api);
    const items = histories(TOTAL);
    const events = items.reduce((a, x) => a + 1 + (x.events as unknown[]).length, 0);
    const body = payload(items);
    const bodyMb = body.length / 1e6;

    // Warm-up (JIT, caches), then an empty database for each measured pass.
    const warm = await postImport(http, p.admin, payload(histories(500, TOTAL)));
    if (warm.failed.length) throw new Error(`warm-up import refused ${warm.failed.length}: ${warm.failed[0].message}`);
    const expectAll = (o: ImportOutcome, n: number, what: string) => {
      if (o.imported !== n || o.failed.length)
        throw new Error(`${what}: imported ${o.imported} of ${n}; first failure ${JSON.stringify(o.failed[0])}`);
    };

    // 1. One call of TOTAL.
    await empty(sql);
    console.log(`  1 call of ${fmt(TOTAL)} (${bodyMb.toFixed(1)} MB of JSON)...`);
    let stop = cpuWindow(postmaster);
    let t0 = performance.now();
    expectAll(await postImport(http, p.admin, body), TOTAL, 'single call');
    const singleS = (performance.now() - t0) / 1000;
    const singleCpu: CpuUsage = stop();

    // The rows it wrote, for the baseline.
    const dossierColumns = await columnsOf(sql, 'dossiers', ['created_at', 'updated_at']);
    const eventColumns = await columnsOf(sql, 'dossier_events', ['recorded_at']);
    const dossierRows = (await sql.query(`SELECT ${dossierColumns.join(', ')} FROM dossiers ORDER BY code`)).rows;
    const eventRows = (
      await sql.query(`SELECT ${eventColumns.join(', ')} FROM dossier_events ORDER BY dossier_id, seq`)
    ).rows as Record<string, unknown>[];
    const eventsByDossier = new Map<string, Record<string, unknown>[]>();
    for (const e of eventRows) {
      const list = eventsByDossier.get(e.dossier_id as string) ?? [];
      list.push(e);
      eventsByDossier.set(e.dossier_id as string, list);
    }

    // 2. CALLS calls of TOTAL / CALLS.
    await empty(sql);
    const per = TOTAL / CALLS;
    console.log(`  ${CALLS} calls of ${fmt(per)}...`);
    const parts = Array.from({ length: CALLS }, (_, c) => payload(items.slice(c * per, (c + 1) * per)));
    t0 = performance.now();
    for (let c = 0; c < CALLS; c++) expectAll(await postImport(http, p.admin, parts[c]), per, `call ${c + 1}`);
    const splitS = (performance.now() - t0) / 1000;

    // 3. Baseline: the same rows, pre-computed, multi-row INSERTs in transactions of BATCH dossiers.
    await empty(sql);
    console.log(
      `  raw multi-row INSERT of the same ${fmt(dossierRows.length)} dossiers and ${fmt(eventRows.length)} events...`,
    );
    stop = cpuWindow(postmaster);
    t0 = performance.now();
    for (let i = 0; i < dossierRows.length; i += BATCH) {
      const batch = dossierRows.slice(i, i + BATCH);
      const evs = batch.flatMap((d) => eventsByDossier.get(d.id as string) ?? []);
      await sql.query('BEGIN');
      await insertRows(sql, 'dossiers', dossierColumns, batch);
      for (let k = 0; k < evs.length; k += EVENT_CHUNK)
        await insertRows(sql, 'dossier_events', eventColumns, evs.slice(k, k + EVENT_CHUNK));
      await sql.query('COMMIT');
    }
    const rawS = (performance.now() - t0) / 1000;
    const rawCpu = stop();

    // 4. PostgreSQL alone: the same rows copied server-side (INSERT ... SELECT from a copy, same
    //    batches): no parameters to send and parse, so this is the database's own cost of the writes.
    await sql.query('CREATE TABLE bench_dossiers AS SELECT * FROM dossiers');
    await sql.query('CREATE TABLE bench_events AS SELECT * FROM dossier_events');
    await sql.query('CREATE INDEX ON bench_events (dossier_id)');
    const ids = (await sql.query<{ id: string }>('SELECT id FROM bench_dossiers ORDER BY code')).rows.map((r) => r.id);
    const serverSide = async () => {
      await empty(sql);
      const start = performance.now();
      for (let i = 0; i < ids.length; i += BATCH) {
        const batch = ids.slice(i, i + BATCH);
        await sql.query('BEGIN');
        await sql.query(
          `INSERT INTO dossiers (${dossierColumns.join(', ')}) SELECT ${dossierColumns.join(', ')} FROM bench_dossiers WHERE id = ANY($1)`,
          [batch],
        );
        await sql.query(
          `INSERT INTO dossier_events (${eventColumns.join(', ')}) SELECT ${eventColumns.join(', ')} FROM bench_events WHERE dossier_id = ANY($1)`,
          [batch],
        );
        await sql.query('COMMIT');
      }
      return (performance.now() - start) / 1000;
    };
    const serverS = await serverSide();
    // The same with every trigger off (session_replication_role = replica: the report-delta and
    // step-result triggers and the foreign-key checks): their share of the database's cost.
    await sql.query(`SET session_replication_role = replica`);
    const noTriggerS = await serverSide();
    await sql.query(`SET session_replication_role = origin`);
    await sql.query('DROP TABLE bench_dossiers, bench_events');

    // 5. Unmeasured: where the API's main thread spends its time during the same single call.
    await empty(sql);
    console.log(`  profiling one more call of ${fmt(TOTAL)} (not measured)...`);
    const prof = await profile(() => postImport(http, p.admin, body));
    http.close();

    const single = TOTAL / singleS;
    const split = TOTAL / splitS;
    const raw = dossierRows.length / rawS;
    const server = ids.length / serverS;
    console.log('');
    console.log(
      `  import 1 x ${fmt(TOTAL)}      ${singleS.toFixed(2)} s  = ${fmt(single).padStart(7)} dossiers/s (${fmt(events / singleS)} events/s)`,
    );
    console.log(`  import ${CALLS} x ${fmt(per)}       ${splitS.toFixed(2)} s  = ${fmt(split).padStart(7)} dossiers/s`);
    console.log(`  raw INSERT baseline   ${rawS.toFixed(2)} s  = ${fmt(raw).padStart(7)} dossiers/s`);
    console.log(
      `  server-side INSERT ... SELECT  ${noTriggerS.toFixed(2)} s  = ${fmt(ids.length / noTriggerS).padStart(7)} dossiers/s with triggers and foreign-key checks off (they are ${Math.round((100 * (serverS - noTriggerS)) / serverS)}% of the server-side cost)`,
    );
    console.log(
      `  server-side INSERT ... SELECT  ${serverS.toFixed(2)} s  = ${fmt(server).padStart(7)} dossiers/s (PostgreSQL's own write cost)`,
    );
    console.log(
      `  ratio import / raw INSERT: ${(single / raw).toFixed(2)} (1 call), ${(split / raw).toFixed(2)} (${CALLS} calls)`,
    );
    console.log(
      `  of the ${singleS.toFixed(2)} s of the single call: ~${rawS.toFixed(2)} s is what writing the rows costs (raw INSERT), ` +
        `~${Math.max(0, singleS - rawS).toFixed(2)} s the rest (upload, JSON parse, validation, fold, response), one after the other`,
    );
    console.log(`  import: ${describeCpu(singleCpu, 'node: API')}`);
    console.log(`  raw INSERT: ${describeCpu(rawCpu, 'node: client')}`);
    printProfile(`API CPU profile of one more call of ${fmt(TOTAL)} (unmeasured)`, prof);
    const checks = [
      check(
        `import dossiers/s (1 call of ${fmt(TOTAL)})`,
        fmt(single),
        `>= ${fmt(TARGET_PER_SEC)}`,
        single >= TARGET_PER_SEC,
      ),
    ];
    const disturbance = disturbanceNote({ 'the single import call': singleCpu, 'the raw INSERT baseline': rawCpu });
    if (disturbance) console.log(`  ${disturbance}`);
    return {
      name: 'import',
      figures: {
        dossiers: TOTAL,
        events,
        requestMb: round(bodyMb, 2),
        singleCallSeconds: round(singleS, 3),
        singleCallDossiersPerSec: round(single),
        splitCalls: CALLS,
        splitSeconds: round(splitS, 3),
        splitDossiersPerSec: round(split),
        rawInsertSeconds: round(rawS, 3),
        rawInsertDossiersPerSec: round(raw),
        ratioSingleToRaw: round(single / raw, 3),
        ratioSplitToRaw: round(split / raw, 3),
        serverSideInsertSeconds: round(serverS, 3),
        serverSideInsertDossiersPerSec: round(server),
        serverSideNoTriggersSeconds: round(noTriggerS, 3),
        importNodeCores: round(singleCpu.nodeCores, 2),
        importPostgresCores: round(singleCpu.postgresCores, 2),
      },
      checks,
      pass: checks.every((c) => c.ok),
      notes: [
        ...(disturbance ? [disturbance] : []),
        `API side: POST /imports/dossiers over HTTP as admin, ${fmt(TOTAL)} valid histories of six kinds (0-4 events after intake, ${fmt(events)} events in all), codes generated; each pass into emptied tables (TRUNCATE, VACUUM, CHECKPOINT); time = client-side request time (JSON upload, validation, fold of every history, code reservation, batched INSERTs of 500, response).`,
        `Baseline: the same ${fmt(TOTAL)} dossier rows and events the import computed, re-inserted from this process with multi-row INSERTs (500 dossiers per transaction, events in statements of ${fmt(EVENT_CHUNK)}), no validation, no fold, no HTTP. Lower bound: the same rows copied server-side (INSERT ... SELECT from a copy, same batches).`,
      ],
    };
  } finally {
    await sql.end().catch(() => undefined);
    await api.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

if (require.main === module) runStandalone(run);
