import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from 'src/common/logger';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';
import { PortalClient } from 'src/portal-sync/portal-client';
import { PortalSyncRepository } from 'src/portal-sync/portal-sync.repository';
import { PortalSyncService } from 'src/portal-sync/portal-sync.service';

const BATCH = 500;

/**
 * Every PORTAL_SYNC_CRON tick: a portal.sync job for every dossier with changes the portal has not
 * accepted (the outbox rows the dossier_events trigger wrote in the change's transaction). Failed
 * ones come back at every tick after their job's own retries ran out, so an outage of the portal
 * delays the sync, never loses it. Off while the portal is not configured. Each tick also watches
 * the failed-sync list's length (the portal_sync_failing alert to admins).
 */
@Injectable()
export class PortalSyncSweepHandler implements JobHandler<'portal.sweep'> {
  readonly job = 'portal.sweep' as const;

  constructor(
    private readonly repo: PortalSyncRepository,
    private readonly sync: PortalSyncService,
    private readonly client: PortalClient,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async handle(_payload: JobPayloads['portal.sweep']): Promise<{ queued: number }> {
    await this.sync.watch();
    if (!this.client.configured) return { queued: 0 };
    let queued = 0;
    let after: string | null = null;
    for (;;) {
      const rows = await this.repo.pending(BATCH, after);
      queued += await this.sync.enqueue(rows);
      if (rows.length < BATCH) break;
      after = rows[rows.length - 1].dossier_id;
    }
    if (queued) this.logger.info({ queued }, 'portal sync sweep enqueued dossiers');
    return { queued };
  }
}
