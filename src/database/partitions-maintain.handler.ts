import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from 'src/common/clock';
import { ROOT_LOGGER } from 'src/common/logger';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { localMonthStart, monthsToCreate, retentionCutoff } from 'src/database/partition-months';
import { PartitionsRepository, type RetentionOutcome } from 'src/database/partitions.repository';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';

/** Months created ahead of the current one (the migration created the same window). */
export const PARTITION_MONTHS_AHEAD = 3;

/**
 * Every SWEEP_CRON tick: makes sure the current local month and the next three have their
 * partitions (a catalog look-up when they do: DDL only once a month), then, with
 * LEDGER_RETENTION_MONTHS > 0, drops the alert and delivery ledgers' months past it (and always the
 * emptied past months of report_deltas). A missed or
 * failed tick is harmless: the months ahead leave three months to catch up, and rows of a month
 * without a partition land in the DEFAULT partition, from which creating the month moves them.
 */
@Injectable()
export class PartitionsMaintainHandler implements JobHandler<'partitions.maintain'> {
  readonly job = 'partitions.maintain' as const;

  constructor(
    private readonly repo: PartitionsRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async handle(
    _payload: JobPayloads['partitions.maintain'],
  ): Promise<{ created: string[]; retention: RetentionOutcome[] }> {
    const now = this.clock.now();
    const created: string[] = [];
    for (const month of monthsToCreate(now, PARTITION_MONTHS_AHEAD))
      created.push(...(await this.repo.createMonth(month)));
    if (created.length) this.logger.info({ created }, 'partitions created');
    const cutoff = retentionCutoff(now, this.config.LEDGER_RETENTION_MONTHS);
    // report_deltas' past months are dropped once compaction has emptied them, whatever the retention.
    const retention = await this.repo.applyRetention(cutoff, localMonthStart(now));
    const dropped = retention.filter((r) => r.action !== 'kept');
    if (dropped.length) this.logger.info({ cutoff, retention: dropped }, 'ledger partitions past retention removed');
    return { created, retention };
  }
}
