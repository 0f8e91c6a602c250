import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from 'src/common/logger';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';
import { ReportsRepository } from 'src/reports/reports.repository';

/**
 * Every REPORTS_COMPACT_CRON tick: folds the report deltas appended by dossier writes into the
 * daily summaries. Reports read both tables, so a missed or repeated tick changes no figure, only
 * how many rows a report sums. One compaction at a time (an advisory lock in report_compact()).
 */
@Injectable()
export class ReportsCompactHandler implements JobHandler<'reports.compact'> {
  readonly job = 'reports.compact' as const;

  constructor(
    private readonly repo: ReportsRepository,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async handle(_payload: JobPayloads['reports.compact']): Promise<{ moved: number }> {
    const started = Date.now();
    const moved = await this.repo.compact();
    if (moved > 0) this.logger.debug({ moved, ms: Date.now() - started }, 'report deltas compacted');
    return { moved };
  }
}
