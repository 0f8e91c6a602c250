// Benchmark of messages to citizens: 10,000 dossiers reach "result ready" within a minute; one
// worker process must message them all within the next minute, through the real eSMS adapter, to a
// real HTTP server speaking eSMS's shape (test/messages/fake-providers.ts).
// (1) The outbox's database cost: per dossier, in its own transaction as an action writes it, the
//     repository's statements (read the consent and names, INSERT ... ON CONFLICT the row), against
//     the baseline of a plain INSERT of the same row in its own transaction; same 8 clients.
// (2) Delivery: one worker (the 'messages' queue's concurrency) takes the 10,000 'messages.send' jobs;
//     reported: the time until the last row is recorded sent.
// Run alone: build, start servers (docker/services.sh), export DATABASE_URL/REDIS_URL, then
// node dist/test/bench/messages.bench.js
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { MessagesRepository, type NewMessage } from '../../src/messages/messages.repository';
import { FakeEsms } from '../messages/fake-providers';
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

const N = Number(process.env.BENCH_MESSAGES ?? 10_000);
/** The gateway's answer time: a real one takes a few hundred ms (0: answers at once). */
const LATENCY_MS = Number(process.env.BENCH_MESSAGES_LATENCY_MS ?? 200);
const CLIENTS = 8;

async function seed(c: Client): Promise<{ unit: string; ids: string[] }> {
  const unit = (await c.query(`INSERT INTO units (code, name) VALUES ('B1', 'Sở Xây dựng (bench)') RETURNING id`))
    .rows[0].id as string;
  const procedure = (
    await c.query(`INSERT INTO procedures (code, current_version) VALUES ('1.000001', 1) RETURNING id`)
  ).rows[0].id as string;
  await c.query(
    `INSERT INTO procedure_versions (procedure_id, version, effective_from, name, field, unit_id, time_limit_amount, time_limit_unit,
       intake_cutoff, steps, online_level, fee_bearing, paper_result_required, search_text, field_key)
     VALUES ($1, 1, '2025-01-01', 'Cấp giấy phép', 'Xây dựng', $2, 3, 'working_days', NULL,
       jsonb_build_array(jsonb_build_object('name', 'Thẩm định', 'unitId', $3::text, 'unitCode', 'B1', 'workingHours', 24)),
       'none', false, false, 'cap giay phep', 'xay dung')`,
    [procedure, unit, unit],
  );
  const now = new Date().toISOString();
  const ids = (
    await c.query(
      `INSERT INTO dossiers (code, procedure_id, procedure_version, procedure_code, receiving_unit_id, handling_unit_id,
         unit_ids, channel, status, version, received_at, clock_start, last_due_at, ended_at, applicant, flags,
         lookup_key_hash, state, calendar_version, updated_at)
       SELECT 'B1-260310-' || lpad(i::text, 5, '0'), $1::uuid, 1, '1.000001', $2::uuid, $2::uuid, ARRAY[$2::uuid], 'direct', 'resolved', 5,
         $4::timestamptz - interval '2 days', $4::timestamptz - interval '2 days', $4::timestamptz + interval '1 day',
         $4::timestamptz, '{}'::jsonb, '{}'::jsonb, 'x', '{}'::jsonb, 1, $4::timestamptz
       FROM generate_series(1, $3::int) AS i RETURNING id`,
      [procedure, unit, N, now],
    )
  ).rows.map((r: { id: string }) => r.id);
  // Distinct mobile numbers: the daily cap counts per number.
  await c.query(
    `INSERT INTO message_consents (dossier_id, phone, sms)
     SELECT id, '8491' || lpad((row_number() OVER ())::text, 7, '0'), true FROM unnest($1::uuid[]) AS id`,
    [ids],
  );
  await c.query(`ANALYZE dossiers`);
  return { unit, ids };
}

function row(dossierId: string, unitId: string, phone: string, occurrence: string): NewMessage {
  return {
    dossier_id: dossierId,
    unit_id: unitId,
    milestone: 'result_ready',
    occurrence,
    channel: 'sms',
    to_address: phone,
    template_version: 'bench',
    params: {
      code: 'B1-260310-00001',
      unitShort: 'So Xay dung',
      place: 'Bo phan Mot cua',
      counterHours: '07:30-11:30',
    },
    scheduled_for: null,
    created_at: new Date(),
  };
}

/** CPU time (user + system) a process has used so far, in ms (/proc; 0 where there is none). */
function workerCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** Runs `work(i)` for i in [0, n) on `clients` concurrent lanes; returns the wall time in ms. */
async function lanes(n: number, clients: number, work: (i: number, lane: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, lane) => {
      for (let i = next++; i < n; i = next++) await work(i, lane);
    }),
  );
  return performance.now() - t0;
}

