import { Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from 'src/common/logger';
import { loadSlaPolicy } from 'src/config/sla-policy';
import { ReportsCompactHandler } from 'src/reports/reports-compact.handler';
import { ReportsController } from 'src/reports/reports.controller';
import { ReportsRepository } from 'src/reports/reports.repository';
import { ReportsService } from 'src/reports/reports.service';

/**
 * Reports for the reform board: form 06a, the Decision 766 index, the officials' record
 * and their exports. At start it keeps the summaries' settings in step with config/sla-policy.json.
 */
@Module({
  controllers: [ReportsController],
  providers: [ReportsRepository, ReportsService, ReportsCompactHandler],
  exports: [ReportsRepository, ReportsCompactHandler, ReportsService],
})
export class ReportsModule implements OnApplicationBootstrap {
  constructor(
    private readonly repo: ReportsRepository,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const n = loadSlaPolicy().lateAfterSupplementRequests;
    if (await this.repo.syncSettings(Math.floor(n)))
      this.logger.info({ lateAfterSupplementRequests: n }, 'report summaries rebuilt for a new supplement rule');
  }
}
