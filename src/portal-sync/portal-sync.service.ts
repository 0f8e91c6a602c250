import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from 'src/common/clock';
import { ROOT_LOGGER } from 'src/common/logger';
import { DomainError, notFound } from 'src/common/domain-error';
import { decodeCursor, DEFAULT_LIMIT, Page, toPage } from 'src/common/pagination';
import { toLocalIso } from 'src/common/time';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { QueueService } from 'src/jobs/queue.service';
import { drainSeconds, SYNC_PRIORITY } from 'src/portal-sync/portal-rate';
import {
  portalSyncBackfillPending,
  portalSyncFailed,
  portalSyncPending,
  readPortalSyncWith,
} from 'src/portal-sync/portal-sync.metrics';
import { OutboxStatus, PortalSyncRepository, SyncRow } from 'src/portal-sync/portal-sync.repository';

export interface SyncStatus {
  /** Dossiers with changes the portal has not accepted yet (both lanes). */
  pending: number;
  failed: number;
  oldestPendingAt: string | null;
  /** Of `pending`, those waiting with imported history (sent after live changes). */
  backfillPending: number;
  /** The oldest live change waiting: how far behind the live lane is. */
  oldestLivePendingAt: string | null;
  /** PORTAL_SYNC_DOSSIERS_PER_SECOND (null: no limit). */
  dossiersPerSecond: number | null;
  /** Seconds the waiting dossiers need at that rate (null: no limit). */
  drainSeconds: number | null;
}

export interface FailureDto {
  dossierId: string;
  dossierCode: string;
  lastError: string | null;
  attempts: number;
  lastAttemptAt: string | null;
  failingSince: string | null;
}

const isCursor = (v: unknown): v is { f: string; i: string } =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as { f: unknown }).f === 'string' &&
  !Number.isNaN(Date.parse((v as { f: string }).f)) &&
  typeof (v as { i: unknown }).i === 'string' &&
  /^[0-9a-f-]{36}$/i.test((v as { i: string }).i);

/** The failed-sync list, the outbox's status, and handing dossiers to the worker. */
@Injectable()
export class PortalSyncService implements OnModuleInit {
  private scrape: Promise<OutboxStatus> | null = null;

  constructor(
    private readonly repo: PortalSyncRepository,
    private readonly queues: QueueService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // Every scrape of /metrics (API and worker alike) reads the outbox: the figures are Postgres's,
    // not what one process last saw. Both gauges share one query per scrape.
    readPortalSyncWith(() => {
      this.scrape ??= this.repo.status().finally(() => setImmediate(() => (this.scrape = null)));
      return this.scrape;
    });
  }

  /**
   * The sweep's watch over the failed-sync list: past PORTAL_SYNC_ALERT_THRESHOLD dossiers, admins
   * get a portal_sync_failing alert (once per episode); back under it, the alert closes.
   */
  async watch(): Promise<{ failed: number; raised: number; closed: number }> {
    const s = await this.status();
    const r = await this.repo.alertFailing(s.failed, this.config.PORTAL_SYNC_ALERT_THRESHOLD, this.clock.now());
    if (r.raised)
      this.logger.warn(
        { failed: s.failed, threshold: this.config.PORTAL_SYNC_ALERT_THRESHOLD, raised: r.raised },
        'failed-sync list past its threshold: admins alerted',
      );
    return { failed: s.failed, ...r };
  }

  /**
   * Adds the sync job of each row; the job id names the row's state, so a repeat adds nothing.
   * Imported history gets BullMQ's lower priority: a live dossier queued after it is taken first.
   */
  async enqueue(rows: SyncRow[], tag = '', lane?: 'live'): Promise<number> {
    let queued = 0;
    for (const r of rows) {
      await this.queues.enqueue(
        'portal.sync',
        { dossierId: r.dossier_id },
        `portal-sync-${r.dossier_id}-${r.target_seq}-${r.record_rev}-${r.attempts}${tag}`,
        {
          attempts: this.config.PORTAL_SYNC_MAX_ATTEMPTS,
          backoff: { type: 'exponential', delay: this.config.PORTAL_SYNC_BACKOFF_MS },
          priority: SYNC_PRIORITY[lane ?? (r.backfill ? 'backfill' : 'live')],
        },
      );
      queued++;
    }
    return queued;
  }

  /**
   * Hands the live changes waiting to the worker at once (PortalLiveDispatcher, every
   * PORTAL_SYNC_LIVE_POLL_MS): the same job ids as the sweep's, so a dossier already queued is not
   * added again. Returns how many were handed over (queued or already there).
   */
  async dispatchLive(limit: number): Promise<number> {
    const rows = await this.repo.pendingLive(limit);
    return rows.length ? this.enqueue(rows, '', 'live') : 0;
  }

  async failures(limit = DEFAULT_LIMIT, cursor?: string): Promise<Page<FailureDto>> {
    const after = decodeCursor(cursor, isCursor);
    const rows = await this.repo.failures(limit, after);
    return toPage(
      rows,
      limit,
      (r) => ({
        dossierId: r.dossier_id,
        dossierCode: r.code,
        lastError: r.last_error,
        attempts: r.attempts,
        lastAttemptAt: toLocalIso(r.last_attempt_at),
        failingSince: toLocalIso(r.failing_since),
      }),
      (r) => ({ f: r.failing_since!.toISOString(), i: r.dossier_id }),
    );
  }

  /** A person asking for one dossier: it goes with the live ones, whatever its lane. */
  async retryOne(dossierId: string): Promise<{ queued: number }> {
    const row = await this.repo.failing(dossierId);
    if (!row) throw notFound('Hồ sơ đồng bộ lỗi');
    return { queued: await this.handOver([row], 'live') };
  }

  async retryAll(): Promise<{ queued: number }> {
    return { queued: await this.handOver(await this.repo.allFailing()) };
  }

  /** Retry of the whole list: each row keeps its lane (a failed year of history stays behind live dossiers). */
  private async handOver(rows: SyncRow[], lane?: 'live'): Promise<number> {
    try {
      // A retry asked by a person is a new job even if the last one for this state failed for good.
      return await this.enqueue(rows, `-r${Date.now()}`, lane);
    } catch {
      throw new DomainError('SERVICE_UNAVAILABLE', 'Hàng đợi tạm thời không sẵn sàng; hãy thử lại sau.');
    }
  }

  async status(): Promise<SyncStatus> {
    const s = await this.repo.status();
    portalSyncFailed.set(s.failed);
    portalSyncPending.set(s.pending);
    portalSyncBackfillPending.set(s.backfillPending);
    const rate = this.config.PORTAL_SYNC_DOSSIERS_PER_SECOND;
    return {
      pending: s.pending,
      failed: s.failed,
      oldestPendingAt: toLocalIso(s.oldest),
      backfillPending: s.backfillPending,
      oldestLivePendingAt: toLocalIso(s.oldestLive),
      dossiersPerSecond: rate > 0 ? rate : null,
      drainSeconds: drainSeconds(s.pending, rate),
    };
  }
}
