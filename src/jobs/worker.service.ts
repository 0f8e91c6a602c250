import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import type IORedis from 'ioredis';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from 'src/common/logger';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { JobName, QUEUE_CONCURRENCY, QUEUE_NAMES } from 'src/jobs/job-catalogue';
import { JOB_HANDLERS, JobHandler } from 'src/jobs/job-handler';
import { JobMetrics } from 'src/jobs/job-metrics';
import { createRedis } from 'src/jobs/redis';
import { portalLimiter } from 'src/portal-sync/portal-rate';

/**
 * Runs a BullMQ Worker per queue and dispatches each job to its handler by name. On shutdown the
 * workers close first (onModuleDestroy, before queues and the database): close() stops taking new
 * jobs and waits for the in-flight ones, up to SHUTDOWN_TIMEOUT_SECONDS.
 */
@Injectable()
export class WorkerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly workers: Worker[] = [];
  private readonly connections: IORedis[] = [];
  private readonly handlers: Map<string, JobHandler>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(JOB_HANDLERS) handlers: JobHandler[],
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly metrics: JobMetrics,
  ) {
    this.handlers = new Map(handlers.map((h) => [h.job, h]));
  }

  onApplicationBootstrap(): void {
    for (const queue of QUEUE_NAMES) {
      const connection = createRedis(this.config, 'worker');
      this.connections.push(connection);
      const worker = new Worker(queue, (job) => this.dispatch(job), {
        connection,
        prefix: this.config.QUEUE_PREFIX,
        concurrency: QUEUE_CONCURRENCY[queue] ?? this.config.WORKER_CONCURRENCY,
        // The portal's rate, shared by every replica (BullMQ keeps the limiter in Redis).
        limiter: queue === 'portal' ? portalLimiter(this.config.PORTAL_SYNC_DOSSIERS_PER_SECOND) : undefined,
        autorun: true,
      });
      worker.on('error', (err) => this.logger.warn({ queue, err: err.message }, 'worker connection error'));
      worker.on('failed', (job, err) =>
        this.logger.warn(
          { queue, job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: err.message },
          'job failed',
        ),
      );
      this.workers.push(worker);
    }
    this.logger.info({ queues: QUEUE_NAMES, concurrency: this.config.WORKER_CONCURRENCY }, 'workers started');
  }

  private async dispatch(job: Job): Promise<unknown> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new Error(`no handler for job ${job.name}`);
    const end = this.metrics.start(job.queueName, job.name as JobName);
    try {
      const result = await handler.handle(job.data, job);
      end('completed');
      return result;
    } catch (err) {
      end('failed');
      throw err;
    }
  }

  async onModuleDestroy(): Promise<void> {
    const timeoutMs = this.config.SHUTDOWN_TIMEOUT_SECONDS * 1000;
    this.logger.info({ timeoutMs }, 'closing workers: waiting for in-flight jobs');
    await Promise.all(
      this.workers.map(async (w) => {
        let timer: NodeJS.Timeout | undefined;
        const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
        const result = await Promise.race([w.close().then(() => 'closed' as const), gaveUp]);
        clearTimeout(timer);
        if (result === 'timeout') {
          this.logger.warn(
            { queue: w.name },
            'in-flight jobs did not finish in time; they will be retried by another worker',
          );
          await w.close(true);
        }
      }),
    );
    for (const c of this.connections) c.disconnect();
    this.logger.info('workers closed');
  }
}
