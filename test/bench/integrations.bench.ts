// Benchmark of the DVCQG receiver: a source system sends 1,000 DongBoHoSoMC records (not measured),
// then 10,000 CapNhatTienDoHoSoMC progress items in 100 calls of 100 (POST /integrations/dvcqg/progress
// with the source's X-Api-Key, over real HTTP to the in-process API), each item mapped to its event
// through the fold, its dossier re-projected and its fingerprint kept.
// Baseline in the same run: the very event rows the feed wrote (values pre-computed: no mapping, no
// fold, no projection, no HTTP) inserted again with plain multi-row INSERTs of 100 rows, one
// transaction each. Target: >= 0.5x the baseline's events per second.
// Run alone: build, start servers (docker/services.sh), export DATABASE_URL/REDIS_URL, then
// node dist/test/bench/integrations.bench.js
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
  fmt,
  HttpClient,
  progress,
  provinceApi,
  round,
  runStandalone,
  startApi,
} from './support/bench-kit';
import { cpuWindow, describeCpu, disturbanceNote, postmasterPid } from './support/cpu';

const DOSSIERS = Number(process.env.BENCH_FEED_DOSSIERS ?? 1000);
const PER_DOSSIER = 10;
const BATCH = 100;
const TARGET_RATIO = 0.5;

const stamp = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);

/**
 * Ten valid progress statuses per dossier: forwards, a supplement round (one only: Decree 118 allows
 * one request), a payment round, the result and its return; the third forward at the last step and
 * the repeated return change nothing (answered as unchanged, as a sender's repeats are).
 */
const STATUSES = ['4', '5', '4', '6', '4', '4', '4', '9', '10', '10'];

function feed(n: number): { records: Record<string, unknown>[]; items: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const day = 2 + (i % 20);
    const t0 = Date.parse(
      `2026-03-${String(day).padStart(2, '0')}T08:${String((i % 6) * 10).padStart(2, '0')}:00+07:00`,
    );
    const code = `BENCH-${String(i).padStart(6, '0')}`;
    records.push({
      MaHoSo: code,
      MaTTHC: BUILDING_PERMIT.code,
      TenTTHC: BUILDING_PERMIT.name,
      KenhThucHien: '1',
      ChuHoSo: `Công dân ${i}`,
      LoaiDoiTuong: '1',
      NgayTiepNhan: stamp(t0),
      NgayHenTra: '',
      TrangThaiHoSo: '1',
      DanhSachLePhi: [{ TenPhiLePhi: 'Lệ phí', Gia: '150000' }],
    });
    STATUSES.slice(0, PER_DOSSIER).forEach((s, k) =>
      items.push({
        MaHoSo: code,
        NguoiXuLy: 'Chuyên viên',
        ThoiDiemXuLy: stamp(t0 + (k + 1) * 1_800_000),
        NoiDungXuLy: `Bước ${k + 1}`,
        TrangThai: s,
      }),
    );
  }
  return { records, items };
}

