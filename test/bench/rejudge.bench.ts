// Benchmark of the Decree 118/2025 re-judgement (migration 1765400000000): the re-fold of every
// stored dossier received since 2025-07-01 under the nd118-2025 policy version, as the worker runs
// it (RejudgementService.runPending: batches of 500 locked rows, one events query per batch, the
// fold, one UPDATE of the projections per batch, the audit rows of the changed ones).
// Data: BASE histories imported over HTTP (the six kinds of the import benchmark, half of them with
// a supplement round so the restart rule changes their due instants), then copied server-side to
// BENCH_REJUDGE_TOTAL dossiers (default 1,000,000), stored as the earlier release folded them (no
// policyVersion in the snapshot: the migration's marker of "judged by the old rule").
// Baseline in the same run (ENGINEERING.md "Baselines": the least work the database must do for the
// same result): the same batches of 500 by id, each reading its dossiers' rows and events and
// rewriting the rows with a precomputed change (one SELECT, one SELECT of events, one UPDATE per
// batch; no fold, no Node work), triggers on as for the real run.
//   npm run bench -- rejudge                                   (1,000,000 dossiers)
//   BENCH_REJUDGE_TOTAL=50000 npm run bench -- rejudge         (a smaller run on a shared machine)
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '../../src/http-app';
import { RejudgementService } from '../../src/dossiers/rejudgement.service';
import { CalendarService } from '../../src/calendar/calendar.service';
import { projectState } from '../../src/dossiers/dossier-projection';
import { DossiersRepository } from '../../src/dossiers/dossiers.repository';
import { DossiersService, toFoldEvent } from '../../src/dossiers/dossiers.service';
import { portalFactsAfter } from '../../src/dossiers/index-facts';
import { replay } from '../../src/dossiers/lifecycle';
import { ProcedureRulesService } from '../../src/dossiers/procedure-rules.service';
import type { Api } from '../support/http';
import { buildProvince } from '../support/province';
import { histories } from './import.bench';
import {
  apiEnv,
  BenchEnv,
  BenchResult,
  createMigratedDatabase,
  fmt,
  HttpClient,
  provinceApi,
  round,
  runStandalone,
} from './support/bench-kit';

const TOTAL = Number(process.env.BENCH_REJUDGE_TOTAL ?? 1_000_000);
const BASE = Math.min(TOTAL, 10_000);
const BATCH = 500;

/** Six kinds as the import benchmark, plus a supplement received (the restart rule's case). */
function data(n: number): Record<string, unknown>[] {
  return histories(n).map((h, i) => {
    if (i % 2 === 0) return h;
    const t0 = Date.parse(h.receivedAt as string);
    const at = (hours: number) => new Date(t0 + hours * 3_600_000).toISOString();
    return {
      ...h,
      events: [
        { action: 'request_supplement', at: at(1), reason: 'Thiếu bản vẽ', items: ['Bản vẽ'] },
        { action: 'receive_supplement', at: at(50) },
        { action: 'resolve', at: at(90), resultSummary: 'Cấp phép', electronicResult: true },
      ],
    };
  });
}

async function listen(env: Record<string, string>): Promise<{ app: NestFastifyApplication; baseUrl: string }> {
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  const app = await createHttpApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('the API is not listening on a TCP port');
  return { app, baseUrl: `http://127.0.0.1:${address.port}` };
}

async function foldAsBefore(app: NestFastifyApplication, sql: Client): Promise<void> {
  const dossiers = app.get(DossiersService);
  const repo = app.get(DossiersRepository);
  const rules = app.get(ProcedureRulesService);
  const versioned = await app.get(CalendarService).currentVersioned();
  const oldPolicy = { id: 'nd61-2018', maxExtensions: 1, extensionMinLeadMs: 0 };
  const refs = (await sql.query<{ id: string; created_at: Date }>(`SELECT id, created_at FROM dossiers ORDER BY id`))
    .rows;
  const ids = refs.map((r) => r.id);
  for (let i = 0; i < ids.length; i += BATCH) {
    await repo.transaction(async (m) => {
      const batch = ids.slice(i, i + BATCH);
      const events = await repo.eventsOf(m, refs.slice(i, i + BATCH));
      const updates = [];
      for (const id of batch) {
        const row = (await repo.findById(id, m))!;
        const procedure = await rules.version(row.procedure_id, row.procedure_version);
        const ctx = { ...dossiers.context(versioned.calendar, procedure, row.channel), policy: oldPolicy };
        const folded = (events.get(id) ?? []).map(toFoldEvent);
        const state = replay(folded, ctx);
        const cols = {
          ...projectState(state, versioned.calendar, dossiers.thresholds, {
            calendarVersion: versioned.version,
            flags: row.flags,
            stepUnitIds: procedure.steps.map((x) => x.unitId),
          }),
          portal_facts: portalFactsAfter(null, folded, state, ctx),
        };
        updates.push({ id, cols });
      }
      await repo.updateMany(m, updates);
    });
  }
}

