import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CalendarService, type VersionedCalendar } from 'src/calendar/calendar.service';
import { DomainError, notFound } from 'src/common/domain-error';
import { ROOT_LOGGER } from 'src/common/logger';
import { toLocalIso } from 'src/common/time';
import { projectState } from 'src/dossiers/dossier-projection';
import { DossiersRepository, ProjectionColumns } from 'src/dossiers/dossiers.repository';
import { DossiersService, toFoldEvent } from 'src/dossiers/dossiers.service';
import { portalFactsAfter } from 'src/dossiers/index-facts';
import { ProcedureRulesService } from 'src/dossiers/procedure-rules.service';
import { DataSource, EntityManager } from 'typeorm';

export const REJUDGE_BATCH = 500;

interface RunRow {
  id: string;
  policy_version: string;
  received_from: Date;
  status: 'pending' | 'running' | 'done';
  cursor: string | null;
}

export interface RejudgementReport {
  id: string;
  policyVersion: string;
  receivedFrom: string;
  status: 'pending' | 'running' | 'done';
  ranAt: string | null;
  dossiers: number;
  dueChanged: number;
  outcomeChanged: number;
  skipped: number;
  byUnit: { unitCode: string; unitName: string; dueChanged: number; outcomeChanged: number }[];
}

/**
 * The audited re-judgement (docs/domain.md, "Decree 118/2025"): every stored dossier received since
 * a policy version's effective instant and folded before that version existed is replayed from its events under the version now in force
 * (the same fold as live actions, imports and calendar edits), and each change of due instant or
 * outcome is recorded (rejudgement_changes) with its unit. Ended dossiers change their outcome only
 * here. A migration asks for a run (a `rejudgements` row); the worker's recompute sweep runs it in
 * batches of short transactions, resumable from `cursor` (the last dossier id done); replicas take
 * turns on the run's row lock.
 */
