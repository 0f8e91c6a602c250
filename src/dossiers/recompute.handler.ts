import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CalendarService } from 'src/calendar/calendar.service';
import { ROOT_LOGGER } from 'src/common/logger';
import { DossiersRepository } from 'src/dossiers/dossiers.repository';
import { DossiersService } from 'src/dossiers/dossiers.service';
import { ProcedureRulesService } from 'src/dossiers/procedure-rules.service';
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
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async handle(_payload: JobPayloads['dossiers.recompute']): Promise<{ rebuilt: number; changed: number }> {
    const started = Date.now();
    let rebuilt = 0;
    let changed = 0;
    for (;;) {
      const versioned = await this.calendars.currentVersioned();
      const total = rebuilt === 0 ? await this.repo.countStaleOpen(versioned.version) : null;
      if (total === 0) break;
      const done = await this.repo.transaction(async (m) => {
        const rows = await this.repo.lockStaleOpen(m, versioned.version, BATCH);
        for (const row of rows) {
          const procedure = await this.rules.version(row.procedure_id, row.procedure_version);
          if (await this.dossiers.rebuildLocked(m, row, procedure, versioned)) changed++;
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
    if (rebuilt > 0) this.logger.info({ rebuilt, changed, ms: Date.now() - started }, 'open dossiers recomputed');
    return { rebuilt, changed };
  }
}
