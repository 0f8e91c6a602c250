import type { Job } from 'bullmq';
import type { JobName, JobPayloads } from 'src/jobs/job-catalogue';

/** A job's handler. It must be idempotent: it re-reads Postgres and may run more than once. */
export interface JobHandler<K extends JobName = JobName> {
  readonly job: K;
  handle(payload: JobPayloads[K], job: Job<JobPayloads[K]>): Promise<unknown>;
}

export const JOB_HANDLERS = Symbol('JOB_HANDLERS');