/** Stores every dossier as the release before Decree 118 left it, and asks for a run. */
async function markOld(sql: Client, saved: boolean): Promise<void> {
  if (saved) {
    // The stored rows as they were before the previous pass (the old judgement).
    await sql.query(`UPDATE dossiers d SET state = o.state, last_due_at = o.last_due_at, due_at = o.due_at,
      outcome = o.outcome FROM bench_old o WHERE o.id = d.id`);
  }
  await sql.query(
    `UPDATE dossiers SET state = state - 'policyVersion' - 'breaches' - 'restarts' - 'supplementExpiresAt'`,
  );
  await sql.query(`DELETE FROM rejudgement_changes`);
  await sql.query(
    `UPDATE rejudgements SET status = 'pending', cursor = NULL, ran_at = NULL, started_at = NULL, dossiers = 0,
       due_changed = 0, outcome_changed = 0, skipped = 0`,
  );
  await sql.query('VACUUM ANALYZE dossiers');
  await sql.query('CHECKPOINT');
}

export async function run(env: BenchEnv): Promise<BenchResult> {
  console.log(`rejudge: the re-fold of ${fmt(TOTAL)} stored dossiers under nd118-2025, then the hand-written baseline`);
  const db = await createMigratedDatabase(env, 'bench_rejudge');
  const { app, baseUrl } = await listen(apiEnv(db.url, env.redisUrl, 10));
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  try {
    const http = new HttpClient(baseUrl, 2);
    const p = await buildProvince(provinceApi(http) as unknown as Api);
    const items = data(BASE);
    for (let i = 0; i < items.length; i += 2000) {
      const res = await http.request('POST', '/imports/dossiers', {
        token: p.admin,
        json: Buffer.from(JSON.stringify({ dossiers: items.slice(i, i + 2000) })),
      });
      if (res.status !== 200 || res.body.failed.length)
        throw new Error(`import: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    http.close();
    // The imported dossiers as the release before Decree 118 folded them (pause and resume), so
    // that the re-judgement finds what it would find on an upgrade.
    await foldAsBefore(app, sql);
    // Copies of the imported dossiers (new ids and codes, same histories) up to TOTAL.
    const copies = Math.ceil(TOTAL / BASE) - 1;
    const started = performance.now();
    for (let k = 1; k <= copies; k++) {
      const limit = Math.min(BASE, TOTAL - k * BASE);
      await sql.query('BEGIN');
      await sql.query(`CREATE TEMP TABLE m ON COMMIT DROP AS
        SELECT id AS old_id, gen_random_uuid() AS id FROM (SELECT id FROM dossiers WHERE code NOT LIKE '%-c%' ORDER BY id LIMIT ${limit}) s`);
      await sql.query(`INSERT INTO dossiers (id, code, procedure_id, procedure_version, procedure_code, receiving_unit_id,
          handling_unit_id, current_step_unit_id, current_assignee_id, unit_ids, channel, status, version, received_at,
          clock_start, last_due_at, paused_since, due_at, promised_at, due_soon_at, overdue_at, step_due_at,
          ended_at, returned_at, outcome, supplement_count, extension_count, applicant, summary, flags, lookup_key_hash,
          state, calendar_version, created_by, supplement_expires_at)
        SELECT m.id, d.code || '-c${k}', d.procedure_id, d.procedure_version, d.procedure_code, d.receiving_unit_id,
          d.handling_unit_id, d.current_step_unit_id, d.current_assignee_id, d.unit_ids, d.channel, d.status, d.version,
          d.received_at, d.clock_start, d.last_due_at, d.paused_since, d.due_at, d.promised_at, d.due_soon_at,
          d.overdue_at, d.step_due_at, d.ended_at, d.returned_at, d.outcome, d.supplement_count,
          d.extension_count, d.applicant, d.summary, d.flags, d.lookup_key_hash, d.state, d.calendar_version,
          d.created_by, d.supplement_expires_at
        FROM m JOIN dossiers d ON d.id = m.old_id`);
      await sql.query(`INSERT INTO dossier_events (dossier_id, seq, action, at, actor_user_id, from_status, to_status,
          payload, external_id)
        SELECT m.id, e.seq, e.action, e.at, e.actor_user_id, e.from_status, e.to_status, e.payload, e.external_id
        FROM m JOIN dossier_events e ON e.dossier_id = m.old_id`);
      await sql.query('COMMIT');
      if (k % 10 === 0 || k === copies) {
        const s = (performance.now() - started) / 1000;
        console.log(`  data: ${fmt((k + 1) * BASE)} dossiers, ~${Math.round((s / k) * (copies - k))} s left`);
      }
    }
    const [{ n: stored }] = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM dossiers`)).rows;
    const [{ n: events }] = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM dossier_events`)).rows;

    // 1. The re-judgement, as the worker runs it.
    await sql.query(`CREATE TABLE bench_old AS SELECT id, state, last_due_at, due_at, outcome FROM dossiers`);
    await markOld(sql, false);
    const service = app.get(RejudgementService);
    console.log(`  re-judging ${fmt(stored)} dossiers (${fmt(events)} events)...`);
    let last = performance.now();
    const t0 = performance.now();
    const done = await service.runPending((n, total) => {
      if (performance.now() - last > 10_000) {
        last = performance.now();
        const rate = n / ((last - t0) / 1000);
        console.log(`    ${fmt(n)} / ${fmt(total)}, ${fmt(rate)}/s, ~${Math.round((total - n) / rate)} s left`);
      }
    });
    const rejudgeS = (performance.now() - t0) / 1000;
    const report = await service.latest();
    if (done !== stored || report.dossiers + report.skipped !== stored)
      throw new Error(`re-judged ${done} of ${stored} (report: ${JSON.stringify(report).slice(0, 300)})`);

    // 2. Baseline: the same batches, read and rewritten by hand with a precomputed change.
    await markOld(sql, true);
    console.log(`  baseline: ${fmt(stored)} rows read with their events and rewritten, batches of ${BATCH}...`);
    const b0 = performance.now();
    let cursor: string | null = null;
    for (;;) {
      await sql.query('BEGIN');
      const ids: string[] = (
        await sql.query<{ id: string }>(
          `SELECT id FROM dossiers WHERE received_at >= '2025-07-01T00:00:00+07:00'
             AND (state ->> 'policyVersion') IS DISTINCT FROM 'nd118-2025' AND ($1::uuid IS NULL OR id > $1::uuid)
           ORDER BY id LIMIT ${BATCH} FOR UPDATE`,
          [cursor],
        )
      ).rows.map((r) => r.id);
      if (ids.length === 0) {
        await sql.query('COMMIT');
        break;
      }
      await sql.query(`SELECT * FROM dossier_events WHERE dossier_id = ANY($1::uuid[]) ORDER BY dossier_id, seq`, [
        ids,
      ]);
      await sql.query(
        `UPDATE dossiers SET state = state || '{"policyVersion":"nd118-2025"}'::jsonb, updated_at = now() WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      await sql.query('COMMIT');
      cursor = ids[ids.length - 1];
    }
    const baseS = (performance.now() - b0) / 1000;

    const rate = stored / rejudgeS;
    const baseRate = stored / baseS;
    console.log('');
    console.log(`  re-judgement   ${rejudgeS.toFixed(1)} s = ${fmt(rate).padStart(7)} dossiers/s`);
    console.log(`  baseline       ${baseS.toFixed(1)} s = ${fmt(baseRate).padStart(7)} dossiers/s`);
    console.log(`  ratio re-judgement / baseline (time): ${(rejudgeS / baseS).toFixed(2)}`);
    console.log(
      `  changed: ${fmt(report.dueChanged)} due instants, ${fmt(report.outcomeChanged)} outcomes, ${fmt(report.skipped)} skipped`,
    );
    if (TOTAL < 1_000_000)
      console.log(
        `  at this rate 1,000,000 dossiers take ~${Math.round(1_000_000 / rate / 60)} min (full run: BENCH_REJUDGE_TOTAL=1000000 npm run bench -- rejudge)`,
      );
    return {
      name: 'rejudge',
      figures: {
        dossiers: stored,
        events,
        rejudgeSeconds: round(rejudgeS, 2),
        dossiersPerSecond: round(rate),
        baselineSeconds: round(baseS, 2),
        baselineDossiersPerSecond: round(baseRate),
        ratioToBaseline: round(rejudgeS / baseS, 2),
        dueChanged: report.dueChanged,
        outcomeChanged: report.outcomeChanged,
      },
      pass: true,
      notes: [
        `${fmt(stored)} dossiers (${fmt(BASE)} imported, the rest server-side copies), ${BATCH} per transaction`,
        'baseline: the same keyset batches, each reading the rows and their events and rewriting the rows (no fold)',
      ],
    };
  } finally {
    await sql.end();
    await app.close();
    await db.drop();
  }
}

if (require.main === module) runStandalone(run);