export async function run(env: BenchEnv): Promise<BenchResult> {
  console.log(`\n== Messages to citizens: ${fmt(N)} dossiers reach "result ready"`);
  const db = await createMigratedDatabase(env, 'bench_msg');
  const c = new Client({ connectionString: db.url });
  await c.connect();
  const ds = new DataSource({ ...dataSourceOptions(db.url, CLIENTS), migrations: [] });
  await ds.initialize();
  const esms = await new FakeEsms().start();
  esms.latencyMs = LATENCY_MS;
  try {
    const { unit, ids } = await seed(c);
    const phones = new Map<string, string>(
      (await c.query(`SELECT dossier_id, phone FROM message_consents`)).rows.map(
        (r: { dossier_id: string; phone: string }) => [r.dossier_id, r.phone],
      ),
    );
    const repo = new MessagesRepository(ds);

    // Baseline: a plain INSERT of the same row, one transaction each.
    const baselineMs = await lanes(N, CLIENTS, async (i) => {
      const r = row(ids[i], unit, phones.get(ids[i])!, 'baseline');
      await ds.transaction((m) =>
        m.query(
          `INSERT INTO citizen_messages (dossier_id, unit_id, milestone, occurrence, channel, to_address, template_version, params, scheduled_for, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [
            r.dossier_id,
            r.unit_id,
            r.milestone,
            r.occurrence,
            r.channel,
            r.to_address,
            r.template_version,
            JSON.stringify(r.params),
            r.scheduled_for,
            r.created_at,
          ],
        ),
      );
    });
    await c.query(`DELETE FROM citizen_messages`);
    await c.query(`VACUUM ANALYZE citizen_messages`);
    // The outbox: what the action's transaction adds for its milestone (the consent read, the guarded INSERT).
    const outboxMs = await lanes(N, CLIENTS, async (i) => {
      await ds.transaction(async (m) => {
        const ctx = await repo.milestoneContext(m, ids[i]);
        await repo.insertMessages([row(ids[i], ctx!.receiving_unit_id, ctx!.phone!, 'seq:6')], m);
      });
    });
    const ratio = outboxMs / baselineMs;
    console.log(
      `  outbox rows: ${fmt(outboxMs)} ms (${fmt((outboxMs * 1000) / N)} µs/row); plain INSERT: ${fmt(baselineMs)} ms; ratio ${fmt(ratio, 2)}x`,
    );

    // Delivery by one worker process.
    const workerEnv = {
      ...apiEnv(db.url, env.redisUrl, 10),
      LOG_LEVEL: 'warn',
      SLA_SCAN_CRON: 'off',
      SWEEP_CRON: 'off',
      HEARTBEAT_CRON: 'off',
      REPORTS_COMPACT_CRON: 'off',
      SMS_GATEWAY_URL: esms.sendUrl,
      SMS_API_KEY: esms.apiKey,
      SMS_SECRET_KEY: esms.secretKey,
      SMS_BRANDNAME: esms.brandname,
    };
    const worker = spawn(process.execPath, [path.join(DIST, 'src/worker.js')], {
      // BENCH_WORKER_NODE_OPTIONS profiles the worker (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
      env: {
        PATH: process.env.PATH ?? '',
        ...workerEnv,
        LOG_LEVEL: 'info',
        ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    worker.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    worker.stderr.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    const until = Date.now() + 60_000;
    while (!/workers started/.test(out)) {
      if (Date.now() > until) throw new Error(`worker did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const messageIds = (await c.query(`SELECT id FROM citizen_messages`)).rows.map((r: { id: string }) => r.id);
    const cpu0 = workerCpuMs(worker.pid);
    const queue = new Queue('messages', {
      connection: { url: env.redisUrl },
      prefix: (workerEnv as Record<string, string>).QUEUE_PREFIX,
    });
    const t0 = performance.now();
    for (let i = 0; i < messageIds.length; i += 1000) {
      await queue.addBulk(
        messageIds.slice(i, i + 1000).map((id: string) => ({
          name: 'messages.send',
          data: { messageId: id },
          opts: { jobId: `message-${id}`, attempts: 8, backoff: { type: 'exponential', delay: 2000 } },
        })),
      );
    }
    let sent = 0;
    const deadline = Date.now() + 180_000;
    while (sent < N && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      sent = (await c.query(`SELECT count(*)::int AS n FROM citizen_messages WHERE status = 'sent'`)).rows[0].n;
    }
    const deliveryMs = performance.now() - t0;
    const workerCpu = workerCpuMs(worker.pid) - cpu0;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
    await queue.close();
    const accepted = esms.delivered.length;
    console.log(
      `  delivery: ${fmt(sent)} sent in ${fmt(deliveryMs / 1000, 1)} s by one worker (${fmt(sent / (deliveryMs / 1000))} msg/s); gateway accepted ${fmt(accepted)} over ${fmt(esms.connections)} TCP connections, answering in ${LATENCY_MS} ms; the worker used ${fmt(workerCpu / 1000, 1)} s of CPU (${fmt((workerCpu * 1000) / Math.max(sent, 1))} µs a message)`,
    );
    const checks = [
      check('messages sent', fmt(sent), fmt(N), sent === N),
      check('sent exactly once at the gateway', fmt(accepted), fmt(N), accepted === N),
      check('delivery time, one worker', `${fmt(deliveryMs / 1000, 1)} s`, '< 60 s', deliveryMs < 60_000),
    ];
    return {
      name: 'messages',
      figures: {
        dossiers: N,
        outboxMs: round(outboxMs),
        plainInsertMs: round(baselineMs),
        outboxToPlainInsert: round(ratio, 2),
        deliveryMs: round(deliveryMs),
        messagesPerSecond: round(sent / (deliveryMs / 1000)),
        gatewayLatencyMs: LATENCY_MS,
        gatewayConnections: esms.connections,
        workerCpuMs: round(workerCpu),
      },
      checks,
      pass: checks.every((x) => x.ok),
      notes: [
        'Outbox vs plain INSERT: one transaction per dossier on 8 clients, the same row; the outbox adds the consent read and the ON CONFLICT guard.',
        `Delivery goes through the real eSMS adapter to a local HTTP server that answers each accepted message after ${LATENCY_MS} ms (BENCH_MESSAGES_LATENCY_MS), as a real gateway takes a while.`,
      ],
    };
  } finally {
    await esms.close();
    await ds.destroy();
    await c.end();
    await db.drop();
  }
}

if (require.main === module) runStandalone(run);
