import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from 'src/common/logger';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { PortalClient } from 'src/portal-sync/portal-client';
import { PortalSyncService } from 'src/portal-sync/portal-sync.service';

/** Live dossiers handed over per look at most (the oldest first; the rest at the next look). */
export const LIVE_BATCH = 100;

/**
 * Live changes reach the portal within seconds, not at the next sweep: every PORTAL_SYNC_LIVE_POLL_MS
 * the worker reads the outbox's live lane (an index probe, nothing when it is empty) and enqueues a
 * portal.sync job for each dossier waiting there, at the live priority. The outbox stays the only
 * source of truth: a look that fails or a worker that stops only delays a change to the next look or
 * the sweep, never loses it; several replicas looking at once add the same job ids, once.
 *
 * Why a look at the outbox rather than a notification: a NOTIFY raised by the outbox trigger would
 * take PostgreSQL's one notification lock at the commit of every intake and action (serialising
 * the write path's commits), and a job enqueued by the API after each commit would have to be
 * repeated on every path that writes events (actions, feeds, imports, re-processing), each a place
 * to forget. The look costs one indexed statement per interval per worker, whatever the traffic.
 * Imported history (the backfill lane) is left to the sweep, behind live changes at the rate.
 */
@Injectable()
export class PortalLiveDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly sync: PortalSyncService,
    private readonly client: PortalClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.PORTAL_SYNC_LIVE_POLL_MS > 0 && this.client.configured) this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.look().then(() => {
        this.running = null;
        this.schedule();
      });
    }, this.config.PORTAL_SYNC_LIVE_POLL_MS);
    this.timer.unref();
  }

  /** One look: the live dossiers waiting, handed to the queue. Errors wait for the next look. */
  async look(): Promise<number> {
    try {
      return await this.sync.dispatchLive(LIVE_BATCH);
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'portal live dispatch: will look again');
      return 0;
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
