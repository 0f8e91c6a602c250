import { within } from 'src/common/within';
import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { JobName, JobPayloads, JOBS, QUEUE_NAMES, QueueName } from 'src/jobs/job-catalogue';
import { createRedis } from 'src/jobs/redis';

/** Enqueues catalogue jobs. One Queue per name, sharing one producer connection. */
@Injectable()
export class QueueService implements BeforeApplicationShutdown {
  private readonly connection: IORedis;
  readonly queues: ReadonlyMap<QueueName, Queue>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.connection = createRedis(config, 'producer');
    this.queues = new Map(
      QUEUE_NAMES.map((name) => {
        const q = new Queue(name, { connection: this.connection, prefix: config.QUEUE_PREFIX });
        // Connection errors surface through enqueue() and readiness; an unhandled 'error' event would crash.
        q.on('error', () => undefined);
        return [name, q];
      }),
    );
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  /**
   * Adds a job; with a jobId an existing job of that id makes this a no-op. Fails within
   * ENQUEUE_TIMEOUT_MS when Redis is unreachable (BullMQ would otherwise wait for the connection):
   * callers have already written what the job works from into Postgres, and a sweep re-enqueues.
   */
  async enqueue<K extends JobName>(
    job: K,
    payload: JobPayloads[K],
    jobId?: string,
    options: JobsOptions = {},
  ): Promise<string | undefined> {
    const def = JOBS[job];
    const added = await within(
      this.queue(def.queue).add(job, payload, { ...def.options, ...options, ...(jobId ? { jobId } : {}) }),
      QueueService.ENQUEUE_TIMEOUT_MS,
      'Redis unreachable: job not enqueued',
    );
    return added.id;
  }

  static readonly ENQUEUE_TIMEOUT_MS = 2000;

  async jobCounts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [name, q] of this.queues) {
      out[name] = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
    }
    return out;
  }

  // Queues close after the workers (which close in onModuleDestroy) and before connections.
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }
}
