import { Injectable } from '@nestjs/common';
import { Clock } from 'src/common/clock';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';
import { SlaScanService } from 'src/sla/sla-scan.service';

/** The periodic scan, run by a worker for each SLA_SCAN_CRON tick. */
@Injectable()
export class SlaScanHandler implements JobHandler<'sla.scan'> {
  readonly job = 'sla.scan' as const;
  constructor(
    private readonly scans: SlaScanService,
    private readonly clock: Clock,
  ) {}

  async handle(_payload: JobPayloads['sla.scan']) {
    const r = await this.scans.scan(this.clock.now());
    return { scanned: r.scanned, alertsCreated: r.alertsCreated, closed: r.closed };
  }
}
