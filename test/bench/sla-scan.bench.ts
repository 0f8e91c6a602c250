// Benchmark of the SLA scan at provincial scale: 1,000,000 open, running dossiers of
// which 100,000 became overdue since the last scan (a minute ago). The scan runs as it does in
// production: a real worker process takes the 'sla.scan' job from Redis. Reported: the scan's wall
// time (from the worker's own log line) and the worker's peak resident memory (VmHWM).
// Baseline in the same run, on the same data: ONE raw `INSERT INTO alerts ... SELECT` marking the
// same 100,000 dossiers overdue for their unit head (no watermark, no batching, no other kinds).
// Targets: scan <= 2x the raw statement, < 10 s, worker peak memory < 300 MB.
// Run alone: build, start servers (docker/services.sh), export DATABASE_URL/REDIS_URL, then
// node dist/test/bench/sla-scan.bench.js
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import {
  apiEnv,
  BenchEnv,
  BenchResult,
  check,
  createMigratedDatabase,
  DIST,
  fmt,
  round,
  runStandalone,
} from './support/bench-kit';

const OPEN = Number(process.env.BENCH_SCAN_OPEN ?? 1_000_000);
const OVERDUE = Number(process.env.BENCH_SCAN_OVERDUE ?? 100_000);

async function seed(c: Client, now: Date): Promise<void> {
  const unit = (await c.query(`INSERT INTO units (code, name) VALUES ('B1', 'Sở Xây dựng (bench)') RETURNING id`))
    .rows[0].id as string;
  const head = (
    await c.query(
      `INSERT INTO users (username, password_hash, full_name, role, unit_id) VALUES ('head', 'x', 'Trưởng đơn vị', 'unit_head', $1) RETURNING id`,
      [unit],
    )
  ).rows[0].id as string;
  await c.query(`UPDATE units SET head_user_id = $1 WHERE id = $2`, [head, unit]);
  await c.query(
    `INSERT INTO users (username, password_hash, full_name, role) VALUES ('board', 'x', 'Ban chỉ đạo', 'reform_board')`,
  );
  const procedure = (
    await c.query(`INSERT INTO procedures (code, current_version) VALUES ('1.000001', 1) RETURNING id`)
  ).rows[0].id as string;
  // Copy the columns a version needs from the migration's definition (search_text, field_key...).
  await c.query(
    `INSERT INTO procedure_versions (procedure_id, version, effective_from, name, field, unit_id, time_limit_amount, time_limit_unit,
       intake_cutoff, steps, online_level, fee_bearing, paper_result_required, search_text, field_key)
     VALUES ($1, 1, '2025-01-01', 'Cấp giấy phép', 'Xây dựng', $2, 3, 'working_days', NULL,
       jsonb_build_array(jsonb_build_object('name', 'Thẩm định', 'unitId', $3::text, 'unitCode', 'B1', 'workingHours', 24)),
       'none', false, false, 'cap giay phep', 'xay dung')`,
    [procedure, unit, unit],
  );
  // 1,000,000 open running dossiers: OVERDUE of them passed their deadline within the last minute,
  // the others are due from two hours on (so none crosses its deadline or its due-soon instant
  // while the benchmark runs). Step deadlines are in the future; the overdue alerts the scan raises
  // escalate 16 working hours after it.
  const nowMs = now.getTime();
  await c.query(
    `INSERT INTO dossiers (code, procedure_id, procedure_version, procedure_code, receiving_unit_id, handling_unit_id,
       current_step_unit_id, unit_ids, channel, status, version, received_at, clock_start, last_due_at, due_at,
       due_soon_at, overdue_at, step_due_at, applicant, flags, lookup_key_hash, state, calendar_version, updated_at)
     SELECT 'B1-' || i, $1, 1, '1.000001', $2, $2, $2, ARRAY[$2::uuid], 'direct', 'in_progress', 2,
       r - interval '3 days', r - interval '3 days', due, due, due - interval '1 hour', due,
       $4::timestamptz + interval '30 days', '{}'::jsonb, '{}'::jsonb, 'x', '{}'::jsonb, 1, r - interval '1 day'
     FROM generate_series(1, $3::int) AS i,
       LATERAL (SELECT $4::timestamptz AS r) AS rr,
       LATERAL (SELECT CASE WHEN i <= $5::int
         THEN $4::timestamptz - (i % 55 + 1) * interval '1 second'
         ELSE $4::timestamptz + interval '2 hours' + (i % 20000) * interval '1 minute' END AS due) AS dd`,
    [procedure, unit, OPEN, new Date(nowMs).toISOString(), OVERDUE],
  );
  await c.query(`ANALYZE dossiers`);
}

