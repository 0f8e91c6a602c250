import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { within } from 'src/common/within';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { JobName, JobPayloads, JOBS, QUEUE_NAMES, QueueName } from 'src/jobs/job-catalogue';
import { createRedis } from 'src/jobs/redis';

const TIMED_OUT = 'Redis unreachable: job not enqueued';
const NOT_ANSWERING = 'Redis not answering: job not enqueued (enqueues paused a few seconds)';

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
   * After a timeout, enqueues fail at once for ENQUEUE_PAUSE_MS.
   */
  async enqueue<K extends JobName>(
    job: K,
    payload: JobPayloads[K],
    jobId?: string,
    options: JobsOptions = {},
  ): Promise<string | undefined> {
    const def = JOBS[job];
    if (Date.now() < this.quietUntil) throw new Error(NOT_ANSWERING);
    try {
      const added = await within(
        this.queue(def.queue).add(job, payload, { ...def.options, ...options, ...(jobId ? { jobId } : {}) }),
        QueueService.ENQUEUE_TIMEOUT_MS,
        TIMED_OUT,
      );
      return added.id;
    } catch (err) {
      // A Redis that holds the connection but does not answer would cost every request that
      // enqueues ENQUEUE_TIMEOUT_MS (an action enqueues twice): the next ENQUEUE_PAUSE_MS fail at
      // once. A refused connection fails at once anyway and pauses nothing.
      if ((err as Error).message === TIMED_OUT) this.quietUntil = Date.now() + QueueService.ENQUEUE_PAUSE_MS;
      throw err;
    }
  }

  static readonly ENQUEUE_TIMEOUT_MS = 2000;
  /** After an enqueue timed out, how long enqueues fail at once rather than wait again. */
  static readonly ENQUEUE_PAUSE_MS = 5000;
  private quietUntil = 0;

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
