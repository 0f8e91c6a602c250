import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CalendarService } from 'src/calendar/calendar.service';
import { DomainError } from 'src/common/domain-error';
import { ROOT_LOGGER } from 'src/common/logger';
import { DossiersRepository } from 'src/dossiers/dossiers.repository';
import { DossiersService } from 'src/dossiers/dossiers.service';
import { ProcedureRulesService } from 'src/dossiers/procedure-rules.service';
import { RejudgementService } from 'src/dossiers/rejudgement.service';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';

const BATCH = 200;

/**
 * After a calendar edit: replays every open dossier computed with an older calendar version, in
 * batches of short transactions (rows locked with SKIP LOCKED, so live actions and other workers
 * are never blocked for long and two workers share the work). Idempotent and resumable: the
 * dossiers' calendar_version says what is left.
 */
@Injectable()
export class RecomputeHandler implements JobHandler<'dossiers.recompute'> {
  readonly job = 'dossiers.recompute' as const;

  constructor(
    private readonly repo: DossiersRepository,
    private readonly dossiers: DossiersService,
    private readonly rules: ProcedureRulesService,
    private readonly calendars: CalendarService,
    private readonly rejudgements: RejudgementService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async handle(
    _payload: JobPayloads['dossiers.recompute'],
  ): Promise<{ rebuilt: number; changed: number; skipped: number; rejudged: number }> {
    // A re-judgement asked for by a migration (a new lifecycle policy version) runs first: it
    // replays every dossier it covers with the current calendar too.
    const rejudged = await this.rejudgements.runPending();
    const started = Date.now();
    let rebuilt = 0;
    let changed = 0;
    let skipped = 0;
    let after: string | null = null;
    for (;;) {
      const versioned = await this.calendars.currentVersioned();
      const total = rebuilt === 0 ? await this.repo.countStaleOpen(versioned.version) : null;
      if (total === 0) break;
      const done = await this.repo.transaction(async (m) => {
        // A calendar edit is the cause of any adjustment to a closed period this rebuild makes.
        await m.query(`SELECT set_config('sla.change_cause', 'calendar', true)`);
        const rows = await this.repo.lockStaleOpen(m, versioned.version, BATCH, after);
        for (const row of rows) {
          after = row.id;
          // One dossier that cannot be rebuilt (a history its rules refuse, a missing procedure
          // version) is logged and skipped, never the batch: its savepoint is rolled back, it stays
          // stale for the next sweep to retry, and this run goes on past it (keyset on the id).
          await m.query(`SAVEPOINT recompute_row`);
          try {
            const procedure = await this.rules.version(row.procedure_id, row.procedure_version, m);
            if (await this.dossiers.rebuildLocked(m, row, procedure, versioned)) changed++;
            await m.query(`RELEASE SAVEPOINT recompute_row`);
          } catch (err) {
            await m.query(`ROLLBACK TO SAVEPOINT recompute_row`);
            skipped++;
            this.logger.error(
              // A domain error's message names the rule (never personal data); anything else by its kind.
              {
                dossierId: row.id,
                error: err instanceof DomainError ? `${err.code}: ${err.message}` : (err as Error).name,
              },
              'open dossier not recomputed: skipped',
            );
          }
        }
        return rows.length;
      });
      if (done === 0) break;
      rebuilt += done;
      if (total)
        this.logger.info(
          { total, calendarVersion: versioned.version },
          'recomputing open dossiers after a calendar edit',
        );
    }
    if (rebuilt > 0)
      this.logger.info(
        { rebuilt: rebuilt - skipped, changed, skipped, ms: Date.now() - started },
        'open dossiers recomputed',
      );
    return { rebuilt: rebuilt - skipped, changed, skipped, rejudged };
  }
}
