import { Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from 'src/common/logger';
import { loadSlaPolicy } from 'src/config/sla-policy';
import { ClosedPeriodsController } from 'src/reports/closed-periods.controller';
import { ClosedPeriodsRepository } from 'src/reports/closed-periods.repository';
import { ClosedPeriodsService } from 'src/reports/closed-periods.service';
import { OfficialsAnnualRepository } from 'src/reports/officials-annual.repository';
import { OfficialsAnnualService } from 'src/reports/officials-annual.service';
import { ReportsCompactHandler } from 'src/reports/reports-compact.handler';
import { ReportsController } from 'src/reports/reports.controller';
import { ReportsRepository } from 'src/reports/reports.repository';
import { ReportsService } from 'src/reports/reports.service';

/**
 * Reports for the reform board: form 06a, the Decision 766 index, the officials' record
 * and their exports. At start it keeps the summaries' settings in step with config/sla-policy.json.
 */
@Module({
  controllers: [ReportsController, ClosedPeriodsController],
  providers: [
    ReportsRepository,
    ReportsService,
    ReportsCompactHandler,
    ClosedPeriodsRepository,
    ClosedPeriodsService,
    OfficialsAnnualRepository,
    OfficialsAnnualService,
  ],
  exports: [ReportsRepository, ReportsCompactHandler, ReportsService, ClosedPeriodsService],
})
export class ReportsModule implements OnApplicationBootstrap {
  constructor(
    private readonly repo: ReportsRepository,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const versions = loadSlaPolicy().lifecycle.map((v) => ({
      effectiveFrom: v.effectiveFrom,
      lateAfterSupplementRequests: v.lateAfterSupplementRequests,
    }));
    if (await this.repo.syncPolicyVersions(versions))
      this.logger.info({ versions: versions.length }, 'report summaries rebuilt for new supplement rules');
  }
}