@Injectable()
export class RejudgementService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repo: DossiersRepository,
    private readonly dossiers: DossiersService,
    private readonly rules: ProcedureRulesService,
    private readonly calendars: CalendarService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Runs every pending re-judgement to its end. `onBatch` sees the progress (the benchmark's and
   * the log's estimate of time left). Returns the number of dossiers re-folded.
   */
  async runPending(onBatch?: (done: number, total: number) => void, batch = REJUDGE_BATCH): Promise<number> {
    let done = 0;
    for (;;) {
      const [run]: RunRow[] = await this.dataSource.query(
        `SELECT id, policy_version, received_from, status, cursor::text FROM rejudgements
         WHERE status <> 'done' ORDER BY requested_at, id LIMIT 1`,
      );
      if (!run) return done;
      const started = Date.now();
      const total = await this.repo.countToRejudge(run.received_from, run.policy_version);
      let more = true;
      while (more) {
        // The calendar is read before the batch's transaction, never on a second pooled connection
        // while it holds its rows locked.
        const versioned = await this.calendars.currentVersioned();
        const n = await this.dataSource.transaction((m) => this.step(m, run.id, batch, versioned));
        more = n > 0;
        done += n;
        if (more) {
          onBatch?.(done, total);
          if (done % (batch * 20) < batch) {
            const rate = done / Math.max(1, (Date.now() - started) / 1000);
            this.logger.info(
              { done, total, secondsLeft: Math.round(Math.max(0, total - done) / Math.max(rate, 1)) },
              're-judging dossiers under the policy in force',
            );
          }
        }
      }
    }
  }

  /** One batch of a run: locks the run's row (one replica at a time), re-folds, records, advances. */
  private async step(m: EntityManager, runId: string, batch: number, versioned: VersionedCalendar): Promise<number> {
    const [run]: RunRow[] = await m.query(
      `SELECT id, policy_version, received_from, status, cursor::text FROM rejudgements WHERE id = $1 FOR UPDATE`,
      [runId],
    );
    if (!run || run.status === 'done') return 0;
    const rows = await this.repo.lockToRejudge(m, run.received_from, run.policy_version, batch, run.cursor);
    if (rows.length === 0) {
      await m.query(`UPDATE rejudgements SET status = 'done', ran_at = now() WHERE id = $1`, [runId]);
      return 0;
    }
    const events = await this.repo.eventsOf(m, rows);
    const updates: { id: string; cols: ProjectionColumns }[] = [];
    const changes: unknown[][] = [];
    let skipped = 0;
    for (const row of rows) {
      try {
        const procedure = await this.rules.version(row.procedure_id, row.procedure_version, m);
        const ctx = this.dossiers.context(versioned.calendar, procedure, row.channel);
        const rowEvents = events.get(row.id) ?? [];
        const state = this.dossiers.replayRow(rowEvents, ctx);
        const cols = {
          ...projectState(state, versioned.calendar, this.dossiers.thresholds, {
            calendarVersion: versioned.version,
            flags: row.flags,
            stepUnitIds: procedure.steps.map((s) => s.unitId),
          }),
          portal_facts: portalFactsAfter(null, rowEvents.map(toFoldEvent), state, ctx),
        };
        updates.push({ id: row.id, cols });
        const oldDue = row.state.clock.dueAt;
        const newDue = state.clock.dueAt;
        if (oldDue !== newDue || row.state.outcome !== state.outcome || row.state.status !== state.status) {
          changes.push([
            row.id,
            row.handling_unit_id,
            new Date(oldDue),
            new Date(newDue),
            row.state.outcome,
            state.outcome,
            row.state.status,
            state.status,
          ]);
        }
      } catch (err) {
        // A history its rules now refuse (e.g. a second supplement request already recorded) is
        // kept as it was judged, counted as skipped and logged by its id only (no personal data).
        skipped++;
        this.logger.warn(
          {
            dossierId: row.id,
            error: err instanceof DomainError ? `${err.code}: ${err.message}` : (err as Error).name,
          },
          'dossier not re-judged: kept as judged',
        );
      }
    }
    await this.repo.updateMany(m, updates);
    if (changes.length > 0) {
      const cols = 8;
      await m.query(
        `INSERT INTO rejudgement_changes (rejudgement_id, dossier_id, unit_id, old_due_at, new_due_at,
           old_outcome, new_outcome, old_status, new_status)
         VALUES ${changes.map((_, i) => `($1, ${Array.from({ length: cols }, (_x, k) => `$${i * cols + k + 2}`).join(', ')})`).join(', ')}
         ON CONFLICT (rejudgement_id, dossier_id) DO UPDATE SET new_due_at = EXCLUDED.new_due_at,
           new_outcome = EXCLUDED.new_outcome, new_status = EXCLUDED.new_status`,
        [runId, ...changes.flat()],
      );
    }
    const dueChanged = changes.filter((c) => (c[2] as Date).getTime() !== (c[3] as Date).getTime()).length;
    const outcomeChanged = changes.filter((c) => c[4] !== c[5]).length;
    await m.query(
      `UPDATE rejudgements SET status = 'running', started_at = coalesce(started_at, now()), cursor = $2,
         dossiers = dossiers + $3, due_changed = due_changed + $4, outcome_changed = outcome_changed + $5,
         skipped = skipped + $6
       WHERE id = $1`,
      [runId, rows[rows.length - 1].id, rows.length - skipped, dueChanged, outcomeChanged, skipped],
    );
    return rows.length;
  }

  /** The latest re-judgement (GET /reports/rejudgement), with its changes per unit. */
  async latest(): Promise<RejudgementReport> {
    const [run]: {
      id: string;
      policy_version: string;
      received_from: Date;
      status: 'pending' | 'running' | 'done';
      ran_at: Date | null;
      dossiers: number;
      due_changed: number;
      outcome_changed: number;
      skipped: number;
    }[] = await this.dataSource.query(
      `SELECT id, policy_version, received_from, status, ran_at, dossiers, due_changed, outcome_changed, skipped
       FROM rejudgements ORDER BY requested_at DESC, id DESC LIMIT 1`,
    );
    if (!run) throw notFound('Đợt đánh giá lại');
    const byUnit: { unit_code: string; unit_name: string; due_changed: number; outcome_changed: number }[] =
      await this.dataSource.query(
        `SELECT u.code AS unit_code, u.name AS unit_name,
                count(*) FILTER (WHERE c.old_due_at <> c.new_due_at)::int AS due_changed,
                count(*) FILTER (WHERE c.old_outcome IS DISTINCT FROM c.new_outcome)::int AS outcome_changed
         FROM rejudgement_changes c JOIN units u ON u.id = c.unit_id
         WHERE c.rejudgement_id = $1 GROUP BY u.code, u.name ORDER BY u.code`,
        [run.id],
      );
    return {
      id: run.id,
      policyVersion: run.policy_version,
      receivedFrom: toLocalIso(run.received_from),
      status: run.status,
      ranAt: run.ran_at ? toLocalIso(run.ran_at) : null,
      dossiers: run.dossiers,
      dueChanged: run.due_changed,
      outcomeChanged: run.outcome_changed,
      skipped: run.skipped,
      byUnit: byUnit.map((u) => ({
        unitCode: u.unit_code,
        unitName: u.unit_name,
        dueChanged: u.due_changed,
        outcomeChanged: u.outcome_changed,
      })),
    };
  }
}
