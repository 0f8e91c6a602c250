import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from 'src/common/logger';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';
import { PortalClient } from 'src/portal-sync/portal-client';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { cronIntervalMs, sweepBudget } from 'src/portal-sync/portal-rate';
import { PendingCursor, PortalSyncRepository } from 'src/portal-sync/portal-sync.repository';
import { PortalSyncService } from 'src/portal-sync/portal-sync.service';

const BATCH = 500;

/**
 * Every PORTAL_SYNC_CRON tick: a portal.sync job for dossiers with changes the portal has not
 * accepted (the outbox rows the dossier_events trigger wrote in the change's transaction), live
 * changes first, then imported history, oldest first in each. With a rate limit
 * (PORTAL_SYNC_DOSSIERS_PER_SECOND) a tick hands over at most two tick intervals' worth at that rate:
 * the backlog stays in Postgres, and jobs already waiting are the same ids again (added once).
 * Failed ones come back at every tick after their job's own retries ran out, so an outage of the
 * portal delays the sync, never loses it. Off while the portal is not configured. Each tick also
 * watches the failed-sync list's length (the portal_sync_failing alert to admins).
 */
@Injectable()
export class PortalSyncSweepHandler implements JobHandler<'portal.sweep'> {
  readonly job = 'portal.sweep' as const;
  private readonly budget: number;

  constructor(
    private readonly repo: PortalSyncRepository,
    private readonly sync: PortalSyncService,
    private readonly client: PortalClient,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.budget = sweepBudget(
      config.PORTAL_SYNC_DOSSIERS_PER_SECOND,
      cronIntervalMs(config.PORTAL_SYNC_CRON, 'Asia/Ho_Chi_Minh'),
    );
  }

  async handle(_payload: JobPayloads['portal.sweep']): Promise<{ queued: number; backfill: number }> {
    await this.sync.watch();
    if (!this.client.configured) return { queued: 0, backfill: 0 };
    let queued = 0;
    let backfill = 0;
    let after: PendingCursor | null = null;
    while (queued < this.budget) {
      const rows = await this.repo.pending(Math.min(BATCH, this.budget - queued), after);
      queued += await this.sync.enqueue(rows);
      backfill += rows.filter((r) => r.backfill).length;
      if (rows.length < BATCH) break;
      const last = rows[rows.length - 1];
      after = { backfill: last.backfill, sinceKey: last.since_key, id: last.dossier_id };
    }
    if (queued) this.logger.info({ queued, backfill }, 'portal sync sweep enqueued dossiers');
    return { queued, backfill };
  }
}