async function setWatermarks(c: Client, at: Date): Promise<void> {
  await c.query(`DELETE FROM sla_scan_state`);
  for (const kind of ['due_soon', 'overdue', 'stalled', 'escalated']) {
    await c.query(`INSERT INTO sla_scan_state (kind, scanned_until) VALUES ($1, $2)`, [kind, at]);
  }
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

export async function run(env: BenchEnv): Promise<BenchResult> {
  console.log(`\n== SLA scan: ${fmt(OPEN)} open dossiers, ${fmt(OVERDUE)} newly overdue`);
  const db = await createMigratedDatabase(env, 'bench_scan');
  const c = new Client({ connectionString: db.url });
  await c.connect();
  const now = new Date();
  try {
    let t0 = performance.now();
    await seed(c, now);
    console.log(`  seeded in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    // Baseline: one raw INSERT ... SELECT marking the same dossiers.
    t0 = performance.now();
    const raw = await c.query(
      `INSERT INTO alerts (kind, dossier_id, unit_id, recipient_user_id, deadline_at, created_at)
       SELECT 'overdue', d.id, d.handling_unit_id, u.head_user_id, d.overdue_at, $1
       FROM dossiers d JOIN units u ON u.id = d.handling_unit_id
       WHERE d.overdue_at <= $1 AND d.overdue_at > $2
       ON CONFLICT DO NOTHING`,
      [now, new Date(now.getTime() - 60_000)],
    );
    const rawMs = performance.now() - t0;
    console.log(`  raw INSERT ... SELECT: ${fmt(raw.rowCount ?? 0)} alerts in ${fmt(rawMs)} ms`);
    await c.query(`TRUNCATE alert_deliveries, alerts`);
    await c.query(`VACUUM ANALYZE alerts`);

    // The scan, in a real worker process, from a job on the queue. The previous scan was a minute ago.
    await setWatermarks(c, new Date(now.getTime() - 60_000));
    const workerEnv = {
      ...apiEnv(db.url, env.redisUrl, 10),
      LOG_LEVEL: 'info',
      SLA_SCAN_CRON: 'off',
      SWEEP_CRON: 'off',
      HEARTBEAT_CRON: 'off',
    };
    const worker = spawn(process.execPath, [path.join(DIST, 'src/worker.js')], {
      env: { PATH: process.env.PATH ?? '', ...workerEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    worker.stdout.on('data', (d: Buffer) => (out += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const until = Date.now() + 60_000;
    while (!/workers started/.test(out)) {
      if (Date.now() > until) throw new Error(`worker did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const baseRss = peakRssMb(worker.pid!);
    const queue = new Queue('sla', {
      connection: { url: env.redisUrl },
      prefix: (workerEnv as Record<string, string>).QUEUE_PREFIX,
    });
    const wall0 = performance.now();
    const job = await queue.add('sla.scan', { tickId: 'bench' }, { jobId: 'bench-scan' });
    let state = '';
    while (state !== 'completed' && state !== 'failed') {
      await new Promise((r) => setTimeout(r, 50));
      state = await job.getState();
    }
    const jobWallMs = performance.now() - wall0;
    const line = out
      .split('\n')
      .filter((l) => l.includes('"sla scan"'))
      .map((l) => JSON.parse(l) as { ms: number; alertsCreated: number; scanned: number })
      .pop();
    const peak = peakRssMb(worker.pid!);
    worker.kill('SIGTERM');
    await queue.close();
    const created = (await c.query(`SELECT count(*)::int AS n FROM alerts WHERE kind = 'overdue'`)).rows[0].n as number;
    if (state !== 'completed' || !line) throw new Error(`scan job ${state}:\n${out.slice(-2000)}`);
    const scanMs = line.ms;
    console.log(
      `  scan (worker log): ${fmt(scanMs)} ms, read ${fmt(line.scanned)} candidates, created ${fmt(line.alertsCreated)} alerts; job wall time incl. queue ${fmt(jobWallMs)} ms`,
    );
    console.log(`  worker peak RSS: ${fmt(peak, 1)} MB (after start-up: ${fmt(baseRss, 1)} MB)`);
    const ratio = scanMs / rawMs;
    const checks = [
      check(
        'alerts created by the scan',
        fmt(created),
        `${fmt(OVERDUE)} (the raw statement's count)`,
        created === (raw.rowCount ?? -1),
      ),
      check('scan time / raw INSERT ... SELECT', `${fmt(ratio, 2)}x`, '<= 2x', ratio <= 2),
      check('scan wall time', `${fmt(scanMs / 1000, 2)} s`, '< 10 s', scanMs < 10_000),
      check('worker peak memory', `${fmt(peak, 0)} MB`, '< 300 MB', peak < 300),
    ];
    return {
      name: 'sla-scan',
      figures: {
        openDossiers: OPEN,
        newlyOverdue: OVERDUE,
        rawInsertSelectMs: round(rawMs),
        scanMs: round(scanMs),
        scanJobWallMs: round(jobWallMs),
        ratioToRaw: round(ratio, 2),
        alertsCreated: created,
        workerPeakRssMb: round(peak, 1),
        workerStartRssMb: round(baseRss, 1),
      },
      checks,
      pass: checks.every((x) => x.ok),
      notes: [
        'The scan checks due-soon, overdue and stalled in deadline and changed-since modes, escalations from the open overdue alerts (each new overdue alert is written with its escalation instant), then closes stale alerts; the raw baseline marks only the overdue ones in one statement.',
        'Data is inserted straight into the projection (deadline columns set), not through the fold: the benchmark is about the scan.',
      ],
    };
  } finally {
    await c.end();
    await db.drop();
  }
}

if (require.main === module) runStandalone(run);
