import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock } from 'src/common/clock';
import { ROOT_LOGGER } from 'src/common/logger';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';
import { DeliveryRepository } from 'src/sla/delivery/delivery.repository';
import { DeliveryService } from 'src/sla/delivery/delivery.service';

/**
 * A pending delivery created (or last tried) longer ago than this is presumed to have lost its job;
 * younger ones are in the hands of the enqueue that follows their commit, or of a retry.
 */
export const SWEEP_GRACE_MS = 30_000;
const BATCH = 500;

/**
 * Every SWEEP_CRON tick: re-adds the jobs of deliveries still pending, so a delivery whose job Redis
 * lost (or that was never enqueued) is sent once Redis is back. Re-adding is harmless: the job id is
 * the delivery's, and the handler locks the row and skips what is no longer pending.
 */
@Injectable()
export class DeliveriesSweepHandler implements JobHandler<'sla.deliveries-sweep'> {
  readonly job = 'sla.deliveries-sweep' as const;

  constructor(
    private readonly repo: DeliveryRepository,
    private readonly deliveries: DeliveryService,
    private readonly clock: Clock,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async handle(_payload: JobPayloads['sla.deliveries-sweep']): Promise<{ pending: number; requeued: number }> {
    const cutoff = new Date(this.clock.now().getTime() - SWEEP_GRACE_MS);
    let after: { createdAt: string; id: string } | null = null;
    let pending = 0;
    let requeued = 0;
    for (;;) {
      const rows = await this.repo.stalePending(cutoff, after, BATCH);
      if (rows.length === 0) break;
      pending += rows.length;
      requeued += await this.deliveries.requeue(rows.map((r) => r.id));
      const last = rows[rows.length - 1];
      after = { createdAt: last.created_at, id: last.id };
      if (rows.length < BATCH) break;
    }
    if (requeued) this.logger.info({ pending, requeued }, 'deliveries sweep re-enqueued pending deliveries');
    return { pending, requeued };
  }
}
