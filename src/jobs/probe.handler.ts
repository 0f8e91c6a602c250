import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import type { JobPayloads } from 'src/jobs/job-catalogue';
import type { JobHandler } from 'src/jobs/job-handler';

@Injectable()
export class ProbeHandler implements JobHandler<'system.probe'> {
  readonly job = 'system.probe' as const;
  constructor(private readonly dataSource: DataSource) {}

  async handle(payload: JobPayloads['system.probe'], job: Job): Promise<void> {
    const startedAt = new Date();
    if (payload.holdMs) await sleep(Math.min(payload.holdMs, 60_000));
    await this.dataSource.query(
      `INSERT INTO job_probes (probe_id, job_id, worker_pid, started_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (probe_id) DO NOTHING`,
      [payload.probeId, job.id ?? '', process.pid, startedAt],
    );
  }
}
