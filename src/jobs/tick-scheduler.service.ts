import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from 'src/common/logger';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { TickDefinition, TICKS } from 'src/jobs/job-catalogue';
import { QueueService } from 'src/jobs/queue.service';

export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** yyyyMMddHHmmss of an instant in Asia/Ho_Chi_Minh (UTC+7, no daylight saving). */
export function tickStamp(at: Date): string {
  const local = new Date(Math.floor(at.getTime() / 1000) * 1000 + 7 * 3600_000);
  return local.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * Periodic triggers. A tick only enqueues a BullMQ job whose id is derived from the tick instant
 * (truncated to the second), so any number of worker replicas firing the same tick yields one job;
 * the work itself runs in a processor. A missed tick is harmless: jobs work from Postgres state.
 */
@Injectable()
export class TickScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly registry: SchedulerRegistry,
    private readonly queues: QueueService,
  ) {}

  onApplicationBootstrap(): void {
    for (const tick of TICKS) {
      // `off`: this process fires no such tick (the work still runs when enqueued otherwise).
      if (this.config[tick.cron] === 'off') continue;
      const job = CronJob.from({
        cronTime: this.config[tick.cron],
        timeZone: TIME_ZONE,
        onTick: () => void this.fire(tick, new Date()),
        start: true,
      });
      this.registry.addCronJob(`tick:${tick.name}`, job);
    }
  }

  /** Enqueues the tick's job; returns the job id. Errors are logged, never thrown (next tick retries). */
  async fire(tick: TickDefinition, at: Date): Promise<string | null> {
    const tickId = `${tick.name}-${tickStamp(at)}`;
    try {
      await this.queues.enqueue(tick.job, tick.payload(tickId), tickId);
      this.logger.info({ tick: tick.name, tickId }, 'tick enqueued');
      return tickId;
    } catch (err) {
      this.logger.warn({ tick: tick.name, tickId, err: (err as Error).message }, 'tick not enqueued');
      return null;
    }
  }

  onModuleDestroy(): void {
    for (const [name, job] of this.registry.getCronJobs()) {
      if (name.startsWith('tick:')) void job.stop();
    }
  }
}