export async function run(env: BenchEnv): Promise<BenchResult> {
  const total = DOSSIERS * PER_DOSSIER;
  console.log(`integrations: ${fmt(total)} progress items in calls of ${BATCH}, then raw INSERTs of the same events`);
  const db = await createMigratedDatabase(env, 'bench_feed');
  const api = await startApi(apiEnv(db.url, env.redisUrl, 20));
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  try {
    const postmaster = await postmasterPid((q) => sql.query(q));
    const http = new HttpClient(api.baseUrl, 1);
    const p = await buildProvince(provinceApi(http) as unknown as Api);
    const source = (
      await http.request('POST', '/integrations/sources', {
        token: p.admin,
        body: { name: 'Bench', unitCodes: ['H15.50'] },
      })
    ).body as { apiKey: string };
    const headers = { 'x-api-key': source.apiKey };
    const send = async (url: string, body: unknown[]) => {
      const res = await http.request('POST', url, { headers, json: Buffer.from(JSON.stringify(body)) });
      if (res.status !== 200 || res.body.error_code !== '0')
        throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
      const m = /(\d+) cập nhật, (\d+) không đổi, (\d+) bị giữ lại/.exec(res.body.message as string);
      return { applied: Number(m![1]), unchanged: Number(m![2]), rejected: Number(m![3]) };
    };
    const { records, items } = feed(DOSSIERS);
    // Records with the unit in the query (the HG shape), not measured.
    for (let i = 0; i < records.length; i += 200) {
      const r = await send(
        '/integrations/dvcqg/DongBoHoSoMC?MaDinhDanhDV=H15.50&isUpdating=False',
        records.slice(i, i + 200),
      );
      if (r.applied !== Math.min(200, records.length - i)) throw new Error(`records refused: ${JSON.stringify(r)}`);
    }
    // Warm-up on other dossiers' first items is not possible without changing them: the first calls are measured.
    const bodies = [];
    for (let i = 0; i < items.length; i += BATCH) bodies.push(Buffer.from(JSON.stringify(items.slice(i, i + BATCH))));
    await sql.query('VACUUM ANALYZE dossiers');
    await sql.query('VACUUM ANALYZE dossier_events');
    await sql.query('CHECKPOINT');
    const before = (await sql.query(`SELECT count(*)::int AS n FROM dossier_events`)).rows[0].n as number;
    let stop = cpuWindow(postmaster);
    const tick = progress('  progress items', (total / 300) * 1000);
    let t0 = performance.now();
    let applied = 0;
    for (const b of bodies) {
      const res = await http.request('POST', '/integrations/dvcqg/progress', { headers, json: b });
      if (res.status !== 200) throw new Error(`progress: ${res.status}`);
      const m = /(\d+) cập nhật, (\d+) không đổi, (\d+) bị giữ lại/.exec(res.body.message as string)!;
      if (Number(m[3]) > 0) throw new Error(`items kept as unmappable: ${res.body.message}`);
      applied += Number(m[1]) + Number(m[2]);
    }
    const feedS = (performance.now() - t0) / 1000;
    tick();
    const feedCpu = stop();
    if (applied !== total) throw new Error(`${applied} of ${total} items applied`);
    const after = (await sql.query(`SELECT count(*)::int AS n FROM dossier_events`)).rows[0].n as number;
    const written = after - before;

    // Baseline: the events the feed wrote, re-inserted as plain multi-row INSERTs of BATCH rows.
    const cols = [
      'dossier_id',
      'seq',
      'action',
      'at',
      'actor_user_id',
      'from_status',
      'to_status',
      'payload',
      'external_id',
    ];
    const rows = (
      await sql.query(`SELECT ${cols.join(', ')} FROM dossier_events WHERE seq > 1 ORDER BY dossier_id, seq`)
    ).rows as Record<string, unknown>[];
    await sql.query(`CREATE TABLE bench_copy AS SELECT * FROM dossier_events WHERE seq = 1`);
    // The sequence heads go too: re-inserting the first events starts each dossier's sequence again.
    await sql.query(`TRUNCATE dossier_events, dossier_event_heads`);
    await sql.query(`INSERT INTO dossier_events SELECT * FROM bench_copy`);
    await sql.query('VACUUM ANALYZE dossier_events');
    await sql.query('CHECKPOINT');
    stop = cpuWindow(postmaster);
    t0 = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) {
      const chunk = rows.slice(i, i + BATCH);
      const params: unknown[] = [];
      const tuples = chunk.map((r, k) => {
        for (const c of cols) params.push(c === 'payload' ? JSON.stringify(r[c]) : r[c]);
        return `(${cols.map((_, j) => `$${k * cols.length + j + 1}`).join(', ')})`;
      });
      await sql.query(`INSERT INTO dossier_events (${cols.join(', ')}) VALUES ${tuples.join(', ')}`, params);
    }
    const rawS = (performance.now() - t0) / 1000;
    const rawCpu = stop();
    http.close();

    const feedRate = written / feedS;
    const rawRate = rows.length / rawS;
    const ratio = feedRate / rawRate;
    console.log('');
    console.log(
      `  feed: ${fmt(total)} items in ${bodies.length} calls, ${fmt(written)} events written in ${feedS.toFixed(2)} s = ${fmt(feedRate)} events/s (${fmt(total / feedS)} items/s)`,
    );
    console.log(
      `  raw multi-row INSERT of the same ${fmt(rows.length)} events: ${rawS.toFixed(2)} s = ${fmt(rawRate)} events/s`,
    );
    console.log(`  ratio feed / raw INSERT: ${ratio.toFixed(2)} (target >= ${TARGET_RATIO})`);
    console.log(`  feed: ${describeCpu(feedCpu, 'node: API')}`);
    console.log(`  raw INSERT: ${describeCpu(rawCpu, 'node: client')}`);
    const disturbance = disturbanceNote({ 'the feed': feedCpu, 'the raw INSERT baseline': rawCpu });
    if (disturbance) console.log(`  ${disturbance}`);
    const checks = [
      check('feed / raw INSERT (events/s)', ratio.toFixed(2), `>= ${TARGET_RATIO}`, ratio >= TARGET_RATIO),
    ];
    return {
      name: 'integrations',
      figures: {
        items: total,
        calls: bodies.length,
        eventsWritten: written,
        feedSeconds: round(feedS, 3),
        feedEventsPerSec: round(feedRate),
        feedItemsPerSec: round(total / feedS),
        rawInsertSeconds: round(rawS, 3),
        rawInsertEventsPerSec: round(rawRate),
        ratio: round(ratio, 3),
      },
      checks,
      pass: checks.every((c) => c.ok),
      notes: [
        ...(disturbance ? [disturbance] : []),
        `Feed: ${fmt(DOSSIERS)} dossiers (records sent first, not measured), ${PER_DOSSIER} items each (forwards, a supplement and a payment round, the result), ${BATCH} items per call, one call at a time over HTTP with the source's key; time = client-side request time.`,
        `Baseline: the event rows the feed wrote, re-inserted with multi-row INSERTs of ${BATCH} rows (autocommit), no mapping, fold, projection or HTTP.`,
      ],
    };
  } finally {
    await sql.end().catch(() => undefined);
    await api.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

if (require.main === module) runStandalone(run);
