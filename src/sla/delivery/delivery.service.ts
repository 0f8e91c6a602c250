import { Inject, Injectable } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from 'src/common/logger';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { JOBS } from 'src/jobs/job-catalogue';
import { QueueService } from 'src/jobs/queue.service';
import type { DeliveryEnqueuer } from 'src/sla/delivery-port';

/** The BullMQ job id of a delivery: one job per alert_deliveries row, whoever enqueues it. */
export const deliveryJobId = (deliveryId: string) => `delivery-${deliveryId}`;

/** Adds in flight at once: one round trip per chunk on the shared producer connection. */
const CHUNK = 200;

/**
 * Puts alert_deliveries rows on the 'delivery' queue. Postgres holds the rows; the jobs are derived
 * from them, so a job that does not get in (Redis down) is re-added by the deliveries sweep.
 */
@Injectable()
export class DeliveryService implements DeliveryEnqueuer {
  private readonly options: JobsOptions;

  constructor(
    private readonly queues: QueueService,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    this.options = {
      attempts: config.DELIVERY_MAX_ATTEMPTS,
      backoff: { type: 'exponential', delay: config.DELIVERY_BACKOFF_MS },
    };
  }

  /**
   * Enqueues one 'sla.deliver' job per id (job id `delivery-<id>`; an existing job makes it a no-op).
   * Call it after the transaction that wrote the rows has committed. Never throws: when Redis does
   * not answer, it logs, stops at the first failed chunk (each is bounded by the queue's enqueue
   * timeout) and leaves the rest to the sweep.
   */
  async enqueue(deliveryIds: string[]): Promise<void> {
    for (let i = 0; i < deliveryIds.length; i += CHUNK) {
      const results = await Promise.allSettled(deliveryIds.slice(i, i + CHUNK).map((id) => this.add(id)));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) {
        this.logger.warn(
          { err: (failed.reason as Error)?.message, notEnqueued: deliveryIds.length - i },
          'deliveries not enqueued; the deliveries sweep will add them',
        );
        return;
      }
    }
  }

  /**
   * Re-adds the jobs of deliveries still pending (the sweep). A job that is missing (Redis lost it,
   * or it was never added) is added; one that ended (completed, or failed after its attempts) while
   * its row is still pending is removed and added again, since BullMQ ignores an add whose id
   * exists; one that is waiting, delayed or running is left alone. Returns how many were added.
   */
  async requeue(deliveryIds: string[]): Promise<number> {
    const queue = this.queues.queue(JOBS['sla.deliver'].queue);
    const added = await Promise.all(
      deliveryIds.map(async (id) => {
        const jobId = deliveryJobId(id);
        const state = await queue.getJobState(jobId);
        if (state === 'completed' || state === 'failed') await queue.remove(jobId);
        else if (state !== 'unknown') return false;
        await this.add(id);
        return true;
      }),
    );
    return added.filter(Boolean).length;
  }

  private add(id: string): Promise<string | undefined> {
    return this.queues.enqueue('sla.deliver', { deliveryId: id }, deliveryJobId(id), this.options);
  }
}
